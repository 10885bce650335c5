/**
 * A cross-process lock made of one file created with O_EXCL. Two VS Code windows are two
 * processes writing the same store; the lock serialises their read-merge-write of the metadata
 * database. It is held for milliseconds (one save), so a lock older than `staleMs`, or one
 * whose process is gone (same host, `kill(pid, 0)` fails), was left by a crash and is broken.
 * A lock held for long (a session's transcript, while it runs) has no age limit and names the
 * store instance holding it, whose liveness `holderGone` judges.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { errnoCode } from './files';
import { call, ops, runAsync, runSync, type Io } from './io';

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The store instance (see owners.ts), for locks held for long. */
  instance?: string;
  at: number;
}

interface LockContent extends LockHolder {
  token: string;
}

export interface FileLockOptions {
  /** A lock older than this is stale whatever its process. Saves take milliseconds. */
  staleMs?: number;
  retryMs?: number;
  timeoutMs?: number;
  /** Written into the lock: the store instance that holds it. */
  instance?: string;
  /** Whether a live-looking holder is gone all the same (its instance stopped its heartbeat). */
  holderGone?: (holder: LockHolder) => boolean;
}

export class FileLockTimeout extends Error {}

export class FileLock {
  private readonly staleMs: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly path: string,
    private readonly options: FileLockOptions = {},
  ) {
    this.staleMs = options.staleMs ?? 10_000;
    this.retryMs = options.retryMs ?? 5;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Resolves with a token that `release` needs: only the holder removes the lock. */
  acquire(signal?: AbortSignal): Promise<string> {
    return runAsync(this.acquiring(this.timeoutMs, signal));
  }

  /** Blocks until the lock is ours (dispose paths only). */
  acquireSync(timeoutMs = this.timeoutMs): string {
    return runSync(this.acquiring(timeoutMs));
  }

  /** One attempt (breaking a stale lock first): a token, or undefined if someone holds it. */
  async tryAcquire(): Promise<string | undefined> {
    await runAsync(this.breakIfStale());
    return this.tryCreate();
  }

  /** The same, blocking (one stat and one create: for a caller that cannot wait). */
  tryAcquireSync(): string | undefined {
    runSync(this.breakIfStale());
    return this.tryCreate();
  }

  /** Who holds the lock now, if anyone (and if its file reads). */
  holder(): LockHolder | undefined {
    const content = this.read();
    if (!content) return undefined;
    const { token: _token, ...holder } = content;
    return holder;
  }

  /** Acquiring as a routine (see io.ts), to run inside another one. */
  *acquiring(timeoutMs = this.timeoutMs, signal?: AbortSignal): Io<string> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const token = this.tryCreate();
      if (token) return token;
      yield* this.breakIfStale();
      if (Date.now() > deadline) throw new FileLockTimeout(`lock ${this.path} still held after ${timeoutMs} ms`);
      // Jittered backoff: two waiters must not retry in lockstep.
      yield* call(ops.sleep, Math.min(50, this.retryMs * (1 + Math.min(attempt, 8))) * (0.5 + Math.random()));
    }
  }

  release(token: string): void {
    const held = this.read();
    if (held?.token !== token) return;
    try {
      fs.unlinkSync(this.path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }

  /** Whether `token` still owns the lock (nobody judged it stale and broke it). */
  holds(token: string): boolean {
    return this.read()?.token === token;
  }

  private tryCreate(): string | undefined {
    const token = randomBytes(8).toString('hex');
    const content: LockContent = { pid: process.pid, host: hostname(), token, at: Date.now(), ...(this.options.instance ? { instance: this.options.instance } : {}) };
    let fd: number;
    try {
      fd = fs.openSync(this.path, 'wx');
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return undefined;
      throw err;
    }
    try {
      fs.writeSync(fd, JSON.stringify(content));
    } finally {
      fs.closeSync(fd);
    }
    return token;
  }

  private read(): LockContent | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.path, 'utf8')) as LockContent;
    } catch {
      return undefined;
    }
  }

  private isStale(content: LockContent | undefined, mtimeMs: number): boolean {
    // An empty or unparsable lock: its creator died between create and write, or is writing
    // right now; only age tells.
    if (Date.now() - mtimeMs > this.staleMs) return true;
    if (!content) return Date.now() - mtimeMs > 1_000;
    if (content.host === hostname() && !processAlive(content.pid)) return true;
    return this.options.holderGone?.(content) ?? false;
  }

  private *breakIfStale(): Io<void> {
    let mtimeMs: number;
    try {
      mtimeMs = Number((yield* call(ops.stat, this.path)).mtimeMs);
    } catch {
      return;
    }
    const content = this.read();
    if (this.isStale(content, mtimeMs)) this.breakLock(content);
  }

  /**
   * Moves the stale lock aside and checks that what moved is the lock judged stale. If a
   * fresh lock was taken in between, it is put back with link(), which fails rather than
   * overwrite a lock created since.
   */
  private breakLock(judged: LockContent | undefined): void {
    const aside = `${this.path}.stale-${randomBytes(4).toString('hex')}`;
    try {
      fs.renameSync(this.path, aside);
    } catch {
      return;
    }
    let moved: LockContent | undefined;
    try {
      moved = JSON.parse(fs.readFileSync(aside, 'utf8')) as LockContent;
    } catch {
      moved = undefined;
    }
    if (moved && moved.token !== judged?.token) {
      try {
        fs.linkSync(aside, this.path);
      } catch {
        // Someone created a new lock meanwhile: theirs stands.
      }
    }
    try {
      fs.unlinkSync(aside);
    } catch {
      // Already gone: nothing to clean.
    }
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}
