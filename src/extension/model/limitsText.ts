/**
 * What the status bar says about the plan's limits: the five-hour window's utilization and the
 * time to its reset, a warning past `shannon.usage.warnAtPercent`, and — with an API key, where
 * there are no plan limits — why only cost is shown. Pure, so every wording is unit-tested.
 */
import { currentWindow, type LimitWindow, type PlanLimitsState } from '../../core/usage/planLimits.js';
import { formatPercent, formatTimeLeft } from '../../core/format';

export type LimitsSeverity = 'none' | 'warning' | 'error';

export interface LimitsStatus {
  /** The status bar part, e.g. "$(pulse) 5h 64% · 1h 52m"; undefined when there is nothing to show. */
  text?: string;
  severity: LimitsSeverity;
  /** Markdown lines for the tooltip. */
  tooltip: string[];
  /** For screen readers, a sentence. */
  spoken: string;
}

export function limitsStatus(state: PlanLimitsState, now: number, warnAtPercent: number): LimitsStatus {
  if (state.availability === 'unavailable') {
    return { severity: 'none', tooltip: [`Plan limits: none to show. ${state.reason ?? ''}`.trim()], spoken: 'no plan limits, cost only' };
  }
  const five = currentWindow(state, 'five_hour', now);
  const week = currentWindow(state, 'seven_day', now);
  if (state.availability === 'unknown' || (!five && !week)) {
    const stale = state.availability === 'available' && state.windows.five_hour?.resetsAt !== undefined;
    return {
      severity: 'none',
      tooltip: [stale ? 'Plan limits: the five-hour window has reset; figures return with the next turn.' : 'Plan limits: not known yet. A claude.ai (Pro or Max) login reports them after a turn.'],
      spoken: stale ? 'five-hour window reset' : 'plan limits not known yet',
    };
  }
  const tooltip: string[] = [];
  if (five) tooltip.push(windowLine('Five-hour window', five, now));
  if (week) tooltip.push(windowLine('Weekly window', week, now));
  for (const kind of ['seven_day_opus', 'seven_day_sonnet'] as const) {
    const w = currentWindow(state, kind, now);
    if (w) tooltip.push(windowLine(kind === 'seven_day_opus' ? 'Weekly Opus window' : 'Weekly Sonnet window', w, now));
  }
  const shown = five ?? week!;
  const label = five ? '5h' : '7d';
  const utilization = shown.utilization;
  const rejected = shown.status === 'rejected' || (utilization !== undefined && utilization >= 100);
  const warned = !rejected && (shown.status === 'allowed_warning' || (utilization !== undefined && utilization >= warnAtPercent));
  const severity: LimitsSeverity = rejected ? 'error' : warned ? 'warning' : 'none';
  const icon = rejected ? '$(error)' : warned ? '$(warning)' : '$(pulse)';
  const figure = rejected ? 'limit reached' : utilization !== undefined ? formatPercent(utilization) : shown.status === 'allowed_warning' ? 'near limit' : 'in use';
  const left = shown.resetsAt !== undefined ? ` · ${formatTimeLeft(shown.resetsAt - now)}` : '';
  if (warned) tooltip.push(`$(warning) Past ${warnAtPercent}% (setting \`shannon.usage.warnAtPercent\`).`);
  return {
    text: `${icon} ${label} ${figure}${left}`,
    severity,
    tooltip,
    spoken: `${five ? 'five-hour' : 'weekly'} plan window ${rejected ? 'limit reached' : utilization !== undefined ? `${Math.round(utilization)} percent used` : 'in use'}${shown.resetsAt !== undefined ? `, resets in ${formatTimeLeft(shown.resetsAt - now)}` : ''}`,
  };
}

function windowLine(name: string, w: LimitWindow, now: number): string {
  const used = w.status === 'rejected' ? 'limit reached' : w.utilization !== undefined ? `${formatPercent(w.utilization)} used` : 'in use';
  const reset = w.resetsAt !== undefined ? `, resets ${resetClock(w.resetsAt, now)} (in ${formatTimeLeft(w.resetsAt - now)})` : '';
  return `${name}: ${used}${reset}`;
}

/** "at 16:00" today, "tomorrow at 00:30", "Thu 16:00" within a week, else the date. */
function resetClock(at: number, now: number): string {
  const d = new Date(at);
  const time = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (new Date(now).toDateString() === d.toDateString()) return `at ${time}`;
  const tomorrow = new Date(now);
  tomorrow.setDate(tomorrow.getDate() + 1);
  if (tomorrow.toDateString() === d.toDateString()) return `tomorrow at ${time}`;
  if (at - now < 6 * 86_400_000) return `${d.toLocaleDateString('en-US', { weekday: 'short' })} ${time}`;
  return d.toISOString().slice(0, 10);
}
