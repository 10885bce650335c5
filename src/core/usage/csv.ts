/**
 * The dashboard's tables as CSV (RFC 4180: CRLF, fields quoted when they hold a comma, quote or
 * line break). Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at
 * the start: session titles come from prompts) gets a leading `'`, as OWASP advises.
 */
import { localDay } from '../format';
import type { UsageFigures, UsageReport } from './report';

export type Cell = string | number | boolean | undefined;

export type UsageTable = 'daily' | 'models' | 'folders' | 'sessions' | 'blocks';

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

function field(value: Cell): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const FIGURES = ['cost_usd', 'turns', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'];
const figures = (f: UsageFigures): Cell[] => [usd(f.costUsd), f.turns, f.inputTokens, f.outputTokens, f.cacheReadInputTokens, f.cacheCreationInputTokens];
/** Micro-dollars: finer than any price, without float noise. */
const usd = (v: number) => Math.round(v * 1e6) / 1e6;
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function reportCsv(report: UsageReport, table: UsageTable): string {
  switch (table) {
    case 'daily':
      return toCsv(
        ['day', ...FIGURES, ...report.stackKeys.map((k, i) => `cost_usd_${k === 'other' ? 'other' : report.stackLabels[i]!}`)],
        report.byDay.map((d) => [d.day, ...figures(d), ...d.stack.map(usd)]),
      );
    case 'models':
      return toCsv(['model', 'label', 'variants', 'names', ...FIGURES], report.models.map((m) => [m.id, m.label, m.variants.join('; '), m.names.join('; '), ...figures(m)]));
    case 'folders':
      return toCsv(['workspace_folder', ...FIGURES], report.folders.map((f) => [f.path, ...figures(f)]));
    case 'sessions':
      return toCsv(
        ['session_id', 'title', 'workspace_folder', 'models', 'last_turn_at', ...FIGURES],
        report.sessions.map((s) => [s.sessionId, s.title, s.workspaceFolder, s.models.join('; '), iso(s.lastTurnAt), ...figures(s)]),
      );
    case 'blocks':
      return toCsv(
        ['start', 'end', 'active', 'first_turn_at', 'last_turn_at', 'turns', 'cost_usd', 'total_tokens', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'tokens_per_minute', 'cost_usd_per_hour', 'projected_cost_usd', 'projected_tokens', 'models'],
        report.blocks.map((b) => [
          iso(b.start),
          iso(b.end),
          b.isActive,
          iso(b.firstEntryAt),
          iso(b.lastEntryAt),
          b.entries,
          usd(b.costUsd),
          b.totalTokens,
          b.inputTokens,
          b.outputTokens,
          b.cacheReadInputTokens,
          b.cacheCreationInputTokens,
          b.burnRate ? Math.round(b.burnRate.tokensPerMinute) : undefined,
          b.burnRate ? usd(b.burnRate.costPerHour) : undefined,
          b.projection?.costUsd,
          b.projection?.totalTokens,
          b.models.join('; '),
        ]),
      );
  }
}

/** `shannon-usage-daily-30d-2026-12-01.csv` */
export function csvFileName(report: UsageReport, table: UsageTable): string {
  return `shannon-usage-${table}-${report.days}d-${localDay(report.generatedAt)}.csv`;
}

