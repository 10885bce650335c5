/**
 * The few file operations the store builds on. Every write that replaces a file goes through a
 * temp file, fsync, rename and an fsync of the directory: a crash leaves the old or the new
 * file, never half of one, and the rename itself survives a power cut.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
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
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function isUnsupportedDirSync(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}

/** temp + fsync + rename + fsync(dir), off the event loop. */
export async function atomicWriteFile(file: string, data: Uint8Array | string, beforeRename?: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await beforeRename?.(tmp);
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(path.dirname(file));
}

export function atomicWriteFileSync(file: string, data: Uint8Array | string, beforeRename?: (tmp: string) => void): void {
  const tmp = tempPathFor(file);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    beforeRename?.(tmp);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // The directory itself may be gone or read-only: the error that matters is `err`.
    }
    throw err;
  }
  fsyncDirSync(path.dirname(file));
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

export async function statKey(file: string): Promise<FileKey | undefined> {
  try {
    return fileKeyOf(await fsp.stat(file, { bigint: true }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function statKeySync(file: string): FileKey | undefined {
  try {
    return fileKeyOf(fs.statSync(file, { bigint: true }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Blocks the thread (dispose paths only: they must finish before returning). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
