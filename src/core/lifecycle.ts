/**
 * Lifetimes without `vscode`: the same shapes VS Code uses (Disposable, Event, Emitter),
 * so core objects plug into `context.subscriptions` and `onDidX` listeners unchanged.
 */

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Owns disposables and ends them all, last-added first, exactly once. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
      return item;
    }
    this.items.add(item);
    return item;
  }

  delete(item: Disposable): void {
    if (this.items.delete(item)) item.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const item of [...this.items].reverse()) {
      try {
        item.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    this.items.clear();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
  }
}

/** A typed event source: keep the emitter private, expose `event` as `onDidX`. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => undefined);
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        // A faulty listener must not starve the others nor break the producer.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/**
 * Composing events instead of re-filtering them in every consumer (VS Code's `Event` namespace):
 * each helper returns an Event whose subscription owns the subscription to its source.
 */
export const Events = {
  /** Only the events that pass `predicate`. */
  filter<T>(event: Event<T>, predicate: (e: T) => boolean): Event<T> {
    return (listener) => event((e) => {
      if (predicate(e)) listener(e);
    });
  },

  /** Each event turned into another value (`undefined` results are dropped). */
  map<T, U>(event: Event<T>, fn: (e: T) => U | undefined): Event<U> {
    return (listener) => event((e) => {
      const u = fn(e);
      if (u !== undefined) listener(u);
    });
  },

  /** The first event only: the subscription ends itself after it. */
  once<T>(event: Event<T>): Event<T> {
    return (listener) => {
      let fired = false;
      const sub = event((e) => {
        if (fired) return;
        fired = true;
        sub.dispose();
        listener(e);
      });
      if (fired) sub.dispose();
      return sub;
    };
  },

  /** Several sources as one. */
  any<T>(...events: Event<T>[]): Event<T> {
    return (listener) => {
      const subs = events.map((event) => event(listener));
      return toDisposable(() => subs.forEach((s) => s.dispose()));
    };
  },

  /**
   * Events gathered for `delayMs` (from the first of a batch: a deadline, so a steady stream
   * cannot postpone it) and delivered as one array, in order. Pending events are dropped when
   * the subscription ends.
   */
  batch<T>(event: Event<T>, delayMs: number): Event<T[]> {
    return (listener) => {
      let pending: T[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const sub = event((e) => {
        pending.push(e);
        timer ??= setTimeout(() => {
          timer = undefined;
          const batch = pending;
          pending = [];
          listener(batch);
        }, delayMs);
      });
      return toDisposable(() => {
        clearTimeout(timer);
        pending = [];
        sub.dispose();
      });
    };
  },
};

/**
 * One event over a changing set of sources (VS Code's EventMultiplexer): a SessionManager
 * relays every Session's events through one of these instead of re-firing each by hand.
 * Listeners subscribe once and hear every source added, now or later.
 */
export class EventMultiplexer<T> implements Disposable {
  private readonly emitter = new Emitter<T>();
  private readonly sources = new Map<Event<T>, Disposable>();
  readonly event: Event<T> = this.emitter.event;

  add(source: Event<T>): Disposable {
    if (!this.sources.has(source)) this.sources.set(source, source((e) => this.emitter.fire(e)));
    return toDisposable(() => {
      this.sources.get(source)?.dispose();
      this.sources.delete(source);
    });
  }

  dispose(): void {
    for (const sub of this.sources.values()) sub.dispose();
    this.sources.clear();
    this.emitter.dispose();
  }
}

/** Resolves on the next event that satisfies `predicate`, or rejects when `signal` aborts. */
export function nextEvent<T>(event: Event<T>, predicate: (e: T) => boolean = () => true, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      sub.dispose();
      reject(signal?.reason);
    };
    const sub = event((e) => {
      if (!predicate(e)) return;
      sub.dispose();
      signal?.removeEventListener('abort', onAbort);
      resolve(e);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
