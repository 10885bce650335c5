/**
 * The metadata database as two windows share it. Every change applies to memory at once and is
 * kept as an operation until saved. A save takes the lock file; if the file on disk is not the
 * version our memory was loaded from, another window saved since: we load its file and replay
 * our unsaved operations on top, then write. Operations are idempotent and ordered by
 * timestamps (see metaDb.ts), so replaying is a merge: neither window loses the other's writes.
 * Comparing per-session fingerprints before and after tells which sessions the other changed.
 */
import * as path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { isShannonError, ShannonError } from '../errors';
import { atomicWrite, statKey, type FileKey } from './files';
import { FileLock } from './fileLock';
import { keepBackup, moveAside, noteVerified, readDatabaseFile, readVerified, type DatabasePaths, type LoadedDatabase } from './databaseFile';
import { runAsync, runSync, type Io } from './io';
import { MetaDb } from './metaDb';
import { CorruptDatabase } from './schema';

/** One change to the metadata, replayable on another window's copy. */
export type Op = (db: MetaDb) => void;

export interface SharedDatabaseOptions {
  SQL: SqlJsStatic;
  paths: DatabasePaths;
  loaded: LoadedDatabase;
  warn(err: ShannonError): void;
  /** Another window changed these sessions (found while reloading its save). */
  onExternalChange(sessionIds: string[]): void;
}

/** dispose() may wait this long for another window's save to finish before writing its own. */
const CLOSING_LOCK_TIMEOUT_MS = 3000;

export class SharedDatabase {
  private current: MetaDb;
  private readonly SQL: SqlJsStatic;
  private readonly paths: DatabasePaths;
  private readonly lock: FileLock;
  /** Changes made in memory and not yet in the file, replayed on another window's newer file. */
  private pending: Op[] = [];
  /** Save even with nothing pending (after a migration, recovery or a corrupt file). */
  private fullSaveWanted: boolean;
  /** The version of the file our memory is based on. */
  private baseKey: FileKey | undefined;
  /** Held by an asynchronous save in progress: a closing save may reuse it. */
  private heldLock: string | undefined;
  /** The file on disk is from a newer Shannon: never overwrite it. */
  private tooNew = false;
  private closed = false;

  constructor(private readonly options: SharedDatabaseOptions) {
    this.SQL = options.SQL;
    this.paths = options.paths;
    this.current = options.loaded.db;
    this.baseKey = options.loaded.key;
    this.fullSaveWanted = options.loaded.dirty;
    this.lock = new FileLock(options.paths.lock);
  }

  /** The database as this window sees it (its own unsaved changes included). */
  get db(): MetaDb {
    return this.current;
  }

  /** Whether a save has something to write. */
  get unsaved(): boolean {
    return !this.tooNew && (this.pending.length > 0 || this.fullSaveWanted);
  }

  apply(op: Op): void {
    op(this.current);
    this.pending.push(op);
  }

  /** Lock, merge in another window's newer save if any, write ours, unlock. */
  save(): Promise<void> {
    return runAsync(this.saving(false));
  }

  /** The same, blocking: for dispose, with the store already closed to everything else. */
  saveWhileClosing(): void {
    runSync(this.saving(true));
  }

  /** Loads another window's save, if there is one we have not seen. */
  async checkExternal(): Promise<void> {
    if (this.closed) return;
    const key = await runAsync(statKey(this.paths.file));
    if (key === undefined || key === this.baseKey) return;
    await runAsync(this.reloading(false, false));
  }

  close(): void {
    this.closed = true;
    this.current.close();
  }

  private *saving(closing: boolean): Io<void> {
    // Closing: if our own asynchronous save holds the lock, it is ours to reuse; that save
    // stops before its rename (it finds the store closed).
    const token = closing && this.heldLock !== undefined ? this.heldLock : yield* this.lock.acquiring(closing ? CLOSING_LOCK_TIMEOUT_MS : undefined);
    if (!closing) this.heldLock = token;
    const abandoned = (): boolean => !closing && this.closed;
    try {
      if (abandoned()) return;
      const diskKey = yield* statKey(this.paths.file);
      if (diskKey !== undefined && diskKey !== this.baseKey) {
        yield* this.reloading(true, closing);
        if (this.tooNew) return;
      }
      if (abandoned()) return;
      const count = this.pending.length;
      const bytes = this.current.export();
      const { paths, lock } = this;
      yield* atomicWrite(paths.file, bytes, function* (tmp) {
        if (abandoned()) throw new Error('store closed during a save'); // dispose saved synchronously
        if (!lock.holds(token)) throw new Error('the store lock was taken over during a save');
        yield* noteVerified(paths, tmp);
        yield* keepBackup(paths);
      });
      this.baseKey = yield* statKey(paths.file);
      this.pending.splice(0, count);
      this.fullSaveWanted = false;
    } finally {
      if (!closing) this.heldLock = undefined;
      this.lock.release(token);
    }
  }

  /**
   * Makes memory the file's content plus our unsaved changes. `locked`: we hold the lock, so a
   * corrupt file may be moved aside (our memory then becomes the next save).
   */
  private *reloading(locked: boolean, closing: boolean): Io<void> {
    const read = yield* readDatabaseFile(this.paths.file);
    if (!read) return;
    const trusted = (yield* readVerified(this.paths)) === read.key;
    if (this.closed && !closing) return;
    let next: MetaDb;
    try {
      next = MetaDb.fromBytes(this.SQL, read.bytes, this.paths.file, trusted).db;
    } catch (err) {
      if (isShannonError(err, 'STORE_TOO_NEW')) {
        if (!this.tooNew) this.options.warn(err);
        this.tooNew = true;
        return;
      }
      if (!(err instanceof CorruptDatabase) || !locked) return; // unlocked: the next save decides
      const aside = yield* moveAside(this.paths.file);
      this.options.warn(
        new ShannonError(
          'STORE_CORRUPT',
          `The session store ${this.paths.file} was damaged; it was kept as ${path.basename(aside)}.`,
          'Shannon keeps going with the sessions this window holds and saves them now.',
        ),
      );
      this.baseKey = undefined;
      this.fullSaveWanted = true;
      return;
    }
    const before = this.current.fingerprint();
    for (const op of this.pending) op(next);
    const after = next.fingerprint();
    this.current.close();
    this.current = next;
    this.baseKey = read.key;
    const changed = new Set<string>();
    for (const [id, v] of after) if (before.get(id) !== v) changed.add(id);
    for (const id of before.keys()) if (!after.has(id)) changed.add(id);
    if (changed.size > 0) this.options.onExternalChange([...changed]);
  }
}
