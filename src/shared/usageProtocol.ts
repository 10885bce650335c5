/**
 * The message protocol between the usage dashboard's webview (src/webview/usage) and its host
 * (src/extension/usage). Both sides compile against these types; everything is JSON data.
 *
 * Host → webview: `report` (the figures for the range shown), `limits` (plan limits and their
 * samples) and `reply` to requests. Webview → host: `ready`, `log`, and requests with an `id`
 * answered by exactly one `reply`.
 */
import type { ErrorInfo } from '../core/session/types';
import type { UsageTable } from '../core/usage/csv';
import type { LimitSample, PlanLimitsState } from '../core/usage/planLimits';
import type { UsageReport } from '../core/usage/report';

export type { ErrorInfo, LimitSample, PlanLimitsState, UsageReport, UsageTable };

export const USAGE_VIEW_TYPE = 'shannon.usage';

/** The ranges the picker offers, in days. */
export const USAGE_RANGES = [7, 30, 90] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

export interface LimitsView {
  state: PlanLimitsState;
  samples: LimitSample[];
  /** `shannon.usage.warnAtPercent`. */
  warnAtPercent: number;
}

export type UsageHostMessage =
  | { type: 'report'; report: UsageReport }
  | { type: 'limits'; limits: LimitsView }
  | UsageReply;

export interface UsageRequests {
  /** The report for the last `days` days; later changes come as `report` messages for that range. */
  load: { params: { days: UsageRange }; result: UsageReport };
  /** Opens a session's panel (a top session's row). */
  openSession: { params: { sessionId: string }; result: void };
  /** Asks where to save one table as CSV and writes it; `saved` is the file, or undefined if cancelled. */
  exportCsv: { params: { table: UsageTable; days: UsageRange }; result: { saved?: string } };
}

export type UsageRequestType = keyof UsageRequests;
export type UsageRequest = { [K in UsageRequestType]: { type: K; id: number } & UsageRequests[K]['params'] }[UsageRequestType];

export type UsageNotification = { type: 'ready' } | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export type UsageWebviewMessage = UsageRequest | UsageNotification;

export type UsageReply = { type: 'reply'; id: number; ok: true; result?: unknown } | { type: 'reply'; id: number; ok: false; error: ErrorInfo };

export interface UsagePersistedState {
  days: UsageRange;
}

/** Every table, or this fails to compile. */
const TABLES: Readonly<Record<UsageTable, true>> = { daily: true, models: true, folders: true, sessions: true, blocks: true };

function isRange(v: unknown): v is UsageRange {
  return (USAGE_RANGES as readonly unknown[]).includes(v);
}

/** A structural check of what the webview sends: a known type with the fields it needs. */
export function parseUsageMessage(value: unknown): UsageWebviewMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (m.type === 'ready') return { type: 'ready' };
  if (m.type === 'log') {
    return typeof m.message === 'string' && (m.level === 'info' || m.level === 'warn' || m.level === 'error') ? { type: 'log', level: m.level, message: m.message } : undefined;
  }
  if (typeof m.id !== 'number') return undefined;
  const id = m.id;
  switch (m.type) {
    case 'load':
      return isRange(m.days) ? { type: 'load', id, days: m.days } : undefined;
    case 'openSession':
      return typeof m.sessionId === 'string' ? { type: 'openSession', id, sessionId: m.sessionId } : undefined;
    case 'exportCsv':
      return typeof m.table === 'string' && Object.hasOwn(TABLES, m.table) && isRange(m.days) ? { type: 'exportCsv', id, table: m.table as UsageTable, days: m.days } : undefined;
  }
  return undefined;
}
