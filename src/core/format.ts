/**
 * Figures and words both faces show (the tree, status bar and output channels in the host, the
 * session panel in the webview): one implementation, so a cost or a duration reads the same
 * everywhere. Pure and DOM-free, so both bundles import it.
 */
import type { QueueWait, SessionState } from './session/types';

export function formatCost(usd: number): string {
  if (!Number.isFinite(usd) || usd <= 0) return '$0.00';
  // Under a cent, four decimals: test runs and short turns cost that.
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** One line, at most `max` characters, whitespace collapsed, `…` where cut. */
export function oneLine(s: string, max = 120): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export const STATE_LABELS: Readonly<Record<SessionState, string>> = {
  created: 'Created',
  queued: 'Queued',
  starting: 'Starting',
  running: 'Running',
  awaiting_permission: 'Awaiting permission',
  idle: 'Idle',
  suspended: 'Idle (suspended)',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
  interrupted: 'Interrupted',
};

/** Time until a moment, short: "45m", "2h 10m", "3d 4h"; "under a minute" near it. */
export function formatTimeLeft(ms: number): string {
  if (!Number.isFinite(ms) || ms < 60_000) return 'under a minute';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A utilization percentage as read aloud and shown: "85%", "0.5%" under one. */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p > 0 && p < 1 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** Why a queued session waits and what frees it: the same words in the tree, the panel and MCP. */
export function queueWaitText(wait: QueueWait | undefined): string {
  if (!wait) return 'Queued: waiting for a free slot in this folder.';
  const ahead = wait.position > 1 ? ` ${wait.position - 1} queued ahead of it.` : '';
  return `Queued: ${wait.busy} at work in this folder, limit ${wait.limit} — it starts when one of them finishes its turn.${ahead}`;
}

/** The local calendar day of a time, `YYYY-MM-DD`: how turns are grouped per day. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
