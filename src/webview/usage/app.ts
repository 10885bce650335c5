/**
 * The usage dashboard: a range picker, summary cards, and one section per question — cost and
 * tokens per day, per model, per workspace folder, the top sessions, what caching saved, the
 * five-hour blocks, the plan's limits. The host computes every figure (src/core/usage); this
 * page draws them, each chart with its table, and asks the host to open a session or export.
 */
import type { LimitsView, UsageHostMessage, UsageNotification, UsagePersistedState, UsageRange, UsageReport, UsageRequests, UsageTable } from '../../shared/usageProtocol';
import { USAGE_RANGES } from '../../shared/usageProtocol';
import { RequestChannel, HostError } from '../common/channel';
import { h, icon } from '../render/dom';
import { card, type ChartSlot } from './view';
import { blocksSection, cacheSection, costSection, foldersSection, limitsSection, modelsSection, runningBlock, sessionsSection, tokensSection } from './sections';
import { formatCost, formatTokens } from './text';

export class UsageChannel extends RequestChannel<UsageRequests, Exclude<UsageHostMessage, { type: 'reply' }>, UsageNotification, UsagePersistedState> {}

export class UsageApp {
  private days: UsageRange;
  private report: UsageReport | undefined;
  private limits: LimitsView | undefined;
  private slots: ChartSlot[] = [];
  private readonly rangeButtons = new Map<UsageRange, HTMLButtonElement>();
  private readonly content = h('div', { class: 'usage-content', 'aria-live': 'off' });
  private readonly status = h('div', { class: 'usage-status', role: 'status' });
  private readonly errorEl = h('div', { class: 'usage-error', role: 'alert' });
  private loading = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: UsageChannel,
  ) {
    const fromBody = Number(root.ownerDocument.body.dataset.days);
    const saved = host.getState()?.days;
    this.days = (USAGE_RANGES as readonly number[]).includes(saved ?? -1) ? saved! : (USAGE_RANGES as readonly number[]).includes(fromBody) ? (fromBody as UsageRange) : 30;
    this.build();
    host.onMessage((m) => this.onMessage(m));
    new ResizeObserver(() => this.layoutCharts()).observe(this.content);
    host.notify({ type: 'ready' });
    void this.load(this.days);
  }

  private build(): void {
    const picker = h('div', { class: 'range-picker', role: 'group', 'aria-label': 'Range' });
    for (const days of USAGE_RANGES) {
      const b = h('button', { type: 'button', class: 'range', 'aria-pressed': 'false' }, `${days} days`);
      b.addEventListener('click', () => void this.load(days));
      this.rangeButtons.set(days, b);
      picker.append(b);
    }
    this.errorEl.hidden = true;
    this.root.append(h('header', { class: 'usage-header' }, h('h1', {}, icon('graph'), ' Claude Code usage'), picker, this.status), this.errorEl, this.content);
  }

  private onMessage(m: Exclude<UsageHostMessage, { type: 'reply' }>): void {
    if (m.type === 'report') {
      if (m.report.days !== this.days) return;
      this.report = m.report;
      this.render();
    } else if (m.type === 'limits') {
      this.limits = m.limits;
      this.render();
    }
  }

  private async load(days: UsageRange): Promise<void> {
    this.days = days;
    this.host.setState({ days });
    for (const [d, b] of this.rangeButtons) b.setAttribute('aria-pressed', String(d === days));
    const ticket = ++this.loading;
    this.status.textContent = `Loading the last ${days} days…`;
    try {
      const report = await this.host.request('load', { days });
      if (ticket !== this.loading) return;
      this.report = report;
      this.errorEl.hidden = true;
      this.render();
    } catch (e) {
      this.showError(e);
    }
  }

  private render(): void {
    const r = this.report;
    if (!r) return;
    const t = r.totals;
    this.status.textContent = `Last ${r.days} days · ${formatCost(t.costUsd)} over ${t.turns} turn${t.turns === 1 ? '' : 's'}`;
    const today = r.byDay.at(-1);
    const running = r.blocks.find((b) => b.isActive);
    const cards = h(
      'div',
      { class: 'cards' },
      card('Cost', formatCost(t.costUsd), `${t.turns} turn${t.turns === 1 ? '' : 's'} in ${r.days} days`),
      card('Today', formatCost(today?.costUsd ?? 0), `${today?.turns ?? 0} turn${today?.turns === 1 ? '' : 's'}`),
      card('Tokens', `${formatTokens(t.inputTokens + t.outputTokens)}`, `${formatTokens(t.inputTokens)} in · ${formatTokens(t.outputTokens)} out · ${formatTokens(t.cacheReadInputTokens)} cache read`),
      card('Caching saved', formatCost(Math.max(0, r.cache.netSavedUsd)), `${Math.round(r.cache.readShare * 100)}% of input came from the cache`),
      running ? runningBlock(running, r.generatedAt) : card('Five-hour block', 'None running', 'A block starts with the next turn'),
    );
    const empty = t.turns === 0 ? h('p', { class: 'empty muted' }, `No Claude Code turns in the last ${r.days} days. Sessions you run in Shannon are counted here.`) : undefined;
    const exportAs = (table: UsageTable) => () => void this.exportCsv(table);
    const built = [
      costSection(r, exportAs('daily')),
      tokensSection(r),
      modelsSection(r, exportAs('models')),
      foldersSection(r, exportAs('folders')),
      sessionsSection(r, exportAs('sessions'), (id) => void this.openSession(id)),
      cacheSection(r),
      blocksSection(r, exportAs('blocks')),
      limitsSection(this.limits, r.generatedAt),
    ];
    this.slots = built.flatMap((b) => b.slots);
    this.content.replaceChildren(cards, ...(empty ? [empty] : []), ...built.map((b) => b.element));
    this.layoutCharts();
  }

  private layoutCharts(): void {
    for (const s of this.slots) s.render();
  }

  private async openSession(sessionId: string): Promise<void> {
    try {
      await this.host.request('openSession', { sessionId });
    } catch (e) {
      this.showError(e);
    }
  }

  private async exportCsv(table: UsageTable): Promise<void> {
    try {
      const { saved } = await this.host.request('exportCsv', { table, days: this.days });
      if (saved) this.status.textContent = `Saved ${saved}`;
    } catch (e) {
      this.showError(e);
    }
  }

  private showError(e: unknown): void {
    const info = e instanceof HostError ? e.info : { message: e instanceof Error ? e.message : String(e) };
    this.errorEl.replaceChildren(icon('error'), h('span', {}, ` ${info.message}`), 'hint' in info && info.hint ? h('span', { class: 'muted' }, ` ${info.hint}`) : '');
    this.errorEl.hidden = false;
  }
}

