/**
 * What needs the person: sessions waiting for a permission answer, and turns that finished while
 * their panel was not on screen and have not been looked at since. Their number is the Sessions
 * view's badge; a turn that finishes unseen also gets a notification (Open, Show Changes) unless
 * `shannon.notifyOnTurnEnd` is off. Sessions an MCP client drives are followed by that client:
 * their finished turns are not counted, their permission asks are.
 */
import * as vscode from 'vscode';
import type { TurnEndEvent } from '../core/session/session.js';
import { turnEnding } from '../core/session/turnErrors.js';
import { isTerminal, type SessionRecord } from '../core/session/types.js';
import type { ShannonCore } from './core.js';
import { fixAction } from './model/fixActions.js';
import { oneLine } from './model/format.js';
import type { SessionPanels } from './panels.js';
import type { Settings } from './settings.js';

/** How often unseen sessions are checked for a panel that came on screen (panels have no visibility event). */
const SEEN_POLL_MS = 1000;

export class Attention implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly unseen = new Set<string>();
  private core: ShannonCore | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly view: vscode.TreeView<unknown>,
    private readonly panels: () => SessionPanels,
    private readonly settings: Settings,
  ) {}

  attach(core: ShannonCore): void {
    this.core = core;
    const m = core.manager;
    this.disposables.push(
      m.onDidEndTurn((e) => this.turnEnded(e)),
      m.onDidRequestPermission(() => this.update()),
      m.onDidSettlePermission(() => this.update()),
      m.onDidChangeSession((r) => {
        // A session that went away (or ended) no longer waits for an answer.
        if (isTerminal(r.state)) this.update();
      }),
      core.store.onDidChange((change) => {
        for (const id of change.sessionIds) if (!core.store.getSession(id)) this.unseen.delete(id);
        this.update();
      }),
    );
    this.update();
  }

  /** Sessions that need the person now (the badge's number). */
  get count(): number {
    return this.needing().size;
  }

  /** The person looked at the session (its panel, its changes). */
  seen(sessionId: string): void {
    if (this.unseen.delete(sessionId)) this.update();
  }

  dispose(): void {
    clearInterval(this.poll);
    for (const d of this.disposables) d.dispose();
  }

  private turnEnded(e: TurnEndEvent): void {
    const record = this.core?.manager.get(e.sessionId);
    // A turn the person stopped needs nobody's attention: they were there.
    if (!record || record.origin === 'mcp' || this.panels().isVisible(e.sessionId) || turnEnding(e.result) === 'stopped') return;
    this.unseen.add(e.sessionId);
    this.update();
    if (this.settings.current.notifyOnTurnEnd) void this.notify(e, record, !!record.worktree && !record.worktree.removedAt);
  }

  private async notify(e: TurnEndEvent, record: SessionRecord, hasChanges: boolean): Promise<void> {
    const result = e.result as { is_error?: boolean; result?: unknown };
    const said = typeof result.result === 'string' && result.result.trim() ? `: ${oneLine(result.result, 80)}` : '.';
    const title = oneLine(record.title, 50);
    // A failed turn says what failed and offers its fix (Change Model…, How to Log In…).
    const error = result.is_error ? record.error : undefined;
    const fix = fixAction(error?.fix, record.id);
    const text = error ? `"${title}": ${error.message}` : result.is_error ? `"${title}" ended its turn with an error${said}` : `"${title}" finished its turn${said}`;
    const open = 'Open';
    const changes = 'Show Changes';
    const show = error ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(text, ...(fix ? [fix.label] : []), open, ...(hasChanges ? [changes] : []));
    if (fix && choice === fix.label) await vscode.commands.executeCommand(fix.command, ...(fix.args ?? []));
    else if (choice === open) {
      this.seen(e.sessionId);
      await vscode.commands.executeCommand('shannon.openTranscript', { sessionId: e.sessionId });
    } else if (choice === changes) {
      this.seen(e.sessionId);
      await vscode.commands.executeCommand('shannon.showChanges', { sessionId: e.sessionId });
    }
  }

  private needing(): Set<string> {
    const ids = new Set(this.unseen);
    for (const ask of this.core?.manager.pendingPermissions() ?? []) ids.add(ask.sessionId);
    return ids;
  }

  private update(): void {
    for (const id of this.unseen) if (this.panels().isVisible(id)) this.unseen.delete(id);
    const asks = new Set((this.core?.manager.pendingPermissions() ?? []).map((a) => a.sessionId));
    const turns = [...this.unseen].filter((id) => !asks.has(id)).length;
    const n = asks.size + turns;
    const parts = [asks.size ? `${asks.size} waiting for a permission answer` : '', turns ? `${turns} finished ${turns === 1 ? 'a turn' : 'turns'} you have not seen` : ''].filter(Boolean);
    this.view.badge = n ? { value: n, tooltip: `${n} session${n === 1 ? '' : 's'} need${n === 1 ? 's' : ''} you: ${parts.join(', ')}` } : undefined;
    if (this.unseen.size && !this.poll) this.poll = setInterval(() => this.update(), SEEN_POLL_MS);
    else if (!this.unseen.size && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }
}
