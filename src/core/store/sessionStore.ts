/**
 * The durable session store: everything a user did with Shannon, kept in one directory
 * (the extension's globalStorage, or the MCP server's data directory).
 *
 *   store.sqlite        metadata (sessions, turns, checkpoint rows): sql.js, saved whole, small
 *   store.sqlite.bak    the previous good save
 *   store.sqlite.verified  which database file Shannon wrote whole (skips a check at open)
 *   transcripts/*.jsonl one append-only file per session: the messages
 *   index/*.seg         the full-text search index (search/searchIndex.ts)
 *   owners/*.json       which store instances (windows) are alive, for restart recovery
 *
 * Changes apply to memory at once and reach disk within `flushDelayMs` (250 ms). Two windows
 * share the directory: a save takes a lock file, and if another window saved since we last
 * read, reloads its file and replays our unsaved changes on top (every change is an
 * idempotent, timestamp-ordered operation), so neither window loses the other's writes.
 * See docs/store-design.md for the why.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { SqlJsStatic } from 'sql.js';
import { isShannonError, ShannonError } from '../errors';
import { DisposableStore, Emitter, toDisposable, type Disposable, type Event } from '../lifecycle';
import { LIVE_STATES, type SessionRecord, type TranscriptEntry, type TurnMetrics } from '../session/types';
import { atomicWriteFile, atomicWriteFileSync, errnoCode, fileKeyOf, removeDeadTemps, statKey, statKeySync, type FileKey } from './files';
import { FileLock, processAlive } from './fileLock';
import { CorruptDatabase, loadSqlJs, MetaDb } from './metaDb';
import { SearchIndex } from './search/searchIndex';
import { TranscriptFiles } from './transcripts';
import type { CheckpointRecord, PrunePolicy, SearchHit, SearchOptions, SessionFilter, UsageQuery, UsageRow } from './types';

export interface SessionStoreOptions {
  /** The store's directory; created if missing. */
  dir: string;
  /** sql.js's `sql-wasm.wasm`. The extension passes `dist/sql-wasm.wasm`; default: the package's. */
  wasmPath?: string;
  /** Longest time between a change and its write to disk. */
  flushDelayMs?: number;
  /** The clock for timestamps the store makes itself (recovery, deletions, retention). */
  now?: () => number;
  /** How often to look for another window's saves when file watching is silent. */
  pollMs?: number;
}

export interface StoreChange {
  /** Sessions whose record, turns or checkpoints changed (or that were removed). */
  sessionIds: string[];
  /** Made by another process (another VS Code window) sharing the store. */
  external: boolean;
}

/** A message to store; `seq` is assigned unless given. */
export type NewTranscriptEntry = Omit<TranscriptEntry, 'seq'> & { seq?: number };

type Op = (db: MetaDb) => void;

const DB_FILE = 'store.sqlite';
const VERIFIED_SUFFIX = '.verified';
const HEARTBEAT_MS = 10_000;
/** An owner file not touched for this long belongs to a process that is gone or hung. */
const OWNER_STALE_MS = 60_000;
const TOMBSTONE_DAYS = 90;
/** Turns keep their own row this long; older ones are summed per day (metaDb.rollUpTurns). */
const TURN_DETAIL_DAYS = 90;
const DAY_MS = 86_400_000;

export class SessionStore implements Disposable {
  private readonly _onDidChange = new Emitter<StoreChange>();
  /** A session was added, changed or removed, here or in another window. */
  readonly onDidChange: Event<StoreChange> = this._onDidChange.event;
  private readonly _onDidWarn = new Emitter<ShannonError>();
  /** Something went wrong that the user should hear about; the store keeps working. */
  readonly onDidWarn: Event<ShannonError> = this._onDidWarn.event;
  /** Every warning so far, including those raised while opening (before anyone listened). */
  readonly warnings: ShannonError[] = [];

  readonly dir: string;
  private readonly dbFile: string;
  private readonly verifiedFile: string;
  private readonly lock: FileLock;
  private readonly transcripts: TranscriptFiles;
  private readonly index: SearchIndex;
  private readonly disposables = new DisposableStore();
  private readonly flushDelayMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  /** This store instance, as recorded in the `owner` of the live sessions it runs. */
  private readonly instanceId = randomBytes(8).toString('hex');
  private readonly ownerFile: string;

  /** Changes made in memory and not yet in the file, replayed on another window's newer file. */
  private pending: Op[] = [];
  /** Save even with nothing pending (after a migration, recovery or a corrupt file). */
  private fullSaveWanted = false;
  /** The version of the file our memory is based on. */
  private baseKey: FileKey | undefined;
  private heldLock: string | undefined;
  private serial: Promise<unknown> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 1000;
  private writeFailure: string | undefined;
  /** The file on disk is from a newer Shannon: never overwrite it. */
  private tooNew = false;
  private disposed = false;
  private readonly warnedTranscripts = new Set<string>();

  private constructor(
    private readonly SQL: SqlJsStatic,
    private db: MetaDb,
    options: SessionStoreOptions,
  ) {
    this.dir = options.dir;
    this.dbFile = path.join(this.dir, DB_FILE);
    this.verifiedFile = `${this.dbFile}${VERIFIED_SUFFIX}`;
    this.lock = new FileLock(`${this.dbFile}.lock`);
    this.flushDelayMs = options.flushDelayMs ?? 250;
    this.pollMs = options.pollMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.ownerFile = path.join(this.dir, 'owners', `${this.instanceId}.json`);
    this.transcripts = new TranscriptFiles(this.dir);
    this.index = this.disposables.add(
      new SearchIndex({
        storeDir: this.dir,
        transcripts: this.transcripts,
        sessionFolders: () => this.db.sessionFolders(),
        deletedSessions: () => this.db.deletedSessions(),
        warn: (e) => this.warn(e),
      }),
    );
  }

  /**
   * Opens (or creates) the store in `options.dir`. Refuses a store written by a newer schema
   * (STORE_TOO_NEW, file untouched). A corrupt database is moved aside and replaced by the
   * last good copy or an empty one, with a STORE_CORRUPT entry in `warnings`. Sessions left in
   * a live state by a window that is gone come back `interrupted`.
   */
  static async open(options: SessionStoreOptions): Promise<SessionStore> {
    const dir = options.dir;
    // Compiling sql.js is most of a first open: let it run while the files are read.
    const compiling = loadSqlJs(options.wasmPath);
    compiling.catch(() => undefined);
    try {
      await fsp.mkdir(path.join(dir, 'owners'), { recursive: true });
    } catch (err) {
      throw writeFailed(dir, err);
    }
    const dbFile = path.join(dir, DB_FILE);
    const warnings: ShannonError[] = [];
    const loaded = await loadDatabase(compiling, dbFile, new FileLock(`${dbFile}.lock`), warnings);
    const SQL = await compiling;
    const store = new SessionStore(SQL, loaded.db, options);
    store.baseKey = loaded.key;
    store.fullSaveWanted = loaded.dirty;
    for (const w of warnings) store.warn(w);
    await store.start();
    return store;
  }

  private async start(): Promise<void> {
    // Other windows read it only to judge sessions this instance marks live, which needs an
    // upsert and a flush first: open need not wait for the write.
    const ownerWritten = this.writeOwnerFile().catch(() => undefined);
    await this.recoverOrphans();
    this.db.forgetTombstones(this.now() - TOMBSTONE_DAYS * DAY_MS);
    const heartbeat = setInterval(() => {
      const t = new Date();
      fs.utimes(this.ownerFile, t, t, (err) => {
        if (err && errnoCode(err) === 'ENOENT') void this.writeOwnerFile().catch(() => undefined);
      });
    }, HEARTBEAT_MS);
    heartbeat.unref();
    this.disposables.add(toDisposable(() => clearInterval(heartbeat)));
    this.watchForOtherWindows();
    // Messages a crash kept out of the index are found and indexed in the background.
    this.index.catchUp();
    void ownerWritten.then(() => this.forgetDeadOwners());
    void this.rollUpOldTurns();
    if (this.fullSaveWanted || this.pending.length > 0) this.scheduleFlush();
  }

  // --- sessions ------------------------------------------------------------------------------

  /**
   * Adds or replaces a session. `updatedAt` orders versions: a record older than the stored
   * one (say, from another window) is ignored, so bump it with every change.
   */
  upsertSession(record: SessionRecord): void {
    // Recorded live from here: this instance runs it (unless it already ran elsewhere, see
    // MetaDb.mergeSession), and it comes back `interrupted` if this instance dies.
    const owner = LIVE_STATES.includes(record.state) ? this.instanceId : undefined;
    const copy = structuredClone(record);
    this.apply((db) => void db.mergeSession(copy, owner), [record.id]);
  }

  getSession(id: string): SessionRecord | undefined {
    this.assertOpen();
    return this.db.getSession(id);
  }

  /** Most recently updated first. */
  listSessions(filter?: SessionFilter): SessionRecord[] {
    this.assertOpen();
    return this.db.listSessions(filter);
  }

  /** Removes the session everywhere: record, turns, checkpoint rows, transcript, search entries. */
  async deleteSession(id: string): Promise<void> {
    await this.remove([id], false);
  }

  // --- transcripts ---------------------------------------------------------------------------

  /** Queues a message for its session's transcript (written within flushDelayMs). */
  appendMessage(entry: NewTranscriptEntry): TranscriptEntry {
    this.assertOpen();
    const stored = this.transcripts.append(entry);
    this.scheduleFlush();
    return stored;
  }

  /** The session's messages in order; unreadable lines are skipped with a warning. */
  async readTranscript(sessionId: string, opts: { fromSeq?: number; limit?: number } = {}): Promise<TranscriptEntry[]> {
    this.assertOpen();
    let corrupt = 0;
    let firstOffset = 0;
    const entries = await this.transcripts.read(sessionId, {
      ...opts,
      onCorrupt: (c) => {
        if (corrupt++ === 0) firstOffset = c.offset;
      },
    });
    if (corrupt > 0 && !this.warnedTranscripts.has(sessionId)) {
      this.warnedTranscripts.add(sessionId);
      this.warn(
        new ShannonError(
          'STORE_CORRUPT',
          `${corrupt} unreadable line${corrupt === 1 ? '' : 's'} in the transcript of session ${sessionId} (first at byte ${firstOffset}) ${corrupt === 1 ? 'was' : 'were'} skipped.`,
          'The rest of the conversation is shown; the file was left as it is.',
        ),
      );
    }
    return entries;
  }

  // --- turns and usage -----------------------------------------------------------------------

  recordTurn(metrics: TurnMetrics): void {
    const copy = { ...metrics };
    const day = localDay(metrics.endedAt);
    this.apply((db) => db.recordTurn(copy, day), [metrics.sessionId]);
  }

  /** The session's turns of the last 90 days (older ones live on as daily sums in `usage`). */
  listTurns(sessionId: string): TurnMetrics[] {
    this.assertOpen();
    return this.db.listTurns(sessionId);
  }

  /**
   * Tokens and cost grouped by local day, workspace folder or model, over [since, until).
   * Turns older than 90 days are kept as daily sums, so there the range is whole days.
   */
  usage(query: UsageQuery): UsageRow[] {
    this.assertOpen();
    return this.db.usage(query);
  }

  // --- checkpoints ---------------------------------------------------------------------------

  addCheckpoint(checkpoint: CheckpointRecord): void {
    const copy = { ...checkpoint };
    this.apply((db) => void db.putCheckpoint(copy), [checkpoint.sessionId]);
  }

  getCheckpoint(id: string): CheckpointRecord | undefined {
    this.assertOpen();
    return this.db.getCheckpoint(id);
  }

  /** A session's checkpoints, oldest first; every checkpoint without `sessionId`. */
  listCheckpoints(sessionId?: string): CheckpointRecord[] {
    this.assertOpen();
    return this.db.listCheckpoints(sessionId);
  }

  deleteCheckpoint(id: string): void {
    const existing = this.getCheckpoint(id);
    const at = this.now();
    this.apply((db) => db.deleteCheckpoint(id, at), existing ? [existing.sessionId] : []);
  }

  // --- search and retention ------------------------------------------------------------------

  /** Messages containing every word of `query`, best first, with a snippet each. */
  search(query: string, options?: SearchOptions): Promise<SearchHit[]> {
    this.assertOpen();
    return this.index.search(query, options);
  }

  /**
   * Removes sessions older than `maxAgeDays`, then the oldest until transcripts fit in
   * `maxBytes`. Never a live or pinned session. Usage totals keep the removed sessions' turns.
   */
  async prune(policy: PrunePolicy): Promise<{ removed: string[] }> {
    this.assertOpen();
    const candidates = this.db.prunable(LIVE_STATES);
    const removed = new Set<string>();
    if (policy.maxAgeDays !== undefined) {
      const cutoff = this.now() - policy.maxAgeDays * DAY_MS;
      for (const c of candidates) if (c.updatedAt < cutoff) removed.add(c.id);
    }
    if (policy.maxBytes !== undefined) {
      const sizes = new Map<string, number>();
      let total = 0;
      for (const s of this.db.sessionFolders().keys()) {
        if (removed.has(s)) continue;
        const size = await this.transcripts.size(s);
        sizes.set(s, size);
        total += size;
      }
      for (const c of candidates) {
        if (total <= policy.maxBytes) break;
        if (removed.has(c.id)) continue;
        removed.add(c.id);
        total -= sizes.get(c.id) ?? 0;
      }
    }
    const gone = await this.remove([...removed], true);
    await this.removeOrphanTranscripts();
    return { removed: gone };
  }

  // --- durability ----------------------------------------------------------------------------

  /** Writes everything changed so far. Rejects with STORE_WRITE_FAILED (memory is kept). */
  flush(): Promise<void> {
    return this.enqueue(() => this.flushNow());
  }

  /** Resolves when the search index holds everything flushed (tests and benches). */
  async settleIndex(): Promise<void> {
    await this.flush();
    await this.index.settle();
  }

  /** Writes what is pending synchronously (as far as the disk allows), then closes. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    try {
      this.disposables.dispose();
    } finally {
      try {
        this.transcripts.flushSync();
      } catch (err) {
        this.warn(writeFailed(this.dir, err));
      }
      if (!this.tooNew && (this.pending.length > 0 || this.fullSaveWanted)) {
        try {
          this.saveSync();
        } catch (err) {
          this.warn(writeFailed(this.dir, err));
        }
      }
      try {
        fs.rmSync(this.ownerFile, { force: true });
      } catch {
        // Read-only: the owner file ages out and the next open treats us as gone.
      }
      this.db.close();
      this._onDidChange.dispose();
      this._onDidWarn.dispose();
    }
  }

  // --- internals: changes and flushing -------------------------------------------------------

  private assertOpen(): void {
    if (this.disposed) throw new Error('The session store was disposed.');
  }

  private apply(op: Op, sessionIds: string[]): void {
    this.assertOpen();
    op(this.db);
    this.pending.push(op);
    this.scheduleFlush();
    if (sessionIds.length > 0) this._onDidChange.fire({ sessionIds, external: false });
  }

  private scheduleFlush(): void {
    // A deadline, not a debounce: a steady stream of changes must not postpone the write.
    if (this.flushTimer || this.disposed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => undefined); // reported through onDidWarn
    }, this.flushDelayMs);
  }

  /** One disk operation at a time: flushes and reloads never interleave. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serial.then(task, task);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    if (this.disposed) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const { written, error } = await this.transcripts.flush(() => this.disposed);
    if (this.disposed) return;
    this.index.add(written);
    let failure = error;
    if (!this.tooNew && (this.pending.length > 0 || this.fullSaveWanted)) {
      try {
        await this.save();
      } catch (err) {
        if (this.disposed) return;
        failure ??= err;
      }
    }
    if (failure === undefined) {
      this.writeFailure = undefined;
      this.retryDelayMs = 1000;
      return;
    }
    const shannon = isShannonError(failure) ? failure : writeFailed(this.dir, failure);
    const signature = `${shannon.code}:${shannon.message}`;
    if (signature !== this.writeFailure) {
      this.writeFailure = signature;
      this.warn(shannon);
    }
    // Retry without waiting for the next change, backing off while the disk stays unwritable.
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.flush().catch(() => undefined), this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 30_000);
    throw shannon;
  }

  /** Lock, merge in another window's newer save if any, write ours, unlock. */
  private async save(): Promise<void> {
    const token = await this.lock.acquire();
    this.heldLock = token;
    try {
      if (this.disposed) return;
      const diskKey = await statKey(this.dbFile);
      if (diskKey !== undefined && diskKey !== this.baseKey) {
        await this.reload(true);
        if (this.disposed || this.tooNew) return;
      }
      const count = this.pending.length;
      const bytes = this.db.export();
      await atomicWriteFile(this.dbFile, bytes, async (tmp) => {
        if (this.disposed) throw new Error('store closed during a save'); // dispose saved synchronously
        if (!this.lock.holds(token)) throw new Error('the store lock was taken over during a save');
        await fsp.writeFile(this.verifiedFile, (await statKey(tmp)) ?? '');
        await this.keepBackup();
      });
      this.baseKey = await statKey(this.dbFile);
      this.pending.splice(0, count);
      this.fullSaveWanted = false;
    } finally {
      this.heldLock = undefined;
      this.lock.release(token);
    }
  }

  private saveSync(): void {
    // If our own async save holds the lock, it is ours to reuse: it stops before renaming.
    const token = this.heldLock ?? this.lock.acquireSync(3000);
    try {
      const diskKey = statKeySync(this.dbFile);
      if (diskKey !== undefined && diskKey !== this.baseKey) {
        const fd = fs.openSync(this.dbFile, 'r');
        try {
          const key = fileKeyOf(fs.fstatSync(fd, { bigint: true }));
          this.adopt(fs.readFileSync(fd), key, true, readVerifiedSync(this.verifiedFile) === key);
        } finally {
          fs.closeSync(fd);
        }
        if (this.tooNew) return;
      }
      atomicWriteFileSync(this.dbFile, this.db.export(), (tmp) => {
        fs.writeFileSync(this.verifiedFile, statKeySync(tmp) ?? '');
        try {
          fs.rmSync(`${this.dbFile}.bak`, { force: true });
          fs.linkSync(this.dbFile, `${this.dbFile}.bak`);
        } catch {
          // The backup is a convenience; the save is what matters.
        }
      });
      this.pending = [];
      this.fullSaveWanted = false;
    } finally {
      this.lock.release(token);
    }
  }

  /** The file being replaced becomes the `.bak` generation (a hard link: no copy). */
  private async keepBackup(): Promise<void> {
    const bak = `${this.dbFile}.bak`;
    try {
      await fsp.rm(bak, { force: true });
      await fsp.link(this.dbFile, bak);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      await fsp.copyFile(this.dbFile, bak).catch(() => undefined);
    }
  }

  // --- internals: other windows ----------------------------------------------------------------

  private watchForOtherWindows(): void {
    let debounce: NodeJS.Timeout | undefined;
    const check = (): void => {
      clearTimeout(debounce);
      debounce = setTimeout(() => void this.enqueue(() => this.checkExternal()).catch(() => undefined), 30);
    };
    try {
      const watcher = fs.watch(this.dir, { persistent: false }, (_event, file) => {
        if (file === DB_FILE) check();
      });
      watcher.on('error', () => watcher.close());
      this.disposables.add(toDisposable(() => watcher.close()));
    } catch {
      // No file watching here (some network drives): polling below still notices.
    }
    const poll = setInterval(check, this.pollMs);
    poll.unref();
    this.disposables.add(toDisposable(() => (clearInterval(poll), clearTimeout(debounce))));
  }

  private async checkExternal(): Promise<void> {
    if (this.disposed) return;
    const key = await statKey(this.dbFile);
    if (key === undefined || key === this.baseKey) return;
    await this.reload(false);
  }

  /**
   * Makes memory the file's content plus our unsaved changes. `locked`: we hold the lock, so a
   * corrupt file may be moved aside (our memory then becomes the next save).
   */
  private async reload(locked: boolean): Promise<void> {
    let bytes: Buffer;
    let key: FileKey;
    const fh = await fsp.open(this.dbFile, 'r').catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (!fh) return;
    try {
      key = fileKeyOf(await fh.stat({ bigint: true }));
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
    const trusted = (await readVerified(this.verifiedFile)) === key;
    if (this.disposed) return;
    this.adopt(bytes, key, locked, trusted);
  }

  private adopt(bytes: Uint8Array, key: FileKey, locked: boolean, trusted: boolean): void {
    let next: MetaDb;
    try {
      next = MetaDb.fromBytes(this.SQL, bytes, this.dbFile, trusted).db;
    } catch (err) {
      if (isShannonError(err, 'STORE_TOO_NEW')) {
        if (!this.tooNew) this.warn(err);
        this.tooNew = true;
        return;
      }
      if (!(err instanceof CorruptDatabase) || !locked) return; // unlocked: the next save decides
      const aside = moveAsideSync(this.dbFile);
      this.warn(
        new ShannonError('STORE_CORRUPT', `The session store ${this.dbFile} was damaged; it was kept as ${path.basename(aside)}.`, 'Shannon keeps going with the sessions this window holds and saves them now.'),
      );
      this.baseKey = undefined;
      this.fullSaveWanted = true;
      return;
    }
    const before = this.db.fingerprint();
    for (const op of this.pending) op(next);
    const after = next.fingerprint();
    this.db.close();
    this.db = next;
    this.baseKey = key;
    const changed = new Set<string>();
    for (const [id, v] of after) if (before.get(id) !== v) changed.add(id);
    for (const id of before.keys()) if (!after.has(id)) changed.add(id);
    if (changed.size > 0) this._onDidChange.fire({ sessionIds: [...changed], external: true });
  }

  // --- internals: recovery, removal, warnings ----------------------------------------------------

  private async writeOwnerFile(): Promise<void> {
    await fsp.mkdir(path.dirname(this.ownerFile), { recursive: true });
    await fsp.writeFile(this.ownerFile, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: Date.now() }));
  }

  /** Sessions recorded live by a store instance that is gone come back `interrupted`. */
  private async recoverOrphans(): Promise<void> {
    const live = this.db.liveSessions();
    const alive = new Map<string, boolean>();
    const ownerAlive = async (owner: string | undefined): Promise<boolean> => {
      if (owner === undefined) return false;
      let known = alive.get(owner);
      if (known === undefined) {
        known = await instanceAlive(path.join(this.dir, 'owners', `${owner}.json`));
        alive.set(owner, known);
      }
      return known;
    };
    const recovered: string[] = [];
    for (const { record, owner } of live) {
      // Suspended has no process to lose: any window's next message wakes it.
      if (record.state === 'suspended') continue;
      if (owner === this.instanceId || (await ownerAlive(owner))) continue;
      const at = Math.max(this.now(), record.updatedAt + 1);
      const next: SessionRecord = { ...record, state: 'interrupted', updatedAt: at, endedAt: record.endedAt ?? record.updatedAt };
      this.apply((db) => void db.mergeSession(next, undefined), []);
      recovered.push(record.id);
    }
    if (recovered.length > 0) this._onDidChange.fire({ sessionIds: recovered, external: false });
  }

  /**
   * Sums turns older than TURN_DETAIL_DAYS per day, a few thousand rows per step with the
   * event loop free in between: after months away the backlog is large, the steps are not.
   */
  private async rollUpOldTurns(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 10).unref());
      if (this.disposed) return;
      const step = this.db.rollUpStep(this.now() - TURN_DETAIL_DAYS * DAY_MS, 2000);
      if (step === undefined) return;
      this.apply((db) => db.rollUpTurns(step), []);
    }
  }

  /** Owner files and temp files of instances that are gone (after open: nothing waits). */
  private async forgetDeadOwners(): Promise<void> {
    await removeDeadTemps(this.dir, processAlive);
    await removeDeadTemps(this.index.dir, processAlive);
    const ownersDir = path.join(this.dir, 'owners');
    for (const name of await fsp.readdir(ownersDir).catch(() => [] as string[])) {
      const file = path.join(ownersDir, name);
      if (this.disposed) return;
      if (file !== this.ownerFile && !(await instanceAlive(file))) await fsp.rm(file, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Deletes sessions; for retention (`pruning`) only those still neither live nor pinned when
   * the change applies — here, or replayed on another window's copy where one may have just
   * been resumed. Returns the ids removed.
   */
  private async remove(ids: string[], pruning: boolean): Promise<string[]> {
    this.assertOpen();
    if (ids.length === 0) return [];
    const at = this.now();
    this.apply((db) => {
      for (const id of ids) {
        const record = pruning ? db.getSession(id) : undefined;
        if (pruning && (!record || record.pinned || LIVE_STATES.includes(record.state))) continue;
        db.deleteSession(id, at, pruning);
      }
    }, ids);
    // The record goes first: a crash now leaves an orphan transcript (pruned), not a
    // session whose messages are gone.
    await this.flush();
    const gone = ids.filter((id) => !this.db.hasSession(id));
    for (const id of gone) await this.transcripts.delete(id);
    this.index.purgeDeleted();
    return gone;
  }

  private async removeOrphanTranscripts(): Promise<void> {
    const deleted = this.db.deletedSessions();
    for (const name of await fsp.readdir(this.transcripts.dir).catch(() => [] as string[])) {
      const id = name.replace(/\.jsonl$/, '');
      if (name.endsWith('.jsonl') && deleted.has(id) && !this.db.hasSession(id)) await this.transcripts.delete(id);
    }
  }

  private warn(err: ShannonError): void {
    this.warnings.push(err);
    if (this.warnings.length > 100) this.warnings.splice(0, this.warnings.length - 100);
    this._onDidWarn.fire(err);
  }
}

/** Whether the store instance that wrote this owner file still runs. */
async function instanceAlive(ownerFile: string): Promise<boolean> {
  try {
    const [st, text] = await Promise.all([fsp.stat(ownerFile), fsp.readFile(ownerFile, 'utf8')]);
    const owner = JSON.parse(text) as { pid?: number; host?: string };
    if (Date.now() - st.mtimeMs > OWNER_STALE_MS) return false;
    return owner.host !== hostname() || (typeof owner.pid === 'number' && processAlive(owner.pid));
  } catch {
    return false;
  }
}

/**
 * Reads the database file: missing → empty; corrupt → moved aside (under the lock, and only if
 * no other window replaced it meanwhile), then the `.bak` generation or empty.
 */
async function loadDatabase(compiling: Promise<SqlJsStatic>, file: string, lock: FileLock, warnings: ShannonError[]): Promise<{ db: MetaDb; key: FileKey | undefined; dirty: boolean }> {
  const verifiedFile = `${file}${VERIFIED_SUFFIX}`;
  for (let attempt = 0; ; attempt++) {
    const [read, verified, SQL] = await Promise.all([readVersion(file), readVerified(verifiedFile), compiling]);
    if (!read) return { db: MetaDb.empty(SQL), key: undefined, dirty: false };
    try {
      const trusted = verified === read.key;
      const { db, migrated } = MetaDb.fromBytes(SQL, read.bytes, file, trusted);
      // Checked page by page just now: the next open may skip that.
      if (!trusted) await fsp.writeFile(verifiedFile, read.key).catch(() => undefined);
      return { db, key: read.key, dirty: migrated };
    } catch (err) {
      if (!(err instanceof CorruptDatabase)) throw err;
      let token: string;
      try {
        token = await lock.acquire();
      } catch (lockErr) {
        throw writeFailed(path.dirname(file), lockErr);
      }
      try {
        // Another window may have just saved a good file over the bad one: read again.
        if ((await statKey(file)) !== read.key && attempt < 3) continue;
        let aside: string;
        try {
          aside = moveAsideSync(file);
        } catch (moveErr) {
          throw writeFailed(path.dirname(file), moveErr); // never overwrite what we cannot keep
        }
        const fromBackup = await readBackup(SQL, `${file}.bak`);
        warnings.push(
          new ShannonError(
            'STORE_CORRUPT',
            `The session store ${file} was damaged (${err.message}); it was kept as ${path.basename(aside)}.`,
            fromBackup ? 'Shannon restored the last good copy: the most recent changes may be missing.' : 'No good copy was found: Shannon starts with an empty session list. Transcripts are kept.',
          ),
        );
        return { db: fromBackup ?? MetaDb.empty(SQL), key: undefined, dirty: true };
      } finally {
        lock.release(token);
      }
    }
  }
}

/**
 * `store.sqlite.verified` holds the key of the last database file Shannon wrote whole (noted
 * from the temp file before its rename) or checked. A file with that key skips SQLite's
 * page-by-page check at open; any other file (a crash, another program, a disk fault) gets it.
 */
async function readVerified(file: string): Promise<string | undefined> {
  return fsp.readFile(file, 'utf8').catch(() => undefined);
}

function readVerifiedSync(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readVersion(file: string): Promise<{ bytes: Buffer; key: FileKey } | undefined> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    // Unreadable is not damaged: the fix is the folder's permissions, as for writing.
    throw writeFailed(path.dirname(file), err, 'read');
  }
  try {
    const key = fileKeyOf(await fh.stat({ bigint: true }));
    return { bytes: await fh.readFile(), key };
  } finally {
    await fh.close();
  }
}

async function readBackup(SQL: SqlJsStatic, bak: string): Promise<MetaDb | undefined> {
  try {
    return MetaDb.fromBytes(SQL, await fsp.readFile(bak), bak).db;
  } catch {
    return undefined;
  }
}

/** Renames a damaged file to `<name>.corrupt-<timestamp>`: kept for the user, never deleted. */
function moveAsideSync(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  fs.renameSync(file, aside);
  return aside;
}

function writeFailed(dir: string, err: unknown, verb: 'save' | 'read' = 'save'): ShannonError {
  const code = errnoCode(err);
  const reason =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR' || code === 'ENOENT'
            ? 'the folder is gone or is not a folder'
            : err instanceof Error
              ? err.message
              : String(err);
  if (verb === 'read') {
    return new ShannonError('STORE_READ_FAILED', `Shannon could not read its session store in ${dir}: ${reason}.`, 'Make the folder and its files readable by you, then reload the window.', { cause: err });
  }
  return new ShannonError(
    'STORE_WRITE_FAILED',
    `Shannon could not save its session store in ${dir}: ${reason}.`,
    'Changes are kept in memory and saved on the next try: free disk space or make the folder writable.',
    { cause: err },
  );
}

function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}


