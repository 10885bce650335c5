/**
 * The status bar item: how many sessions are at work, how many wait for a person, and what
 * today cost (from the store's usage, so it counts every window's sessions). Clicking it
 * reveals the Sessions view. Recomputed at most ten times a second, and at midnight.
 */
import * as vscode from 'vscode';
import { LIVE_STATES } from '../core/session/types.js';
import type { ShannonCore } from './core.js';
import { formatCost, startOfLocalDay } from './model/format.js';
import { SESSIONS_VIEW_ID } from './sessionsTree.js';

const UPDATE_DELAY_MS = 100;
const CLOCK_TICK_MS = 5 * 60_000;

export interface StatusFigures {
  running: number;
  awaiting: number;
  idle: number;
  todayUsd: number;
  todayTurns: number;
}

export class ShannonStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private core: ShannonCore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: NodeJS.Timeout;
  private figuresValue: StatusFigures | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.item = vscode.window.createStatusBarItem('shannon.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Shannon Sessions';
    this.item.command = { command: `${SESSIONS_VIEW_ID}.focus`, title: 'Show Shannon Sessions' };
    this.disposables.push(this.item);
    // The day rolls over with nobody changing a session: look at the clock now and then.
    this.clock = setInterval(() => this.schedule(), CLOCK_TICK_MS);
  }

  attach(core: ShannonCore): void {
    this.core = core;
    this.disposables.push(
      core.manager.onDidChangeSession(() => this.schedule()),
      core.store.onDidChange(() => this.schedule()),
    );
    this.update();
    this.item.show();
  }

  get figures(): StatusFigures | undefined {
    return this.figuresValue;
  }

  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.clock);
    for (const d of this.disposables) d.dispose();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, UPDATE_DELAY_MS);
  }

  private update(): void {
    const core = this.core;
    if (!core) return;
    const live = core.manager.list({ states: [...LIVE_STATES] });
    const count = (...states: string[]) => live.filter((r) => states.includes(r.state)).length;
    const today = core.store.usage({ groupBy: 'day', since: startOfLocalDay(this.now()) });
    const f: StatusFigures = {
      running: count('queued', 'starting', 'running'),
      awaiting: count('awaiting_permission'),
      idle: count('idle', 'suspended'),
      todayUsd: today.reduce((sum, row) => sum + row.costUsd, 0),
      todayTurns: today.reduce((sum, row) => sum + row.turns, 0),
    };
    this.figuresValue = f;
    const parts = [f.running > 0 ? `$(loading~spin) ${f.running}` : '$(hubot)'];
    if (f.awaiting > 0) parts.push(`$(bell-dot) ${f.awaiting}`);
    parts.push(formatCost(f.todayUsd));
    this.item.text = parts.join(' ');
    this.item.backgroundColor = f.awaiting > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown('**Shannon**\n\n');
    tooltip.appendMarkdown(`$(loading~spin) ${f.running} running · $(bell-dot) ${f.awaiting} awaiting permission · $(comment-discussion) ${f.idle} idle\n\n`);
    tooltip.appendMarkdown(`Today: ${formatCost(f.todayUsd)} over ${f.todayTurns} turn${f.todayTurns === 1 ? '' : 's'}\n\n`);
    tooltip.appendMarkdown('Click to show the sessions.');
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = {
      label: `Shannon: ${f.running} running, ${f.awaiting} awaiting permission, ${formatCost(f.todayUsd)} spent today`,
    };
  }
}
