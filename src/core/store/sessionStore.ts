/**
 * The durable session store: everything a user did with Shannon, kept in one directory
 * (the extension's globalStorage, or the MCP server's data directory). This is its facade; the
 * jobs are done by one module each:
 *
 *   sharedDatabase.ts  the metadata database shared between windows (lock, reload, replay)
 *   databaseFile.ts    reading it, the `.verified` note, `.bak`, and damaged files moved aside
 *   writeBehind.ts     changes reach disk within `flushDelayMs`, retried with backoff on failure
 *   watcher.ts         noticing another window's saves (fs.watch, and polling)
 *   owners.ts          which windows are alive; sessions of dead ones come back `interrupted`
 *   retention.ts       pruning, the daily roll-up of old turns, tombstones
 *   transcripts.ts     the messages: one append-only JSONL file per session
 *   search/            the full-text index over the transcripts
 *   touchedFiles.ts    which files each session's edit tool calls touched
 *
 * See docs/store-design.md for the why.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { isShannonError, ShannonError } from '../errors';
import { localDay } from '../format';
import { DisposableStore, Emitter, type Disposable, type Event } from '../lifecycle';
import { LIVE_STATES, type SessionRecord, type TranscriptEntry, type TurnMetrics } from '../session/types';
import { databasePaths, DB_FILE, loadDatabase } from './databaseFile';
import { FileLock } from './fileLock';
import { orphansToInterrupt, Owners } from './owners';
import { DAY_MS, removeOrphanTranscripts, rollUpOldTurns, sessionsToPrune, TOMBSTONE_DAYS } from './retention';
import { loadSqlJs } from './schema';
import { SearchIndex } from './search/searchIndex';
import { SharedDatabase, type Op } from './sharedDatabase';
import { SessionWriters } from './sessionWriters';
import { writeFailed, wrongKind } from './storeErrors';
import { backfillTouches, editsFiles, touchedFilePath, touchesOf, type SessionTouch, type TouchQuery } from './touchedFiles';
import { TranscriptFiles, type CorruptLine, type NewEntry } from './transcripts';
import type { BackwardRead, ForwardRead, TailRead } from './transcriptReads';
import type { Checkpoint, PrunePolicy, SearchHit, SearchOptions, SessionFilter, UsageQuery, UsageRow } from './types';
import { watchFile } from './watcher';
import { WriteBehind } from './writeBehind';
import type { UsageCell, UsageTurn } from './usageTypes';

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

/**
 * A message to store; `seq` is assigned unless given. `rawText`: the message's JSON text as
 * received (the CLI's line), stored as is; without it `raw` is serialised.
 */
export type NewTranscriptEntry = NewEntry;

/** The `meta` mark of the one-off indexing of older transcripts' touched files (schema 4). */
const TOUCH_BACKFILL = 'touched_files_backfill';

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
  private readonly transcripts: TranscriptFiles;
  private readonly index: SearchIndex;
  private readonly writer: WriteBehind;
  private readonly owners: Owners;
  private readonly disposables = new DisposableStore();
  private readonly pollMs: number;
  private readonly now: () => number;
  private disposed = false;
  private readonly warnedTranscripts = new Set<string>();

  private constructor(
    private readonly shared: SharedDatabase,
    options: SessionStoreOptions,
  ) {
    this.dir = options.dir;
    this.pollMs = options.pollMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.owners = new Owners(this.dir);
    this.transcripts = new TranscriptFiles(this.dir, {
      warn: (err) => this.warn(err),
      writers: new SessionWriters(path.join(this.dir, 'transcripts'), this.owners.instanceId, (id) => this.owners.isAliveSync(id)),
    });
    this.writer = new WriteBehind({
      delayMs: options.flushDelayMs ?? 250,
      write: () => this.writeAll(),
      describe: (err) => (isShannonError(err) ? err : writeFailed(this.dir, err)),
      warn: (err) => this.warn(err),
    });
    this.index = this.disposables.add(
      new SearchIndex({
        storeDir: this.dir,
        transcripts: this.transcripts,
        sessionFolders: () => this.shared.db.sessionFolders(),
        deletedSessions: () => this.shared.db.deletedSessions(),
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
    const warnings: ShannonError[] = [];
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (err) {
      throw writeFailed(dir, err);
    }
    const owners = path.join(dir, 'owners');
    await fsp.mkdir(owners, { recursive: true }).catch((err: unknown) => {
      // Without it a restart cannot tell this window's running sessions from a dead one's: worth a warning, not a refusal.
      const damaged = wrongKind(err, owners, 'its list of open windows', 'sessions still running when Shannon restarts may not come back as interrupted');
      if (!damaged) throw writeFailed(dir, err);
      warnings.push(damaged);
    });
    const paths = databasePaths(dir);
    const loaded = await loadDatabase(compiling, paths, new FileLock(paths.lock), warnings);
    let store: SessionStore | undefined;
    const shared = new SharedDatabase({
      SQL: await compiling,
      paths,
      loaded,
      warn: (err) => store?.warn(err),
      onExternalChange: (sessionIds) => store?._onDidChange.fire({ sessionIds, external: true }),
    });
    store = new SessionStore(shared, options);
    for (const w of warnings) store.warn(w);
    await store.start();
    return store;
  }

  private async start(): Promise<void> {
    // Other windows read it only to judge sessions this instance marks live, which needs an
    // upsert and a flush first: open need not wait for the write.
    const ownerWritten = this.owners.start().catch(() => undefined);
    await this.recoverOrphans();
    this.shared.db.forgetTombstones(this.now() - TOMBSTONE_DAYS * DAY_MS);
    this.disposables.add(watchFile(this.dir, DB_FILE, this.pollMs, () => void this.writer.enqueue(() => this.shared.checkExternal()).catch(() => undefined)));
    // Messages a crash kept out of the index are found and indexed in the background.
    this.index.catchUp();
    if (this.shared.db.metaValue(TOUCH_BACKFILL) === 'pending') void this.backfillTouches();
    void ownerWritten.then(() => this.owners.forgetDead([this.dir, this.index.dir]));
    void rollUpOldTurns(
      () => this.shared.db,
      (op) => this.apply(op, []),
      this.now,
      () => this.disposed,
    );
    if (this.shared.unsaved) this.writer.schedule();
  }

  // --- sessions ------------------------------------------------------------------------------

  /**
   * Adds or replaces a session. `updatedAt` orders versions: a record older than the stored
   * one (say, from another window) is ignored, so bump it with every change.
   */
  upsertSession(record: SessionRecord): void {
    // Recorded live from here: this instance runs it (unless it already ran elsewhere, see
    // MetaDb.mergeSession), and it comes back `interrupted` if this instance dies.
    const owner = LIVE_STATES.includes(record.state) ? this.owners.instanceId : undefined;
    const copy = structuredClone(record);
    this.apply((db) => void db.mergeSession(copy, owner), [record.id]);
  }

  getSession(id: string): SessionRecord | undefined {
    this.assertOpen();
    return this.shared.db.getSession(id);
  }

  /** Most recently updated first. */
  listSessions(filter?: SessionFilter): SessionRecord[] {
    this.assertOpen();
    return this.shared.db.listSessions(filter);
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
    this.writer.schedule();
    this.indexTouches(stored);
    return stored;
  }

  /**
   * The session's messages from `fromSeq` on, oldest first: at most `limit` of those `filter`
   * keeps. It costs what it returns, not the history before it. Unreadable lines are skipped
   * with a warning.
   */
  readTranscript(sessionId: string, opts: ForwardRead = {}): Promise<TranscriptEntry[]> {
    this.assertOpen();
    return this.reportingCorruption(sessionId, (onCorrupt) => this.transcripts.read(sessionId, { ...opts, onCorrupt }));
  }

  /**
   * The newest `limit` messages (of those `filter` keeps) before `beforeSeq`, or before the end,
   * oldest first, and whether older ones exist: a panel's first screen, and "load older".
   */
  readTranscriptTail(sessionId: string, opts: BackwardRead): Promise<TailRead> {
    this.assertOpen();
    return this.reportingCorruption(sessionId, (onCorrupt) => this.transcripts.readTail(sessionId, { ...opts, onCorrupt }));
  }

  /** One message by its seq (a tool's full output). */
  async readTranscriptEntry(sessionId: string, seq: number): Promise<TranscriptEntry | undefined> {
    const [entry] = await this.readTranscript(sessionId, { fromSeq: seq, limit: 1 });
    return entry?.seq === seq ? entry : undefined;
  }

  // --- touched files -------------------------------------------------------------------------

  /**
   * The sessions whose edit tool calls touched `file` (absolute, or relative to the process's
   * cwd), each by its newest touch, newest first. Worktree sessions are found from the user's
   * copy of the file.
   */
  sessionsTouching(file: string, query?: TouchQuery): SessionTouch[] {
    this.assertOpen();
    return this.shared.db.sessionsTouching(touchedFilePath(file), query);
  }

  /** The files (absolute, real) a session's edit tool calls touched. */
  filesTouchedBy(sessionId: string): string[] {
    this.assertOpen();
    return this.shared.db.filesTouchedBy(sessionId);
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
    return this.shared.db.listTurns(sessionId);
  }

  /**
   * Tokens and cost grouped by local day, workspace folder or model, over [since, until).
   * Turns older than 90 days are kept as daily sums, so there the range is whole days.
   */
  usage(query: UsageQuery): UsageRow[] {
    this.assertOpen();
    return this.shared.db.usage(query);
  }

  // --- checkpoints ---------------------------------------------------------------------------

  addCheckpoint(checkpoint: Checkpoint): void {
    const copy = { ...checkpoint };
    this.apply((db) => void db.putCheckpoint(copy), [checkpoint.sessionId]);
  }

  getCheckpoint(id: string): Checkpoint | undefined {
    this.assertOpen();
    return this.shared.db.getCheckpoint(id);
  }

  /** A session's checkpoints, oldest first; every checkpoint without `sessionId`. */
  listCheckpoints(sessionId?: string): Checkpoint[] {
    this.assertOpen();
    return this.shared.db.listCheckpoints(sessionId);
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
    const gone = await this.remove(await sessionsToPrune(this.shared.db, this.transcripts, policy, this.now()), true);
    await removeOrphanTranscripts(this.shared.db, this.transcripts);
    return { removed: gone };
  }


  // --- durability ----------------------------------------------------------------------------

  /** Writes everything changed so far. Rejects with STORE_WRITE_FAILED (memory is kept). */
  flush(): Promise<void> {
    return this.writer.flush();
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
    this.writer.dispose();
    try {
      this.disposables.dispose();
    } finally {
      try {
        this.transcripts.flushSync();
      } catch (err) {
        this.warn(isShannonError(err) ? err : writeFailed(this.dir, err));
      }
      this.transcripts.releaseAll();
      if (this.shared.unsaved) {
        try {
          this.shared.saveWhileClosing();
        } catch (err) {
          this.warn(writeFailed(this.dir, err));
        }
      }
      this.owners.dispose();
      this.shared.close();
      this._onDidChange.dispose();
      this._onDidWarn.dispose();
    }
  }

  // --- internals -------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.disposed) throw new Error('The session store was disposed.');
  }

  private apply(op: Op, sessionIds: string[]): void {
    this.assertOpen();
    this.shared.apply(op);
    this.writer.schedule();
    if (sessionIds.length > 0) this._onDidChange.fire({ sessionIds, external: false });
  }

  /** One flush: transcripts (then the index learns where their lines landed), then the database. */
  private async writeAll(): Promise<void> {
    const { written, error } = await this.transcripts.flush(() => this.disposed);
    if (this.disposed) return;
    this.index.add(written);
    this.transcripts.releaseIdle((id) => {
      const state = this.shared.db.getSession(id)?.state;
      return state !== undefined && LIVE_STATES.includes(state);
    });
    let failure = error;
    if (this.shared.unsaved) {
      try {
        await this.shared.save();
      } catch (err) {
        if (this.disposed) return;
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** An appended message's edit tool calls, in the touched-files index at once (the decorations read it). */
  private indexTouches(entry: TranscriptEntry): void {
    if (!editsFiles(entry)) return;
    const touches = touchesOf(entry, this.shared.db.getSession(entry.sessionId));
    if (touches.length) this.apply((db) => db.addTouches(touches), []);
  }

  /** Transcripts stored before the touched-files index existed, indexed once in the background. */
  private async backfillTouches(): Promise<void> {
    const done = await backfillTouches({
      sessions: () => this.shared.db.listSessions(),
      readAssistant: (id, fromSeq, limit) => this.transcripts.read(id, { fromSeq, limit, filter: (e) => e.type === 'assistant' }).catch(() => []),
      record: (touches) => this.apply((db) => db.addTouches(touches), []),
      stopped: () => this.disposed,
    }).catch(() => false);
    if (done && !this.disposed) this.apply((db) => db.setMetaValue(TOUCH_BACKFILL, 'done'), []);
  }

  /** Sessions recorded live by a store instance that is gone come back `interrupted`. */
  private async recoverOrphans(): Promise<void> {
    const recovered = await orphansToInterrupt(this.shared.db.liveSessions(), this.owners, this.now());
    for (const next of recovered) this.apply((db) => void db.mergeSession(next, undefined), []);
    if (recovered.length > 0) this._onDidChange.fire({ sessionIds: recovered.map((r) => r.id), external: false });
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
    const gone = ids.filter((id) => !this.shared.db.hasSession(id));
    for (const id of gone) await this.transcripts.delete(id);
    this.index.purgeDeleted();
    return gone;
  }

  /** Runs a read; unreadable lines it met are reported once per session. */
  private async reportingCorruption<R>(sessionId: string, read: (onCorrupt: (c: CorruptLine) => void) => Promise<R>): Promise<R> {
    let corrupt = 0;
    let firstOffset = 0;
    const result = await read((c) => {
      if (corrupt++ === 0) firstOffset = c.offset;
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
    return result;
  }

  private warn(err: ShannonError): void {
    this.warnings.push(err);
    if (this.warnings.length > 100) this.warnings.splice(0, this.warnings.length - 100);
    this._onDidWarn.fire(err);
  }

  // --- usage dashboard (self-contained: read-only queries over the turns) -------------------

  /** The daily sums of turns older than the detail window, per (day, model, folder), over [since, until). */
  rolledUpUsage(since: number, until: number): UsageCell[] {
    this.assertOpen();
    return this.shared.db.rolledUpUsage(since, until);
  }

  /** Each turn that ended in [since, until) (the last 90 days are kept per turn), oldest first. */
  turnsBetween(since: number, until: number): UsageTurn[] {
    this.assertOpen();
    return this.shared.db.turnsBetween(since, until);
  }
}

