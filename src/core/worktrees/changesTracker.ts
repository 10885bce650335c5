/**
 * Live changes for the sessions someone is looking at: a session's changes are read again after
 * its tool calls and turns, debounced (a burst of edits costs one read, and a long burst still
 * shows progress every `maxWaitMs`), one read at a time per session, and only while watched.
 * Nothing runs on the message path itself: an event only (re)arms a timer.
 */
import { DisposableStore, Emitter, toDisposable, type Disposable, type Event } from '../lifecycle.js';
import type { SessionMessageEvent } from '../session/session.js';
import type { SessionRecord } from '../session/types.js';
import type { SessionChanges } from './types.js';

export interface ChangesTrackerOptions {
  read(sessionId: string): Promise<SessionChanges>;
  onDidMessage: Event<SessionMessageEvent>;
  onDidChangeSession: Event<SessionRecord>;
  /** Quiet time after the last edit before reading. Default 400 ms. */
  delayMs?: number;
  /** A read at least this often during a long burst. Default 2 s. */
  maxWaitMs?: number;
}

interface Watched {
  watchers: number;
  timer: NodeJS.Timeout | undefined;
  firstPendingAt: number | undefined;
  running: Promise<SessionChanges> | undefined;
  again: boolean;
  latest: SessionChanges | undefined;
  worktreeJson: string;
}

export class ChangesTracker implements Disposable {
  private readonly onDidChangeEmitter = new Emitter<SessionChanges>();
  /** Fires with every fresh reading of a watched session's changes. */
  readonly onDidChange: Event<SessionChanges> = this.onDidChangeEmitter.event;
  private readonly watched = new Map<string, Watched>();
  private readonly disposables = new DisposableStore();
  private readonly delayMs: number;
  private readonly maxWaitMs: number;
  private disposed = false;
  /** How many reads ran (the bench reports it). */
  reads = 0;

  constructor(private readonly options: ChangesTrackerOptions) {
    this.delayMs = options.delayMs ?? 400;
    this.maxWaitMs = options.maxWaitMs ?? 2000;
    this.disposables.add(this.onDidChangeEmitter);
    this.disposables.add(
      options.onDidMessage((e) => {
        if (e.direction !== 'in' || !this.watched.has(e.sessionId)) return;
        // A tool result (files may have changed) or the end of a turn.
        if (e.message.kind === 'user' || e.message.kind === 'result') this.schedule(e.sessionId);
      }),
    );
    this.disposables.add(
      options.onDidChangeSession((record) => {
        const w = this.watched.get(record.id);
        if (!w) return;
        const json = JSON.stringify(record.worktree ?? null);
        if (json === w.worktreeJson) return;
        w.worktreeJson = json;
        this.schedule(record.id, 0);
      }),
    );
  }

  /** Follows a session's changes until the returned disposable is disposed; reads them now. */
  watch(sessionId: string): Disposable {
    let w = this.watched.get(sessionId);
    if (!w) {
      w = { watchers: 0, timer: undefined, firstPendingAt: undefined, running: undefined, again: false, latest: undefined, worktreeJson: '' };
      this.watched.set(sessionId, w);
      void this.refresh(sessionId).catch(() => undefined);
    }
    w.watchers++;
    return toDisposable(() => {
      const current = this.watched.get(sessionId);
      if (!current || --current.watchers > 0) return;
      clearTimeout(current.timer);
      this.watched.delete(sessionId);
    });
  }

  /** The last reading of a watched session. */
  latest(sessionId: string): SessionChanges | undefined {
    return this.watched.get(sessionId)?.latest;
  }

  /** Reads now (or joins the read under way, and reads once more after it). */
  async refresh(sessionId: string): Promise<SessionChanges> {
    const w = this.watched.get(sessionId);
    if (!w) return this.options.read(sessionId);
    if (w.running) {
      w.again = true;
      return w.running;
    }
    clearTimeout(w.timer);
    w.timer = undefined;
    w.firstPendingAt = undefined;
    const run = (async () => {
      try {
        this.reads++;
        const changes = await this.options.read(sessionId);
        if (!this.disposed && this.watched.get(sessionId) === w) {
          w.latest = changes;
          this.onDidChangeEmitter.fire(changes);
        }
        return changes;
      } finally {
        w.running = undefined;
        if (w.again && !this.disposed) {
          // Edits during the read: read again once they pause (or maxWaitMs after the first).
          w.again = false;
          this.schedule(sessionId);
        }
      }
    })();
    w.running = run;
    return run;
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.watched.values()) clearTimeout(w.timer);
    this.watched.clear();
    this.disposables.dispose();
  }

  private schedule(sessionId: string, delay = this.delayMs): void {
    const w = this.watched.get(sessionId);
    if (!w || this.disposed) return;
    const now = Date.now();
    w.firstPendingAt ??= now;
    if (w.running) {
      w.again = true;
      return;
    }
    const wait = Math.min(delay, Math.max(0, w.firstPendingAt + this.maxWaitMs - now));
    clearTimeout(w.timer);
    w.timer = setTimeout(() => void this.refresh(sessionId).catch(() => undefined), wait);
    w.timer.unref?.();
  }
}
