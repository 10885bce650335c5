/**
 * File work written once, run two ways. The store does its I/O off the event loop (libuv's
 * thread pool), but `dispose()` must finish before it returns, because the extension host may
 * exit right after deactivation. Instead of a synchronous twin of every routine (save, reload,
 * backup, lock, transcript append), a routine is a generator that yields file operations:
 * `runAsync` performs them with callbacks, `runSync` with the blocking calls. One body, one
 * set of branches and error paths, either way.
 *
 *   function* size(file: string): Io<number> { return (yield* call(ops.stat, file)).size; }
 *   await runAsync(size(f)); runSync(size(f));
 *
 * Descriptors are plain numbers in both modes, so a routine may hold one across operations.
 */
import * as fs from 'node:fs';

/** One operation with its blocking and its thread-pool form. */
export interface FileOp<A extends unknown[], R> {
  readonly sync: (...args: A) => R;
  readonly async: (...args: A) => Promise<R>;
}

interface Call {
  op: FileOp<unknown[], unknown>;
  args: unknown[];
}

export type Io<R> = Generator<Call, R, unknown>;

/** Performs `op` in whichever mode the routine runs. */
export function* call<A extends unknown[], R>(op: FileOp<A, R>, ...args: A): Io<R> {
  return (yield { op: op as unknown as FileOp<unknown[], unknown>, args }) as R;
}

export function runSync<R>(routine: Io<R>): R {
  let step = routine.next();
  while (!step.done) {
    let value: unknown;
    try {
      value = step.value.op.sync(...step.value.args);
    } catch (err) {
      step = routine.throw(err);
      continue;
    }
    step = routine.next(value);
  }
  return step.value;
}

export async function runAsync<R>(routine: Io<R>): Promise<R> {
  let step = routine.next();
  while (!step.done) {
    let value: unknown;
    try {
      value = await step.value.op.async(...step.value.args);
    } catch (err) {
      step = routine.throw(err);
      continue;
    }
    step = routine.next(value);
  }
  return step.value;
}

function op<A extends unknown[], R>(sync: (...args: A) => R, async: (...args: A) => Promise<R>): FileOp<A, R> {
  return { sync, async };
}

/** A Node callback API as a promise. */
function cb<R>(start: (done: (err: NodeJS.ErrnoException | null, value: R) => void) => void): Promise<R> {
  return new Promise<R>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
}

/** Blocks the thread (dispose paths only: they must finish before returning). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const ops = {
  open: op(
    (file: string, flags: string) => fs.openSync(file, flags),
    (file, flags) => cb<number>((done) => fs.open(file, flags, done)),
  ),
  close: op(
    (fd: number) => fs.closeSync(fd),
    (fd) => cb<void>((done) => fs.close(fd, (err) => done(err, undefined))),
  ),
  fstat: op(
    (fd: number) => fs.fstatSync(fd, { bigint: true }),
    (fd) => cb<fs.BigIntStats>((done) => fs.fstat(fd, { bigint: true }, done)),
  ),
  stat: op(
    (file: string) => fs.statSync(file, { bigint: true }),
    (file) => cb<fs.BigIntStats>((done) => fs.stat(file, { bigint: true }, done)),
  ),
  /** Reads into `buf` at file position `position`; resolves with the bytes read. */
  read: op(
    (fd: number, buf: Uint8Array, offset: number, length: number, position: number) => fs.readSync(fd, buf, offset, length, position),
    (fd, buf, offset, length, position) => cb<number>((done) => fs.read(fd, buf, offset, length, position, done)),
  ),
  /** Writes at the file's end position (O_APPEND) or the current one; resolves with the bytes written. */
  write: op(
    (fd: number, data: Uint8Array, offset: number, length: number) => fs.writeSync(fd, data, offset, length),
    (fd, data, offset, length) => cb<number>((done) => fs.write(fd, data, offset, length, done)),
  ),
  fsync: op(
    (fd: number) => fs.fsyncSync(fd),
    (fd) => cb<void>((done) => fs.fsync(fd, (err) => done(err, undefined))),
  ),
  fdatasync: op(
    (fd: number) => fs.fdatasyncSync(fd),
    (fd) => cb<void>((done) => fs.fdatasync(fd, (err) => done(err, undefined))),
  ),
  readFile: op(
    (file: string) => fs.readFileSync(file),
    (file) => cb<Buffer>((done) => fs.readFile(file, done)),
  ),
  writeFile: op(
    (file: string, data: string | Uint8Array) => fs.writeFileSync(file, data),
    (file, data) => cb<void>((done) => fs.writeFile(file, data, (err) => done(err, undefined))),
  ),
  rename: op(
    (from: string, to: string) => fs.renameSync(from, to),
    (from, to) => cb<void>((done) => fs.rename(from, to, (err) => done(err, undefined))),
  ),
  link: op(
    (existing: string, created: string) => fs.linkSync(existing, created),
    (existing, created) => cb<void>((done) => fs.link(existing, created, (err) => done(err, undefined))),
  ),
  copyFile: op(
    (from: string, to: string) => fs.copyFileSync(from, to),
    (from, to) => cb<void>((done) => fs.copyFile(from, to, (err) => done(err, undefined))),
  ),
  /** Removes a file; one that is already gone is fine. */
  rm: op(
    (file: string) => fs.rmSync(file, { force: true }),
    (file) => cb<void>((done) => fs.rm(file, { force: true }, (err) => done(err, undefined))),
  ),
  mkdir: op(
    (dir: string) => void fs.mkdirSync(dir, { recursive: true }),
    (dir) => cb<void>((done) => fs.mkdir(dir, { recursive: true }, (err) => done(err, undefined))),
  ),
  sleep: op(
    (ms: number) => sleepSync(ms),
    (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  ),
};

/** Writes all of `data` (a write may take less than asked). */
export function* writeAll(fd: number, data: Uint8Array): Io<void> {
  let done = 0;
  while (done < data.length) done += yield* call(ops.write, fd, data, done, data.length - done);
}

/** `length` bytes at `position`, fewer at the end of the file. */
export function* readAt(fd: number, position: number, length: number): Io<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = yield* call(ops.read, fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** Opens `file`, runs `body` with its descriptor, and closes it whatever happens. */
export function* withFile<R>(file: string, flags: string, body: (fd: number) => Io<R>): Io<R> {
  const fd = yield* call(ops.open, file, flags);
  try {
    return yield* body(fd);
  } finally {
    yield* call(ops.close, fd);
  }
}
