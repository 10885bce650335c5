/**
 * What this host runs, written down for the next start after the host died without ending it
 * (SIGKILL, a crash, a power cut): once the host is gone nothing else knows that those `claude`
 * processes and their tools are Shannon's, and the tools (in sessions of their own) outlive the
 * CLI too.
 *
 * One small JSON file per host under `<dataDir>/processes/`, replaced atomically on every change:
 * the owner (pid + start time + hostname) and, per live session, the process tree as last seen
 * (pid + start time of `claude` and each descendant). On the next start, a file whose owner is
 * dead is claimed (renamed, so two windows starting at once do not both act), every recorded
 * process that still runs as recorded is ended with its tree, and what was ended is reported.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { ShannonError } from '../errors.js';
import type { Disposable, Event } from '../lifecycle.js';
import { atomicWrite, atomicWriteFile, errnoCode, removeDeadTemps } from '../store/files.js';
import { runSync } from '../store/io.js';
import { bootId, canReadProcessTable, pidExists, readProcessSync } from './processTable.js';
import { endTree, isAliveSync, isSameLiving, type EndedProcess, type ProcessIdentity, type TreeMarker } from './processTree.js';

/** A live process whose tree is recorded (ClaudeProcess is one). */
export interface TrackedProcess {
  readonly tree: readonly ProcessIdentity[];
  readonly treeMarker?: TreeMarker;
  readonly onDidChangeTree: Event<readonly ProcessIdentity[]>;
  /** Settles once the process has exited and what it left behind was ended. */
  readonly exited: Promise<unknown>;
}

export interface TrackInfo {
  sessionId: string;
  /** The session's title, for the report after a crash. */
  label?: string;
}

interface Owner {
  pid: number;
  start: string;
  host: string;
  /** Linux start times count from boot: after a reboot they name other processes. */
  boot: string;
}

type Entry = TrackInfo & { tree: ProcessIdentity[]; marker?: TreeMarker };

interface RegistryFile {
  version: 1;
  owner: Owner;
  sessions: Entry[];
}

/** What a recovery ended for one session of a host that had died. */
export interface RecoveredSession extends TrackInfo {
  ended: EndedProcess[];
}

export interface ProcessRegistryOptions {
  /** `<dataDir>/processes`. */
  dir: string;
  /** Told once when the record cannot be written (leftovers could then not be ended after a crash). */
  onWarn?(warning: ShannonError): void;
}

/** A claim on a dead host's file by a recovery that died itself is taken over after this long. */
const STALE_CLAIM_MS = 60_000;

export class ProcessRegistry implements Disposable {
  private readonly entries = new Set<Entry>();
  private readonly file: string;
  private readonly owner: Owner;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private warned = false;
  private disposed = false;

  constructor(private readonly options: ProcessRegistryOptions) {
    this.owner = { pid: process.pid, start: readProcessSync(process.pid)?.start ?? '', host: hostname(), boot: bootId() };
    this.file = path.join(options.dir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  }

  /** Records `process`'s tree until it has exited. */
  track(process: TrackedProcess, info: TrackInfo): void {
    if (this.disposed) return;
    const entry: Entry = { ...info, tree: [...process.tree], ...(process.treeMarker ? { marker: process.treeMarker } : {}) };
    this.entries.add(entry);
    // (A process through the launcher has no tree yet: its first change brings it.)
    if (entry.tree.length > 0) this.scheduleWrite();
    const sub = process.onDidChangeTree((tree) => {
      entry.tree = [...tree];
      entry.marker ??= process.treeMarker;
      this.scheduleWrite();
    });
    void process.exited.then(() => {
      sub.dispose();
      this.entries.delete(entry);
      this.scheduleWrite();
    });
  }

  /**
   * Ends what hosts that died left running, as recorded, and says what that was. Files of live
   * hosts (another window) and of other machines (a shared data directory) are left alone.
   */
  async recover(options: { graceMs?: number } = {}): Promise<RecoveredSession[]> {
    const recovered: RecoveredSession[] = [];
    await removeDeadTemps(this.options.dir, pidExists);
    const names = await fsp.readdir(this.options.dir).catch(() => [] as string[]);
    for (const name of names) {
      const file = path.join(this.options.dir, name);
      if (file === this.file || !/\.json(\.recovering-[0-9a-f]+)?$/.test(name)) continue;
      const st = await fsp.stat(file).catch(() => undefined);
      if (!st) continue;
      const stale = Date.now() - st.mtimeMs > STALE_CLAIM_MS;
      if (name.includes('.recovering-') && !stale) continue;
      const record = await readRecord(file);
      if (!record) {
        if (stale) await fsp.rm(file, { force: true }).catch(() => undefined);
        continue;
      }
      if (!ownerDead(record.owner)) continue;
      // After a reboot nothing recorded runs any more, and its start times name other processes.
      const sameBoot = (record.owner.boot ?? '') === bootId();
      const claimed = `${file.replace(/\.recovering-[0-9a-f]+$/, '')}.recovering-${randomBytes(4).toString('hex')}`;
      try {
        await fsp.rename(file, claimed);
      } catch {
        continue; // another window claimed it first
      }
      for (const session of record.sessions) {
        // Without a start time a pid cannot be told from its reuse: never signalled.
        const seeds = session.tree.filter((m) => m.start !== '');
        if (seeds.length === 0 || !canReadProcessTable || !sameBoot) continue;
        const result = await endTree(seeds, { ...options, ...(session.marker ? { marker: session.marker } : {}) });
        if (result.ended.length) recovered.push({ sessionId: session.sessionId, ...(session.label ? { label: session.label } : {}), ended: result.ended });
      }
      await fsp.rm(claimed, { force: true }).catch(() => undefined);
    }
    return recovered;
  }

  /** Resolves once what is tracked now is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * Synchronous: the owner's processes were just killed (manager.dispose()); any that still run
   * stay on record for the next start, else the file goes.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.writeFinalSync();
    // A write under way may land after this: it puts the final state back when it does.
    void this.writing?.then(() => this.writeFinalSync());
  }

  private scheduleWrite(): void {
    if (this.disposed) return;
    this.dirty = true;
    this.writing ??= (async () => {
      while (this.dirty && !this.disposed) {
        this.dirty = false;
        try {
          const recorded = [...this.entries].filter((e) => e.tree.length > 0);
          if (recorded.length === 0) await fsp.rm(this.file, { force: true });
          else {
            await fsp.mkdir(this.options.dir, { recursive: true });
            await atomicWriteFile(this.file, this.serialize(recorded));
          }
        } catch (err) {
          this.warnOnce(err);
        }
      }
    })().finally(() => (this.writing = undefined));
  }

  private writeFinalSync(): void {
    const alive = [...this.entries].map((e) => ({ ...e, tree: e.tree.filter(isAliveSync) })).filter((e) => e.tree.length > 0);
    try {
      if (alive.length === 0) fs.rmSync(this.file, { force: true });
      else runSync(atomicWrite(this.file, this.serialize(alive)));
    } catch (err) {
      this.warnOnce(err);
    }
  }

  private serialize(sessions: RegistryFile['sessions']): string {
    const record: RegistryFile = { version: 1, owner: this.owner, sessions };
    return JSON.stringify(record);
  }

  private warnOnce(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.options.onWarn?.(
      new ShannonError(
        'STORE_WRITE_FAILED',
        `Shannon could not record its running processes in ${this.options.dir} (${errnoCode(err) ?? String(err)}).`,
        'Sessions work as before; only if Shannon is killed, the processes it ran are not ended on its next start. Check that the folder is writable.',
      ),
    );
  }
}

/** The warning that tells what a recovery ended; undefined when it ended nothing. */
export function leftoversWarning(recovered: readonly RecoveredSession[]): ShannonError | undefined {
  const count = recovered.reduce((n, r) => n + r.ended.length, 0);
  if (count === 0) return undefined;
  const sessions = recovered.map((r) => `${r.label ? `"${r.label}"` : `session ${r.sessionId}`} (${r.ended.map((p) => `${p.name || 'pid'} ${p.pid}`).join(', ')})`);
  return new ShannonError(
    'LEFTOVER_PROCESSES_ENDED',
    `Ended ${count} process${count === 1 ? '' : 'es'} that Shannon left running when it last stopped without ending them: ${sessions.join('; ')}.`,
    'Those sessions show as interrupted; resume one to continue it.',
  );
}

async function readRecord(file: string): Promise<RegistryFile | undefined> {
  try {
    const parsed = JSON.parse(await fsp.readFile(file, 'utf8')) as RegistryFile;
    return parsed.version === 1 && parsed.owner && Array.isArray(parsed.sessions) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Dead: on this machine, and its pid is free or now another process's. Another machine's: unknown, so alive. */
function ownerDead(owner: Owner): boolean {
  if (owner.host !== hostname()) return false;
  if ((owner.boot ?? '') !== bootId()) return true;
  if (!owner.start) return !pidExists(owner.pid);
  return !isSameLiving(readProcessSync(owner.pid), owner);
}
