/**
 * Coalesces what the host sends a webview into one burst per frame (~16 ms): a streamed reply
 * produces a delta every few milliseconds, and each postMessage costs a structured clone and a
 * task in the webview. Order is kept: messages leave in the order they were queued, adjacent
 * `append`s merge into one, adjacent `partial`s merge and deltas of the same block join.
 * Pure: timers are injected.
 */
import type { HostMessage, PartialDelta, TranscriptEntry } from '../../shared/webviewProtocol';

export interface BatcherTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: BatcherTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class MessageBatcher {
  private queue: HostMessage[] = [];
  private timer: unknown;
  private paused = true;

  constructor(
    private readonly post: (message: HostMessage) => void,
    private readonly intervalMs = 16,
    private readonly timers: BatcherTimers = realTimers,
  ) {}

  /** Nothing leaves until resume() (the webview is not ready yet); the queue keeps order. */
  pause(): void {
    this.paused = true;
    this.cancelTimer();
  }

  resume(): void {
    this.paused = false;
    if (this.queue.length) this.schedule();
  }

  get pending(): number {
    return this.queue.length;
  }

  append(entries: TranscriptEntry[]): void {
    const last = this.queue.at(-1);
    if (last?.type === 'append') last.entries.push(...entries);
    else this.queue.push({ type: 'append', entries: [...entries] });
    this.schedule();
  }

  partial(delta: PartialDelta): void {
    const last = this.queue.at(-1);
    if (last?.type === 'partial') {
      const prev = last.deltas.at(-1);
      if (prev && prev.messageId === delta.messageId && prev.index === delta.index) prev.text += delta.text;
      else last.deltas.push({ ...delta });
    } else {
      this.queue.push({ type: 'partial', deltas: [{ ...delta }] });
    }
    this.schedule();
  }

  /** Any other message, in order with the rest. */
  send(message: HostMessage): void {
    this.queue.push(message);
    this.schedule();
  }

  /** Drops what is queued (a fresh `init` supersedes it). */
  discard(): void {
    this.queue = [];
    this.cancelTimer();
  }

  flush(): void {
    this.cancelTimer();
    if (this.paused) return;
    const out = this.queue;
    this.queue = [];
    for (const m of out) this.post(m);
  }

  dispose(): void {
    this.cancelTimer();
    this.queue = [];
  }

  private schedule(): void {
    if (this.paused || this.timer !== undefined) return;
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clear(this.timer);
    this.timer = undefined;
  }
}
