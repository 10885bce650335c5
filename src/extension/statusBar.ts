/**
 * The status bar item: how many sessions are at work, how many wait for a person, what today
 * cost (from the store's usage, so it counts every window's sessions) and, on a claude.ai plan,
 * how full the five-hour window is and when it resets (a warning colour past
 * `shannon.usage.warnAtPercent`). Clicking it reveals the Sessions view; the tooltip links the
 * usage dashboard. Recomputed at most ten times a second, each minute while a window counts
 * down, and at midnight.
 */
import * as vscode from 'vscode';
import { LIVE_STATES } from '../core/session/types.js';
import type { ShannonCore } from './core.js';
import { formatCost, startOfLocalDay } from './model/format.js';
import { limitsStatus, type LimitsStatus } from './model/limitsText.js';
import { SESSIONS_VIEW_ID } from './sessionsTree.js';

const UPDATE_DELAY_MS = 100;
const CLOCK_TICK_MS = 60_000;

export interface StatusFigures {
  running: number;
  awaiting: number;
  idle: number;
  todayUsd: number;
  todayTurns: number;
  limits?: LimitsStatus;
}

export interface StatusBarOptions {
  /** `shannon.usage.warnAtPercent`. */
  warnAtPercent?(): number;
  /** Fires when that may have changed. */
  onDidChangeSettings?: vscode.Event<unknown>;
}

export class ShannonStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private core: ShannonCore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: NodeJS.Timeout;
  private figuresValue: StatusFigures | undefined;
  private options: StatusBarOptions = {};

  constructor(private readonly now: () => number = Date.now) {
    this.item = vscode.window.createStatusBarItem('shannon.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Shannon Sessions';
    this.item.command = { command: `${SESSIONS_VIEW_ID}.focus`, title: 'Show Shannon Sessions' };
    this.disposables.push(this.item);
    // The day rolls over and a limit window counts down with nobody changing a session.
    this.clock = setInterval(() => this.schedule(), CLOCK_TICK_MS);
  }

  attach(core: ShannonCore, options: StatusBarOptions = {}): void {
    this.core = core;
    this.options = options;
    this.disposables.push(
      core.manager.onDidChangeSession(() => this.schedule()),
      core.store.onDidChange(() => this.schedule()),
      core.planLimits.onDidChange(() => this.schedule()),
    );
    if (options.onDidChangeSettings) this.disposables.push(options.onDidChangeSettings(() => this.schedule()));
    this.update();
    this.item.show();
  }

  get figures(): StatusFigures | undefined {
    return this.figuresValue;
  }

  get text(): string {
    return this.item.text;
  }

  /** The tooltip's markdown (in-host tests). */
  get tooltip(): string {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  }

  /** The background's theme colour id, if any (in-host tests). */
  get background(): string | undefined {
    return (this.item.backgroundColor as { id?: string } | undefined)?.id;
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
      limits: limitsStatus(core.planLimits.state, this.now(), this.options.warnAtPercent?.() ?? 80),
    };
    this.figuresValue = f;
    const limits = f.limits!;
    const parts = [f.running > 0 ? `$(loading~spin) ${f.running}` : '$(hubot)'];
    if (f.awaiting > 0) parts.push(`$(bell-dot) ${f.awaiting}`);
    parts.push(formatCost(f.todayUsd));
    if (limits.text) parts.push(limits.text);
    this.item.text = parts.join(' ');
    this.item.backgroundColor =
      limits.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : f.awaiting > 0 || limits.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = { enabledCommands: ['shannon.showUsage'] };
    tooltip.appendMarkdown('**Shannon**\n\n');
    tooltip.appendMarkdown(`$(loading~spin) ${f.running} running · $(bell-dot) ${f.awaiting} awaiting permission · $(comment-discussion) ${f.idle} idle\n\n`);
    tooltip.appendMarkdown(`Today: ${formatCost(f.todayUsd)} over ${f.todayTurns} turn${f.todayTurns === 1 ? '' : 's'}\n\n`);
    for (const line of limits.tooltip) tooltip.appendMarkdown(`${line}\n\n`);
    tooltip.appendMarkdown('Click to show the sessions · [$(graph) Usage dashboard](command:shannon.showUsage)');
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = {
      label: `Shannon: ${f.running} running, ${f.awaiting} awaiting permission, ${formatCost(f.todayUsd)} spent today, ${limits.spoken}`,
    };
  }
}
