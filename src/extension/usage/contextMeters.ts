/**
 * Feeds each open session panel's context meter: a `get_context_usage` reading after every
 * turn of a session whose panel is open (core/usage/contextWindow.ts), handed to the panel; a
 * panel that opens on a live session without a reading asks for one.
 */
import type * as vscode from 'vscode';
import { ContextWindows, type ContextWindow } from '../../core/usage/contextWindow.js';
import type { ShannonCore } from '../core.js';

export interface ContextPanels {
  isOpen(sessionId: string): boolean;
  contextChanged(sessionId: string, context: ContextWindow): void;
}

export class ContextMeters implements vscode.Disposable {
  private windows: ContextWindows | undefined;
  private subscription: { dispose(): void } | undefined;

  constructor(private readonly panels: () => ContextPanels) {}

  attach(core: ShannonCore): void {
    const windows = (this.windows = new ContextWindows({ manager: core.manager, isWatched: (id) => this.panels().isOpen(id) }));
    this.subscription = windows.onDidChange((e) => this.panels().contextChanged(e.sessionId, e.context));
  }

  /** The last reading; without one, asks the session's process (the answer comes as a change). */
  current(sessionId: string): ContextWindow | undefined {
    const reading = this.windows?.get(sessionId);
    if (!reading) void this.windows?.refresh(sessionId);
    return reading;
  }

  dispose(): void {
    this.subscription?.dispose();
    this.windows?.dispose();
  }
}
