/**
 * Keeps the palette's session context keys (model/sessionContext.ts) in step with the sessions.
 * Records change often (every turn's metrics); the list is read at most once per quarter second,
 * and ContextKeys sends only values that really changed.
 */
import type * as vscode from 'vscode';
import type { ContextKeys } from './contextKeys.js';
import type { ShannonCore } from './core.js';
import { sessionContextValues, SESSION_CONTEXT_KEYS } from './model/sessionContext.js';

const THROTTLE_MS = 250;

export class SessionContextKeys implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private subscriptions: vscode.Disposable[] = [];

  constructor(private readonly keys: ContextKeys) {
    for (const key of SESSION_CONTEXT_KEYS) keys.set(key, false);
  }

  attach(core: ShannonCore): void {
    for (const d of this.subscriptions) d.dispose();
    const update = () => {
      this.timer = undefined;
      const values = sessionContextValues(core.manager.list()); // live and stored sessions
      for (const key of SESSION_CONTEXT_KEYS) this.keys.set(key, values[key]);
    };
    const schedule = () => {
      this.timer ??= setTimeout(update, THROTTLE_MS);
    };
    // Deletions and other windows' sessions reach the store, not the manager's events.
    this.subscriptions = [core.manager.onDidChangeSession(schedule), core.store.onDidChange(schedule)];
    update();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    if (this.timer) clearTimeout(this.timer);
  }
}
