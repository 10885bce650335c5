/**
 * How sessions and transcripts look to MCP callers: snake_case JSON for structured content, and
 * short readable text for the models that only read `content`.
 */
import type { ErrorInfo, SessionRecord, TurnMetrics } from '../core/session/types.js';
import { fixHow } from './fixes.js';
import { ms, usd } from './units.js';

export interface SessionSummary {
  session_id: string;
  title: string;
  state: SessionRecord['state'];
  cwd: string;
  workspace_folder: string;
  origin: SessionRecord['origin'];
  model?: string;
  permission_mode?: string;
  cli_session_id?: string;
  parent_id?: string;
  created_at: string;
  updated_at: string;
  ended_at?: string;
  metrics: {
    turns: number;
    cost_usd: number;
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_creation_input_tokens: number;
    tool_calls: number;
    duration_ms: number;
  };
  error?: ErrorSummary;
  worktree?: WorktreeSummary;
}

/** A session's error for MCP callers: `fix` names the remedy, `fix_how` says how to apply it here. */
export interface ErrorSummary {
  code: string;
  message: string;
  hint?: string;
  fix?: string;
  fix_how?: string;
}

export function errorSummary(e: ErrorInfo): ErrorSummary {
  const how = fixHow(e.fix);
  return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.fix ? { fix: e.fix } : {}), ...(how ? { fix_how: how } : {}) };
}

/** The error in one line of text: `[CODE] message hint fix`. */
export function errorLine(e: ErrorInfo): string {
  return [`[${e.code}] ${e.message}`, e.hint, fixHow(e.fix)].filter(Boolean).join(' ');
}

export interface WorktreeSummary {
  isolated: boolean;
  path: string;
  branch?: string;
  base: string;
  discarded?: boolean;
}

export function worktreeSummary(w: NonNullable<SessionRecord['worktree']>): WorktreeSummary {
  return { isolated: w.isolation === 'worktree', path: w.root, ...(w.branch ? { branch: w.branch } : {}), base: w.base, ...(w.removedAt ? { discarded: true } : {}) };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function sessionSummary(r: SessionRecord): SessionSummary {
  const m = r.metrics;
  return {
    session_id: r.id,
    title: r.title,
    state: r.state,
    cwd: r.cwd,
    workspace_folder: r.workspaceFolder,
    origin: r.origin,
    ...(r.model ? { model: r.model } : {}),
    ...(r.options.permissionMode ? { permission_mode: r.options.permissionMode } : {}),
    ...(r.cliSessionId ? { cli_session_id: r.cliSessionId } : {}),
    ...(r.parentId ? { parent_id: r.parentId } : {}),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    ...(r.endedAt ? { ended_at: iso(r.endedAt) } : {}),
    metrics: {
      turns: m.turns,
      cost_usd: usd(m.costUsd),
      input_tokens: m.inputTokens,
      output_tokens: m.outputTokens,
      cache_read_input_tokens: m.cacheReadInputTokens,
      cache_creation_input_tokens: m.cacheCreationInputTokens,
      tool_calls: m.toolCalls,
      duration_ms: ms(m.durationMs),
    },
    ...(r.error ? { error: errorSummary(r.error) } : {}),
    ...(r.worktree ? { worktree: worktreeSummary(r.worktree) } : {}),
  };
}

export function sessionLine(r: SessionRecord): string {
  const cost = r.metrics.costUsd > 0 ? `, $${r.metrics.costUsd.toFixed(4)}` : '';
  const branch = r.worktree?.branch ? ` on ${r.worktree.branch}` : '';
  return `${r.id}  [${r.state}]  "${r.title}"  in ${r.cwd}${branch} (${r.metrics.turns} turn${r.metrics.turns === 1 ? '' : 's'}${cost})`;
}

export interface TurnFigures {
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  duration_ms: number;
  num_turns: number;
}

export function turnFigures(m: TurnMetrics): TurnFigures {
  return {
    cost_usd: usd(m.costUsd),
    input_tokens: m.inputTokens,
    output_tokens: m.outputTokens,
    cache_read_input_tokens: m.cacheReadInputTokens,
    cache_creation_input_tokens: m.cacheCreationInputTokens,
    duration_ms: ms(m.durationMs),
    num_turns: m.numTurns,
  };
}

export function figuresLine(f: TurnFigures): string {
  return `$${f.cost_usd.toFixed(4)} · ${f.input_tokens} in / ${f.output_tokens} out tokens (cache ${f.cache_read_input_tokens} read, ${f.cache_creation_input_tokens} written) · ${(f.duration_ms / 1000).toFixed(1)} s`;
}
