/**
 * Which store instances (windows) are alive, for restart recovery. Each open store keeps
 * `owners/<instance>.json` (pid, host) and touches it every 10 s; a live session is recorded
 * with the instance that runs it. On open, a live session whose owner file is missing, stale or
 * names a dead pid was left by a window that is gone: it comes back `interrupted`, keeping its
 * CLI session id for `--resume`.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Disposable } from '../lifecycle';
import type { SessionRecord } from '../session/types';
import { errnoCode, removeDeadTemps } from './files';
import { processAlive } from './fileLock';
import { call, ops, runAsync, runSync, type Io } from './io';
import type { SessionRow } from './metaDb';

const HEARTBEAT_MS = 10_000;
/** An owner file not touched for this long belongs to a process that is gone or hung. */
const OWNER_STALE_MS = 60_000;

export class Owners implements Disposable {
  /** This store instance, as recorded in the `owner` of the live sessions it runs. */
  readonly instanceId = randomBytes(8).toString('hex');
  private readonly dir: string;
  private readonly ownFile: string;
  private heartbeat: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(storeDir: string) {
    this.dir = path.join(storeDir, 'owners');
    this.ownFile = this.fileOf(this.instanceId);
  }

  /** Writes this instance's owner file and keeps it fresh; resolves once it is written. */
  start(): Promise<void> {
    this.heartbeat = setInterval(() => {
      const t = new Date();
      fs.utimes(this.ownFile, t, t, (err) => {
        if (err && errnoCode(err) === 'ENOENT') void this.writeOwnFile().catch(() => undefined);
      });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    return this.writeOwnFile();
  }

  /** Whether the instance that wrote this owner file still runs. */
  isAlive(instanceId: string): Promise<boolean> {
    return runAsync(this.aliveness(instanceId));
  }

  /** The same, blocking (two small reads: for a caller that cannot wait). */
  isAliveSync(instanceId: string): boolean {
    return instanceId === this.instanceId || runSync(this.aliveness(instanceId));
  }

  private *aliveness(instanceId: string): Io<boolean> {
    try {
      const file = this.fileOf(instanceId);
      const st = yield* call(ops.stat, file);
      const owner = JSON.parse((yield* call(ops.readFile, file)).toString('utf8')) as OwnerFile;
      return isFresh(Number(st.mtimeMs), owner);
    } catch {
      return false;
    }
  }

  /** Owner files and temp files of instances that are gone (after open: nothing waits). */
  async forgetDead(tempDirs: readonly string[]): Promise<void> {
    for (const dir of tempDirs) await removeDeadTemps(dir, processAlive);
    for (const name of await fsp.readdir(this.dir).catch(() => [] as string[])) {
      if (this.disposed) return;
      const id = name.replace(/\.json$/, '');
      if (id !== this.instanceId && !(await this.isAlive(id))) await fsp.rm(path.join(this.dir, name), { force: true }).catch(() => undefined);
    }
  }

  /** Stops the heartbeat and removes the owner file: this instance is gone. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.heartbeat);
    try {
      fs.rmSync(this.ownFile, { force: true });
    } catch {
      // Read-only: the owner file ages out and the next open treats us as gone.
    }
  }

  private fileOf(instanceId: string): string {
    return path.join(this.dir, `${instanceId}.json`);
  }

  private async writeOwnFile(): Promise<void> {
    const content: OwnerFile = { pid: process.pid, host: hostname(), startedAt: Date.now() };
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.writeFile(this.ownFile, JSON.stringify(content));
    // Closed while the write was under way: it must not outlive dispose's removal.
    if (this.disposed) await fsp.rm(this.ownFile, { force: true }).catch(() => undefined);
  }
}

interface OwnerFile {
  pid?: number;
  host?: string;
  startedAt?: number;
}

function isFresh(mtimeMs: number, owner: OwnerFile): boolean {
  if (Date.now() - mtimeMs > OWNER_STALE_MS) return false;
  return owner.host !== hostname() || (typeof owner.pid === 'number' && processAlive(owner.pid));
}

/**
 * The live sessions whose owner is gone, as they come back: `interrupted`, ended when last
 * heard of, with a newer `updatedAt` so the change wins over any copy of the old record.
 */
export async function orphansToInterrupt(live: readonly SessionRow[], owners: Owners, now: number): Promise<SessionRecord[]> {
  const alive = new Map<string, boolean>();
  const ownerAlive = async (owner: string | undefined): Promise<boolean> => {
    if (owner === undefined) return false;
    let known = alive.get(owner);
    if (known === undefined) alive.set(owner, (known = await owners.isAlive(owner)));
    return known;
  };
  const out: SessionRecord[] = [];
  for (const { record, owner } of live) {
    // Suspended has no process to lose: any window's next message wakes it.
    if (record.state === 'suspended') continue;
    if (owner === owners.instanceId || (await ownerAlive(owner))) continue;
    const at = Math.max(now, record.updatedAt + 1);
    out.push({ ...record, state: 'interrupted', updatedAt: at, endedAt: record.endedAt ?? record.updatedAt });
  }
  return out;
}
