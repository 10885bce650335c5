/**
 * The metadata database's files: reading a version of `store.sqlite` with its identity, the
 * `.verified` note that lets a known-good file skip SQLite's page-by-page check, the `.bak`
 * generation, and what happens to a damaged file (moved aside, never deleted; the `.bak`
 * generation or an empty database takes its place).
 */
import * as path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { isShannonError, ShannonError } from '../errors';
import { errnoCode, fileKeyOf, statKey, type FileKey } from './files';
import type { FileLock } from './fileLock';
import { call, ops, readAt, runAsync, withFile, type Io } from './io';
import { MetaDb } from './metaDb';
import { CorruptDatabase } from './schema';
import { databaseIsFolder, writeFailed } from './storeErrors';

export const DB_FILE = 'store.sqlite';

/** The paths that make up one database: the file, its lock, its `.verified` note and its backup. */
export interface DatabasePaths {
  file: string;
  lock: string;
  verified: string;
  backup: string;
}

export function databasePaths(dir: string): DatabasePaths {
  const file = path.join(dir, DB_FILE);
  return { file, lock: `${file}.lock`, verified: `${file}.verified`, backup: `${file}.bak` };
}

export interface DatabaseVersion {
  bytes: Buffer;
  key: FileKey;
}

/** The file's bytes and the identity of exactly those bytes; undefined if there is no file. */
export function* readDatabaseFile(file: string): Io<DatabaseVersion | undefined> {
  try {
    return yield* withFile(file, 'r', function* (fd) {
      const st = yield* call(ops.fstat, fd);
      if (st.isDirectory()) throw databaseIsFolder(file);
      return { key: fileKeyOf(st), bytes: yield* readAt(fd, 0, Number(st.size)) };
    });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * `store.sqlite.verified` holds the key of the last database file Shannon wrote whole (noted
 * from the temp file before its rename) or checked. A file with that key skips SQLite's
 * page-by-page check at open; any other file (a crash, another program, a disk fault) gets it.
 */
export function* readVerified(paths: DatabasePaths): Io<string | undefined> {
  try {
    return (yield* call(ops.readFile, paths.verified)).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Notes `file` (the temp file about to become the database, or one just checked) as good. */
export function* noteVerified(paths: DatabasePaths, file: string): Io<void> {
  yield* call(ops.writeFile, paths.verified, (yield* statKey(file)) ?? '');
}

/** The file being replaced becomes the `.bak` generation (a hard link: no copy). */
export function* keepBackup(paths: DatabasePaths): Io<void> {
  try {
    yield* call(ops.rm, paths.backup);
    yield* call(ops.link, paths.file, paths.backup);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    try {
      yield* call(ops.copyFile, paths.file, paths.backup);
    } catch {
      // The backup is a convenience; the save is what matters.
    }
  }
}

/** Renames a damaged file to `<name>.corrupt-<timestamp>`: kept for the user, never deleted. */
export function* moveAside(file: string): Io<string> {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  yield* call(ops.rename, file, aside);
  return aside;
}

export interface LoadedDatabase {
  db: MetaDb;
  key: FileKey | undefined;
  /** Save even with nothing changed (migrated, or replaced after damage). */
  dirty: boolean;
}

/**
 * Reads the database file: missing → empty; corrupt → moved aside (under the lock, and only if
 * no other window replaced it meanwhile), then the `.bak` generation or empty.
 */
export async function loadDatabase(compiling: Promise<SqlJsStatic>, paths: DatabasePaths, lock: FileLock, warnings: ShannonError[]): Promise<LoadedDatabase> {
  const { file } = paths;
  for (let attempt = 0; ; attempt++) {
    const [read, verified, SQL] = await Promise.all([readForOpen(file), runAsync(readVerified(paths)), compiling]);
    if (read === 'damaged') {
      // Nothing to read, nowhere to save: serve from memory, and say so (every save says it again, once).
      warnings.push(databaseIsFolder(file));
      return { db: MetaDb.empty(SQL), key: undefined, dirty: false };
    }
    if (!read) return { db: MetaDb.empty(SQL), key: undefined, dirty: false };
    try {
      const trusted = verified === read.key;
      const { db, migrated } = MetaDb.fromBytes(SQL, read.bytes, file, trusted);
      // Checked page by page just now: the next open may skip that.
      if (!trusted) await runAsync(call(ops.writeFile, paths.verified, read.key)).catch(() => undefined);
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
        if ((await runAsync(statKey(file))) !== read.key && attempt < 3) continue;
        let aside: string;
        try {
          aside = await runAsync(moveAside(file));
        } catch (moveErr) {
          throw writeFailed(path.dirname(file), moveErr); // never overwrite what we cannot keep
        }
        const fromBackup = await readBackup(SQL, paths.backup);
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

async function readForOpen(file: string): Promise<DatabaseVersion | undefined | 'damaged'> {
  try {
    return await runAsync(readDatabaseFile(file));
  } catch (err) {
    if (isShannonError(err, 'STORE_DAMAGED')) return 'damaged';
    // Unreadable is not damaged: the fix is the folder's permissions, as for writing.
    throw writeFailed(path.dirname(file), err, 'read');
  }
}

async function readBackup(SQL: SqlJsStatic, bak: string): Promise<MetaDb | undefined> {
  try {
    return MetaDb.fromBytes(SQL, await runAsync(call(ops.readFile, bak)), bak).db;
  } catch {
    return undefined;
  }
}
