/**
 * How sessions read to people in the tree, the status bar, pickers and tooltips. Pure: no
 * `vscode`, so every wording and threshold is unit-tested in plain Node.
 */
import type { SessionRecord, SessionState } from '../../core/session/types.js';
import { formatCost, formatTokens, STATE_LABELS } from '../../core/format';
import type { McpAccess } from './mcpAccess.js';
import { problemIcon, problemLabel, queueTooltipLines } from './sessionProblems.js';
import type { CheckpointRow } from './sessionTreeModel.js';

export { formatCost, formatDuration, formatTokens, oneLine, STATE_LABELS } from '../../core/format';

/** The tree's state groups, in display order. */
export type StateGroup = 'running' | 'awaiting' | 'queued' | 'idle' | 'finished';
export const STATE_GROUPS: readonly StateGroup[] = ['running', 'awaiting', 'queued', 'idle', 'finished'];

export const GROUP_LABELS: Readonly<Record<StateGroup, string>> = {
  running: 'Running',
  awaiting: 'Awaiting permission',
  queued: 'Queued: waiting for a slot',
  idle: 'Idle',
  finished: 'Finished',
};

export function stateGroup(state: SessionState): StateGroup {
  switch (state) {
    case 'queued':
      return 'queued';
    case 'created':
    case 'starting':
    case 'running':
      return 'running';
    case 'awaiting_permission':
      return 'awaiting';
    case 'idle':
    case 'suspended':
      return 'idle';
    case 'completed':
    case 'failed':
    case 'cancelled':
    case 'timed_out':
    case 'interrupted':
      return 'finished';
  }
}

/** A codicon id and an optional theme colour id (plain strings: the tree turns them into ThemeIcons). */
export interface IconSpec {
  id: string;
  color?: string;
}

export function stateIcon(state: SessionState): IconSpec {
  switch (state) {
    case 'created':
    case 'starting':
    case 'running':
      // The `~spin` modifier animates the codicon: a session at work visibly moves.
      return { id: 'loading~spin' };
    case 'queued':
      return { id: 'clock' };
    case 'awaiting_permission':
      return { id: 'bell-dot', color: 'list.warningForeground' };
    case 'idle':
      return { id: 'comment-discussion' };
    case 'suspended':
      // Its process was ended to save memory; the next message brings one back.
      return { id: 'comment' };
    case 'completed':
      return { id: 'pass', color: 'testing.iconPassed' };
    case 'failed':
      return { id: 'error', color: 'list.errorForeground' };
    case 'cancelled':
      return { id: 'circle-slash' };
    case 'timed_out':
      return { id: 'watch' };
    case 'interrupted':
      return { id: 'debug-disconnect' };
  }
}

/** The tree item's icon: its state's, unless a problem (a failed turn) says more. */
export function sessionIcon(record: SessionRecord): IconSpec {
  return problemIcon(record) ?? stateIcon(record.state);
}

/** "just now", "5m", "3h", "2d", "3w", then a date: short enough for a tree item's description. */
export function formatAge(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h}h`;
  const d = Math.round(h / 24);
  if (d < 14) return `${d}d`;
  if (d < 60) return `${Math.round(d / 7)}w`;
  return new Date(at).toISOString().slice(0, 10);
}

/** "sonnet", "claude-opus-4-8" → shown as given, without the CLI's "[1m]" context suffix. */
export function formatModel(model: string | undefined): string {
  return model ? model.replace(/\[[^\]]*\]$/, '') : '';
}

/** The tree item's description: (shared with MCP ·) model · cost · age. Parts that say nothing are left out. */
export function sessionDescription(record: SessionRecord, now: number): string {
  const parts: string[] = [];
  const problem = problemLabel(record);
  if (problem) parts.push(problem);
  if (record.sharedWithMcp) parts.push('shared with MCP');
  const w = record.worktree;
  if (w?.isolation === 'worktree' && w.branch) parts.push(w.removedAt ? `${w.branch} (discarded)` : w.branch);
  const model = formatModel(record.model);
  if (model) parts.push(model);
  if (record.metrics.costUsd > 0) parts.push(formatCost(record.metrics.costUsd));
  parts.push(formatAge(record.updatedAt, now));
  return parts.join(' · ');
}

/** Markdown for the tree item's tooltip (and the picker's detail line, flattened). */
export function sessionTooltip(record: SessionRecord, now: number, mcp?: McpAccess): string {
  const m = record.metrics;
  const lines = [
    `**${escapeMarkdown(record.title)}**`,
    '',
    `${STATE_LABELS[record.state]} · updated ${formatAge(record.updatedAt, now)}${formatAge(record.updatedAt, now) === 'just now' ? '' : ' ago'}`,
    '',
    `- Model: ${escapeMarkdown(formatModel(record.model) || 'CLI default')}`,
    `- Cost: ${formatCost(m.costUsd)} · ${m.turns} turn${m.turns === 1 ? '' : 's'} · ${m.toolCalls} tool call${m.toolCalls === 1 ? '' : 's'}`,
    `- Tokens: ${formatTokens(m.inputTokens)} in · ${formatTokens(m.outputTokens)} out${m.cacheReadInputTokens ? ` · ${formatTokens(m.cacheReadInputTokens)} cached` : ''}`,
    `- Folder: \`${record.cwd}\``,
    ...worktreeLines(record),
    `- Started: ${new Date(record.createdAt).toLocaleString()}`,
  ];
  if (record.origin !== 'shannon') lines.push(`- Origin: ${record.origin === 'mcp' ? 'an MCP client' : 'imported from Claude Code history'}`);
  if (mcp === 'shared') lines.push('- MCP: shared — MCP clients may steer it');
  if (mcp === 'unshared') lines.push('- MCP: not shared — above what MCP clients may steer; they can only read it');
  if (record.error) lines.push('', `$(error) ${escapeMarkdown(record.error.message)}${record.error.hint ? ` — ${escapeMarkdown(record.error.hint)}` : ''}`);
  lines.push(...queueTooltipLines(record));
  return lines.join('\n');
}

/** How many changed files a checkpoint's tooltip lists before "and N more". */
const TOOLTIP_FILES = 15;

/** Markdown for a checkpoint row's tooltip: its name, when, and the files its turn changed. */
export function checkpointTooltip(c: CheckpointRow): string {
  const lines = [`**${escapeMarkdown(c.label || 'Checkpoint')}**`, '', `${new Date(c.createdAt).toLocaleString()}${c.files !== undefined ? ` · ${c.files} file${c.files === 1 ? '' : 's'} saved` : ''}`];
  const changed = c.changedFiles ?? [];
  if (changed.length) {
    lines.push('', `The turn changed ${changed.length} file${changed.length === 1 ? '' : 's'} (restoring puts them back):`, '');
    lines.push(...changed.slice(0, TOOLTIP_FILES).map((f) => `- \`${f.replaceAll('`', "'")}\``));
    if (changed.length > TOOLTIP_FILES) lines.push(`- and ${changed.length - TOOLTIP_FILES} more`);
  }
  return lines.join('\n');
}

function worktreeLines(record: SessionRecord): string[] {
  const w = record.worktree;
  if (w?.isolation !== 'worktree') return [];
  const back = w.broughtBack ? ` · work ${w.broughtBack.how === 'squash' ? 'merged' : 'applied'} ${new Date(w.broughtBack.at).toLocaleString()}` : '';
  if (w.removedAt) return [`- Worktree: discarded ${new Date(w.removedAt).toLocaleString()} (branch ${escapeMarkdown(w.branch ?? '')})`];
  return [`- Worktree: branch \`${w.branch ?? ''}\` from ${escapeMarkdown(w.target ?? 'HEAD')} at \`${w.base.slice(0, 7)}\`${w.carried ? ' (with your uncommitted changes)' : ''}${back}`];
}

export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** Local midnight of the day `now` falls in: "today's spend" counts turns from here. */
export function startOfLocalDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
