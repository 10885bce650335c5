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
