/**
 * Write-behind: changes are in memory at once and reach disk within `delayMs` of the first
 * unsaved one — a deadline, not a debounce, so a steady stream cannot postpone the write. One
 * disk task runs at a time (flushes and reloads never interleave). A failed write is reported
 * once per distinct failure and retried with backoff (1 s … 30 s) without waiting for the next
 * change; memory keeps everything meanwhile.
 */
import type { ShannonError } from '../errors';
import type { Disposable } from '../lifecycle';

export interface WriteBehindOptions {
  delayMs: number;
  /** Writes everything pending; throws what failed (after writing what it could). */
  write(): Promise<void>;
  /** The failure as the user should hear it. */
  describe(err: unknown): ShannonError;
  warn(err: ShannonError): void;
}

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;

export class WriteBehind implements Disposable {
  private serial: Promise<unknown> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = FIRST_RETRY_MS;
  private lastFailure: string | undefined;
  private disposed = false;

  constructor(private readonly options: WriteBehindOptions) {}

  /** A change was made: write it within the delay. */
  schedule(): void {
    if (this.flushTimer || this.disposed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => undefined); // reported through warn
    }, this.options.delayMs);
  }

  /** Writes everything changed so far; rejects with the described failure. */
  flush(): Promise<void> {
    return this.enqueue(() => this.flushNow());
  }

  /** Runs a disk task after the ones before it. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serial.then(task, task);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Stops the timers; what is still pending is the owner's to write (synchronously). */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
  }

  private async flushNow(): Promise<void> {
    if (this.disposed) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    try {
      await this.options.write();
    } catch (err) {
      if (this.disposed) return;
      const failure = this.options.describe(err);
      const signature = `${failure.code}:${failure.message}`;
      if (signature !== this.lastFailure) {
        this.lastFailure = signature;
        this.options.warn(failure);
      }
      // Retry without waiting for the next change, backing off while the disk stays unwritable.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.flush().catch(() => undefined), this.retryDelayMs);
      this.retryTimer.unref();
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, LAST_RETRY_MS);
      throw failure;
    }
    this.lastFailure = undefined;
    this.retryDelayMs = FIRST_RETRY_MS;
  }
}
