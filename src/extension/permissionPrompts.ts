/**
 * Permission asks (`can_use_tool`) for sessions whose panel is not on screen: a notification
 * with Allow once / Allow for this session (the CLI's suggested rule) / Deny. The panel renders its own card; whoever
 * answers first wins (the engine accepts one answer per ask and throws for a second), and the
 * loser is told, quietly, that the ask was already settled.
 */
import * as vscode from 'vscode';
import { isShannonError } from '../core/errors.js';
import type { PermissionAsk, PermissionDecision } from '../core/session/permissions.js';
import { safeText } from '../core/transcript/safeText.js';
import type { ShannonCore } from './core.js';
import { oneLine } from './model/format.js';
import { describeInput } from './model/permissionText.js';
import type { SessionPanels } from './panels.js';
import type { PanelReview } from './webview/sessionPanel.js';
import { allowChoices } from '../webview/model/allowChoices.js';

export const ALLOW_ONCE = 'Allow once';
export const DENY = 'Deny';
const WATCH_INTERVAL_MS = 1000;

export class PermissionPrompts implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private core: ShannonCore | undefined;
  /** Asks shown as a notification and not yet answered there. */
  private readonly open = new Set<string>();
  /** Asks shown in a visible panel, watched in case the panel goes away unanswered. */
  private readonly watching = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly panels: () => SessionPanels,
    /** Reviewed edits answer with the text of their diff's right side. */
    private readonly review?: () => PanelReview | undefined,
  ) {}

  attach(core: ShannonCore): void {
    this.core = core;
    this.disposables.push(
      core.manager.onDidRequestPermission((ask) => this.onAsk(ask)),
      core.manager.onDidSettlePermission((e) => this.stopWatching(`${e.sessionId}/${e.requestId}`)),
    );
  }

  /** How many asks are waiting on a notification (for tests and the status bar). */
  get openCount(): number {
    return this.open.size;
  }

  dispose(): void {
    for (const timer of this.watching.values()) clearInterval(timer);
    this.watching.clear();
    for (const d of this.disposables) d.dispose();
  }

  /**
   * A visible panel shows the ask as a card. If the panel is closed or hidden while the ask is
   * still pending, the notification takes over (the panels have no visibility event: a cheap
   * poll per pending ask).
   */
  private onAsk(ask: PermissionAsk): void {
    const key = `${ask.sessionId}/${ask.requestId}`;
    if (!this.panels().isVisible(ask.sessionId)) {
      void this.notify(ask, key);
      return;
    }
    const timer = setInterval(() => {
      if (!this.isPending(ask)) this.stopWatching(key);
      else if (!this.panels().isVisible(ask.sessionId)) {
        this.stopWatching(key);
        void this.notify(ask, key);
      }
    }, WATCH_INTERVAL_MS);
    this.watching.set(key, timer);
  }

  private stopWatching(key: string): void {
    clearInterval(this.watching.get(key));
    this.watching.delete(key);
  }

  private isPending(ask: PermissionAsk): boolean {
    return this.core?.manager.pendingPermissions(ask.sessionId).some((p) => p.requestId === ask.requestId) ?? false;
  }

  private async notify(ask: PermissionAsk, key: string): Promise<void> {
    const core = this.core;
    if (!core) return;
    this.open.add(key);
    try {
      const title = core.manager.get(ask.sessionId)?.title ?? 'A session';
      const allowSession = allowChoices(ask).session.label;
      const choice = await vscode.window.showWarningMessage(
        // What is being approved must read as it is: no bidi override may turn the command around.
        safeText(`${oneLine(title, 60)}: Claude wants to use ${ask.toolName}${describeInput(ask) ? ` — ${describeInput(ask)}` : ''}`),
        ALLOW_ONCE,
        allowSession,
        DENY,
      );
      if (!choice) return; // dismissed: the ask stays pending, answerable in the panel
      let decision: PermissionDecision;
      if (choice === DENY) {
        const reason = await vscode.window.showInputBox({
          title: `Deny ${ask.toolName}`,
          prompt: 'Tell Claude why (optional): it reads this and can try another way.',
          placeHolder: 'Reason for denying',
        });
        if (reason === undefined) return;
        decision = { behavior: 'deny', message: reason };
      } else {
        decision = { behavior: 'allow', scope: choice === allowSession ? 'session' : 'once' };
      }
      await this.answer(ask, decision);
    } finally {
      this.open.delete(key);
    }
  }

  private async answer(ask: PermissionAsk, given: PermissionDecision): Promise<void> {
    const core = this.core;
    if (!core) return;
    const review = this.review?.();
    const decision = review ? await review.resolve(ask.sessionId, ask.requestId, given) : given;
    if (!decision) return;
    if (!this.isPending(ask)) {
      vscode.window.setStatusBarMessage(`$(check) ${ask.toolName}: already answered`, 4000);
      return;
    }
    try {
      core.manager.respondToPermission(ask.sessionId, ask.requestId, decision);
    } catch (err) {
      // Answered in the panel (or the session ended) between our check and our answer.
      if (isShannonError(err)) vscode.window.setStatusBarMessage(`$(info) ${err.message}`, 4000);
      else throw err;
    }
  }
}
