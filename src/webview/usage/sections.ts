/**
 * The dashboard's sections, one function each: a chart (or bar list), the table that carries the
 * same figures for screen readers and copy-paste, and an Export CSV button where it applies.
 */
import type { LimitsView, UsageReport } from '../../shared/usageProtocol';
import { h } from '../render/dom';
import { columnChart, lineChart, type Series } from './charts';
import { clock, dateTime, dayLabel, dayLong, formatCost, formatPercent, formatTimeLeft, formatTokens, perHour } from './text';
import { barList, card, ChartSlot, exportButton, legend, meter, section, styled, table } from './view';

export interface Built {
  element: HTMLElement;
  slots: ChartSlot[];
}

type Block = UsageReport['blocks'][number];

const stackClass = (r: UsageReport, i: number) => (r.stackKeys[i] === 'other' ? 'other' : `s${i}`);

export function costSection(r: UsageReport, onExport: () => void): Built {
  const series: Series[] = r.stackKeys.map((_, i) => ({ label: r.stackLabels[i]!, className: stackClass(r, i), values: r.byDay.map((d) => d.stack[i] ?? 0) }));
  const peak = r.byDay.reduce((best, d) => (d.costUsd > best.costUsd ? d : best), r.byDay[0]!);
  const slot = new ChartSlot(
    (width) =>
      columnChart({
        labels: r.byDay.map((d) => dayLabel(d.day)),
        series,
        format: axisCost,
        width,
        summary: `Cost per day over the last ${r.days} days, stacked by model: ${formatCost(r.totals.costUsd)} in all${peak && peak.costUsd > 0 ? `, most on ${dayLong(peak.day)} (${formatCost(peak.costUsd)})` : ''}.`,
        highlight: [r.byDay.length - 1],
        columnTitle: (i) => {
          const d = r.byDay[i]!;
          const parts = r.stackKeys.map((_, k) => [r.stackLabels[k], d.stack[k] ?? 0] as const).filter(([, v]) => v > 0);
          return [`${dayLong(d.day)}: ${formatCost(d.costUsd)}, ${d.turns} turn${d.turns === 1 ? '' : 's'}`, ...parts.map(([l, v]) => `${l}: ${formatCost(v)}`)].join('\n');
        },
      }),
    legend(series.map((s) => ({ label: s.label, className: s.className }))),
  );
  const rows = [...r.byDay].reverse().filter((d) => d.turns > 0);
  return {
    slots: [slot],
    element: section({
      id: 'cost-per-day',
      title: 'Cost per day',
      note: 'Stacked by model. Days without turns show as gaps; the table lists days with turns, newest first.',
      action: exportButton('cost per day', onExport),
      chart: slot.element,
      table: table('Cost per day', [{ label: 'Day' }, { label: 'Cost', numeric: true }, { label: 'Turns', numeric: true }, ...r.stackLabels.map((l) => ({ label: l, numeric: true }))], rows.map((d) => [dayLong(d.day), formatCost(d.costUsd), String(d.turns), ...d.stack.map((v) => (v > 0 ? formatCost(v) : '—'))])),
    }),
  };
}

export function tokensSection(r: UsageReport): Built {
  const kinds = [
    { label: 'Input', className: 's0', get: (d: UsageReport['byDay'][number]) => d.inputTokens },
    { label: 'Output', className: 's1', get: (d: UsageReport['byDay'][number]) => d.outputTokens },
    { label: 'Cache write', className: 's2', get: (d: UsageReport['byDay'][number]) => d.cacheCreationInputTokens },
    { label: 'Cache read', className: 's3', get: (d: UsageReport['byDay'][number]) => d.cacheReadInputTokens },
  ];
  const series: Series[] = kinds.map((k) => ({ label: k.label, className: k.className, values: r.byDay.map(k.get) }));
  const slot = new ChartSlot(
    (width) =>
      columnChart({
        labels: r.byDay.map((d) => dayLabel(d.day)),
        series,
        format: (v) => formatTokens(v),
        width,
        summary: `Tokens per day over the last ${r.days} days: ${formatTokens(r.totals.inputTokens)} input, ${formatTokens(r.totals.outputTokens)} output, ${formatTokens(r.totals.cacheReadInputTokens)} read from the cache.`,
        highlight: [r.byDay.length - 1],
        columnTitle: (i) => {
          const d = r.byDay[i]!;
          return [dayLong(d.day), ...kinds.map((k) => `${k.label}: ${formatTokens(k.get(d))}`)].join('\n');
        },
      }),
    legend(series.map((s) => ({ label: s.label, className: s.className }))),
  );
  const rows = [...r.byDay].reverse().filter((d) => d.turns > 0);
  return {
    slots: [slot],
    element: section({
      id: 'tokens-per-day',
      title: 'Tokens per day',
      chart: slot.element,
      table: table('Tokens per day', [{ label: 'Day' }, ...kinds.map((k) => ({ label: k.label, numeric: true }))], rows.map((d) => [dayLong(d.day), ...kinds.map((k) => formatTokens(k.get(d)))])),
    }),
  };
}

export function modelsSection(r: UsageReport, onExport: () => void): Built {
  const total = r.totals.costUsd || 1;
  const colour = (id: string) => {
    const i = r.stackKeys.indexOf(id);
    return i >= 0 ? stackClass(r, i) : 'other';
  };
  return {
    slots: [],
    element: section({
      id: 'by-model',
      title: 'By model',
      note: 'Aliases and context-window variants count as one model; the variant shows as a tag.',
      action: exportButton('usage by model', onExport),
      chart: barList(
        r.models.map((m) => ({ label: m.label, tags: m.variants, value: m.costUsd, text: formatCost(m.costUsd), className: colour(m.id), detail: m.names.length ? `Recorded as ${m.names.join(', ')}` : undefined })),
        `Cost by model: ${r.models.map((m) => `${m.label} ${formatCost(m.costUsd)}`).join(', ') || 'none'}.`,
      ),
      table: table(
        'Usage by model',
        [{ label: 'Model' }, { label: 'Cost', numeric: true }, { label: 'Share', numeric: true }, { label: 'Turns', numeric: true }, { label: 'Input', numeric: true }, { label: 'Output', numeric: true }],
        r.models.map((m) => [
          h('span', { title: m.names.join(', ') }, m.label, ...m.variants.map((v) => h('span', { class: 'tag' }, v))),
          formatCost(m.costUsd),
          `${Math.round((m.costUsd / total) * 100)}%`,
          String(m.turns),
          formatTokens(m.inputTokens),
          formatTokens(m.outputTokens),
        ]),
      ),
    }),
  };
}

export function foldersSection(r: UsageReport, onExport: () => void): Built {
  return {
    slots: [],
    element: section({
      id: 'by-folder',
      title: 'By workspace folder',
      action: exportButton('usage by folder', onExport),
      chart: barList(
        r.folders.map((f) => ({ label: f.name, value: f.costUsd, text: formatCost(f.costUsd), detail: f.path })),
        `Cost by workspace folder: ${r.folders.map((f) => `${f.name} ${formatCost(f.costUsd)}`).join(', ') || 'none'}.`,
      ),
      table: table(
        'Usage by workspace folder',
        [{ label: 'Folder' }, { label: 'Cost', numeric: true }, { label: 'Turns', numeric: true }, { label: 'Tokens', numeric: true }],
        r.folders.map((f) => [h('span', { title: f.path }, f.name), formatCost(f.costUsd), String(f.turns), formatTokens(f.inputTokens + f.outputTokens)]),
      ),
    }),
  };
}

export function sessionsSection(r: UsageReport, onExport: () => void, open: (sessionId: string) => void): Built {
  const name = (s: UsageReport['sessions'][number]) => {
    if (!s.exists) return h('span', { class: 'muted', title: 'Removed by history retention; its usage stays in the totals.' }, s.title);
    const b = h('button', { type: 'button', class: 'link', title: `Open “${s.title}”` }, s.title);
    b.addEventListener('click', () => open(s.sessionId));
    return b;
  };
  return {
    slots: [],
    element: section({
      id: 'top-sessions',
      title: 'Top sessions',
      note: 'The sessions that cost most in this range. Click one to open it.',
      action: exportButton('top sessions', onExport),
      chart: barList(
        r.sessions.map((s) => ({ label: s.title, value: s.costUsd, text: formatCost(s.costUsd), detail: s.workspaceFolder })),
        `The most expensive sessions: ${r.sessions.map((s) => `${s.title} ${formatCost(s.costUsd)}`).join(', ') || 'none'}.`,
      ),
      table: table(
        'Top sessions by cost',
        [{ label: 'Session' }, { label: 'Cost', numeric: true }, { label: 'Turns', numeric: true }, { label: 'Models' }, { label: 'Last turn' }],
        r.sessions.map((s) => [name(s), formatCost(s.costUsd), String(s.turns), s.models.join(', '), dateTime(s.lastTurnAt)]),
      ),
    }),
  };
}

export function cacheSection(r: UsageReport): Built {
  const c = r.cache;
  const all = c.freshInputTokens + c.cacheWriteTokens + c.cacheReadTokens || 1;
  const share = (v: number) => `${((v / all) * 100).toFixed(v / all < 0.1 ? 1 : 0)}%`;
  const proportion = h(
    'div',
    { class: 'proportion', role: 'img', 'aria-label': `Of all input tokens, ${share(c.cacheReadTokens)} were cache reads, ${share(c.cacheWriteTokens)} cache writes and ${share(c.freshInputTokens)} fresh input.` },
    ...[
      ['s3', c.cacheReadTokens, 'Cache read'],
      ['s2', c.cacheWriteTokens, 'Cache write'],
      ['s0', c.freshInputTokens, 'Fresh input'],
    ].map(([cls, v, label]) => styled(h('div', { class: `proportion-part ${cls}`, title: `${label}: ${formatTokens(Number(v))} (${share(Number(v))})` }), { flexGrow: String(Number(v)) })),
  );
  const lead = h(
    'div',
    { class: 'cache-lead' },
    h('div', { class: 'big' }, formatCost(Math.max(0, c.netSavedUsd))),
    h('div', { class: 'muted' }, `saved by prompt caching in ${r.days} days: cache reads are billed at a tenth of fresh input, less ${formatCost(c.writePremiumUsd)} paid to write the cache.`),
  );
  return {
    slots: [],
    element: section({
      id: 'caching',
      title: 'Cache reads vs fresh input',
      note: c.unpricedTokens > 0 ? `Priced with Claude Code's table; ${formatTokens(c.unpricedTokens)} tokens of models without a price are left out of the dollars.` : "Priced with Claude Code's own price table.",
      lead,
      chart: h('div', {}, proportion, legend([{ label: 'Cache read', className: 's3' }, { label: 'Cache write', className: 's2' }, { label: 'Fresh input', className: 's0' }])),
      table: table(
        'Prompt caching',
        [{ label: 'Input' }, { label: 'Tokens', numeric: true }, { label: 'Share', numeric: true }],
        [
          ['Cache read', formatTokens(c.cacheReadTokens), share(c.cacheReadTokens)],
          ['Cache write', formatTokens(c.cacheWriteTokens), share(c.cacheWriteTokens)],
          ['Fresh input', formatTokens(c.freshInputTokens), share(c.freshInputTokens)],
          ['Saved by reads', formatCost(c.savedUsd), ''],
          ['Paid extra for writes', formatCost(c.writePremiumUsd), ''],
          ['Net saving', formatCost(c.netSavedUsd), ''],
        ],
      ),
    }),
  };
}

/** The summary card of the running five-hour block. */
export function runningBlock(b: Block, now: number): HTMLElement {
  const left = formatTimeLeft(b.end - now);
  const rate = b.burnRate ? `${perHour(b.burnRate.costPerHour)} since ${clock(b.start)}` : `since ${clock(b.start)}`;
  const projection = b.projection ? `projected ${formatCost(b.projection.costUsd)} by ${clock(b.end)}` : `ends ${clock(b.end)}`;
  return card('Five-hour block', formatCost(b.costUsd), `${rate} · ${left} left · ${projection}`, 'running');
}

const BLOCKS_CHARTED = 16;

export function blocksSection(r: UsageReport, onExport: () => void): Built {
  const recent = r.blocks.slice(-BLOCKS_CHARTED);
  const active = recent.findIndex((b) => b.isActive);
  const series: Series[] = [
    { label: 'Cost', className: 's0', values: recent.map((b) => b.costUsd) },
    { label: 'Projected to the block’s end', className: 'projection', values: recent.map((b) => (b.projection ? Math.max(0, b.projection.costUsd - b.costUsd) : 0)) },
  ];
  const slot = new ChartSlot(
    (width) =>
      columnChart({
        labels: recent.map((b) => dateTime(b.start)),
        series,
        format: axisCost,
        width,
        height: 160,
        highlight: active >= 0 ? [active] : [],
        summary: `The last ${recent.length} five-hour blocks by cost${active >= 0 ? `; the running one has ${formatCost(recent[active]!.costUsd)} so far` : ''}.`,
        columnTitle: (i) => {
          const b = recent[i]!;
          return [
            `${dateTime(b.start)}–${clock(b.end)}${b.isActive ? ' (running)' : ''}: ${formatCost(b.costUsd)}, ${b.entries} turn${b.entries === 1 ? '' : 's'}`,
            b.burnRate ? `Burn rate ${perHour(b.burnRate.costPerHour)}, ${formatTokens(Math.round(b.burnRate.tokensPerMinute))} tokens/min` : '',
            b.projection ? `Projected ${formatCost(b.projection.costUsd)} by ${clock(b.end)}` : '',
          ]
            .filter(Boolean)
            .join('\n');
        },
      }),
    legend(series.map((s) => ({ label: s.label, className: s.className }))),
  );
  const rows = [...r.blocks].reverse();
  return {
    slots: [slot],
    element: section({
      id: 'blocks',
      title: 'Five-hour blocks',
      note: 'As ccusage counts them: a block starts on the hour of its first turn and lasts five hours; more than five hours without a turn ends it. Burn rate and projection cover the running block.',
      action: exportButton('five-hour blocks', onExport),
      chart: slot.element,
      table: table(
        'Five-hour blocks, newest first',
        [{ label: 'Block' }, { label: 'Cost', numeric: true }, { label: 'Turns', numeric: true }, { label: 'Tokens', numeric: true }, { label: 'Burn rate', numeric: true }, { label: 'Projected', numeric: true }],
        rows.map((b) => [
          `${dateTime(b.start)}–${clock(b.end)}${b.isActive ? ' (running)' : ''}`,
          formatCost(b.costUsd),
          String(b.entries),
          formatTokens(b.totalTokens),
          b.burnRate ? perHour(b.burnRate.costPerHour) : '—',
          b.projection ? formatCost(b.projection.costUsd) : '—',
        ]),
        { empty: 'No blocks in this range.' },
      ),
    }),
  };
}

export function limitsSection(limits: LimitsView | undefined, now: number): Built {
  const base = { id: 'plan-limits', title: 'Plan limits' };
  if (!limits || limits.state.availability === 'unknown') {
    return { slots: [], element: section({ ...base, note: 'Not known yet: a claude.ai Pro or Max login reports its five-hour and weekly windows after a turn.' }) };
  }
  if (limits.state.availability === 'unavailable') {
    return { slots: [], element: section({ ...base, lead: h('p', { class: 'notice' }, limits.state.reason ?? 'Claude Code reports no plan limits for this login.') }) };
  }
  const windows = [
    ['five_hour', 'Five-hour window'],
    ['seven_day', 'Weekly window'],
    ['seven_day_opus', 'Weekly, Opus'],
    ['seven_day_sonnet', 'Weekly, Sonnet'],
  ] as const;
  const meters = h('div', { class: 'meters' });
  for (const [kind, label] of windows) {
    const w = limits.state.windows[kind];
    if (!w) continue;
    const reset = w.resetsAt !== undefined ? (w.resetsAt > now ? `resets in ${formatTimeLeft(w.resetsAt - now)} (${dateTime(w.resetsAt)})` : 'reset') : '';
    const u = w.resetsAt !== undefined && w.resetsAt <= now ? 0 : (w.utilization ?? 0);
    const level = w.status === 'rejected' || u >= 100 ? 'error' : u >= limits.warnAtPercent || w.status === 'allowed_warning' ? 'warning' : '';
    meters.append(meter(label, u, `${w.status === 'rejected' ? 'limit reached' : w.utilization !== undefined ? `${formatPercent(u)} used` : 'in use'}${reset ? ` · ${reset}` : ''}`, level));
  }
  const samples = limits.samples;
  const from = Math.min(now - 24 * 3_600_000, samples[0]?.at ?? now);
  const slot = new ChartSlot((width) =>
    lineChart({
      lines: [
        { label: 'Five-hour', className: 's0', points: samples.filter((s) => s.fiveHour !== undefined).map((s) => ({ at: s.at, value: s.fiveHour! })) },
        { label: 'Weekly', className: 's1', points: samples.filter((s) => s.sevenDay !== undefined).map((s) => ({ at: s.at, value: s.sevenDay! })) },
      ],
      max: 100,
      format: (v) => `${Math.round(v)}%`,
      formatTime: (at) => (now - from > 36 * 3_600_000 ? dateTime(at) : clock(at)),
      from,
      to: now,
      width,
      rule: { value: limits.warnAtPercent, label: `Warning at ${limits.warnAtPercent}% (shannon.usage.warnAtPercent)` },
      summary: `Plan utilization since ${dateTime(from)}: ${samples.length} readings.`,
    }),
    legend([
      { label: 'Five-hour window', className: 's0' },
      { label: 'Weekly window', className: 's1' },
      { label: `Warning at ${limits.warnAtPercent}%`, className: 'rule' },
    ]),
  );
  const rows = [...samples].reverse().slice(0, 60);
  return {
    slots: [slot],
    element: section({
      ...base,
      note: `${limits.state.subscriptionType ? `${limits.state.subscriptionType[0]!.toUpperCase()}${limits.state.subscriptionType.slice(1)} plan. ` : ''}As Claude Code reports them after each turn; the status bar warns from ${limits.warnAtPercent}%.`,
      lead: meters,
      chart: slot.element,
      table: table('Plan utilization readings, newest first', [{ label: 'Time' }, { label: 'Five-hour', numeric: true }, { label: 'Weekly', numeric: true }], rows.map((s) => [dateTime(s.at), s.fiveHour !== undefined ? formatPercent(s.fiveHour) : '—', s.sevenDay !== undefined ? formatPercent(s.sevenDay) : '—'])),
    }),
  };
}

/** Axis labels: "$0", "$0.50", "$12". */
function axisCost(v: number): string {
  if (v === 0) return '$0';
  if (v < 0.01) return `$${v.toFixed(3)}`;
  if (v < 10) return `$${v.toFixed(2).replace(/\.00$/, '')}`;
  return `$${Math.round(v)}`;
}
