/**
 * The few file operations the store builds on. Every write that replaces a file goes through a
 * temp file, fsync, rename and an fsync of the directory: a crash leaves the old or the new
 * file, never half of one, and the rename itself survives a power cut. Routines are `Io`
 * generators (see io.ts): the same body serves the asynchronous path and dispose's blocking one.
 */
import type * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { call, ops, runAsync, withFile, writeAll, type Io } from './io';

// Unique per process by a counter (and the pid across processes): no node:crypto, whose loading
// would cost every window start (this module is loaded at activation).
let tempCounter = 0;

export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${(Date.now() * 1000 + (tempCounter++ % 1000)).toString(16)}`;
}

/**
 * Removes temp files (`<name>.tmp-<pid>-<random>`) left by processes that died mid-write: the
 * pid is gone and the file has not changed for a minute (a pid names a process of this host
 * only, so age covers a writer elsewhere).
 */
export async function removeDeadTemps(dir: string, alive: (pid: number) => boolean): Promise<void> {
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const file = path.join(dir, name);
    const st = await fsp.stat(file).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 60_000) await fsp.rm(file, { force: true }).catch(() => undefined);
  }
}

/** Makes a rename or a new directory entry durable. Not every platform can open a directory. */
export function* fsyncDir(dir: string): Io<void> {
  let fd: number | undefined;
  try {
    fd = yield* call(ops.open, dir, 'r');
    yield* call(ops.fsync, fd);
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    if (fd !== undefined) {
      try {
        yield* call(ops.close, fd);
      } catch {
        // Closing a directory we only synced: nothing was written through it.
      }
    }
  }
}

function isUnsupportedDirSync(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}

/** temp + fsync + rename + fsync(dir). `beforeRename` runs once the temp file is complete. */
export function* atomicWrite(file: string, data: Uint8Array | string, beforeRename?: (tmp: string) => Io<void>): Io<void> {
  const tmp = tempPathFor(file);
  try {
    yield* withFile(tmp, 'w', function* (fd) {
      yield* writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      yield* call(ops.fsync, fd);
    });
    if (beforeRename) yield* beforeRename(tmp);
    yield* call(ops.rename, tmp, file);
  } catch (err) {
    try {
      yield* call(ops.rm, tmp);
    } catch {
      // The directory itself may be gone or read-only: the error that matters is `err`.
    }
    throw err;
  }
  yield* fsyncDir(path.dirname(file));
}

/** atomicWrite, off the event loop. */
export function atomicWriteFile(file: string, data: Uint8Array | string): Promise<void> {
  return runAsync(atomicWrite(file, data));
}

/**
 * Identity of a file version. Every save renames a new inode into place, written at a new
 * nanosecond, so (ino, size, mtime) differs after any other writer's save. It is known before
 * the rename (from the temp file) and does not change with it.
 */
export type FileKey = string;

export function fileKeyOf(st: fs.BigIntStats): FileKey {
  return `${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** The file's key, undefined if there is no file. */
export function* statKey(file: string): Io<FileKey | undefined> {
  try {
    return fileKeyOf(yield* call(ops.stat, file));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Cooperative time slicing: long loops call `maybeYield()` often; it gives the event loop a
 * turn once the current slice has run `budgetMs`. This is what keeps indexing and merging
 * under the 50 ms blocking budget whatever the history size.
 */
export class Slicer {
  private sliceStart = performance.now();
  constructor(
    private readonly budgetMs = 8,
    private readonly signal?: AbortSignal,
  ) {}

  get due(): boolean {
    return performance.now() - this.sliceStart >= this.budgetMs;
  }

  async maybeYield(): Promise<void> {
    if (this.due) await this.yield();
  }

  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
    this.sliceStart = performance.now();
  }
}
