/**
 * How sessions and transcripts look to MCP callers: snake_case JSON for structured content, and
 * short readable text for the models that only read `content`.
 */
import type { SessionRecord, TranscriptEntry, TurnMetrics } from '../core/session/types.js';

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
  error?: { code: string; message: string; hint?: string };
  worktree?: WorktreeSummary;
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
      cost_usd: m.costUsd,
      input_tokens: m.inputTokens,
      output_tokens: m.outputTokens,
      cache_read_input_tokens: m.cacheReadInputTokens,
      cache_creation_input_tokens: m.cacheCreationInputTokens,
      tool_calls: m.toolCalls,
      duration_ms: m.durationMs,
    },
    ...(r.error ? { error: { code: r.error.code, message: r.error.message, ...(r.error.hint ? { hint: r.error.hint } : {}) } } : {}),
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
    cost_usd: m.costUsd,
    input_tokens: m.inputTokens,
    output_tokens: m.outputTokens,
    cache_read_input_tokens: m.cacheReadInputTokens,
    cache_creation_input_tokens: m.cacheCreationInputTokens,
    duration_ms: m.durationMs,
    num_turns: m.numTurns,
  };
}

export function figuresLine(f: TurnFigures): string {
  return `$${f.cost_usd.toFixed(4)} · ${f.input_tokens} in / ${f.output_tokens} out tokens (cache ${f.cache_read_input_tokens} read, ${f.cache_creation_input_tokens} written) · ${(f.duration_ms / 1000).toFixed(1)} s`;
}

// ---- transcripts ------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Partial stream events repeat what the whole `assistant` lines say: readers skip them. */
export function isNoise(entry: TranscriptEntry): boolean {
  return entry.type === 'stream_event';
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (isObject(c) && typeof c.text === 'string' ? c.text : '')).join('');
  return '';
}

/** One entry as the lines a person (or a model) reads; empty when the entry says nothing worth reading. */
export function renderEntry(entry: TranscriptEntry): string[] {
  const raw = isObject(entry.raw) ? entry.raw : {};
  const message = isObject(raw.message) ? raw.message : {};
  const content = message.content;
  switch (entry.type) {
    case 'user': {
      if (entry.direction === 'out') return [`User: ${blockText(content)}`];
      if (!Array.isArray(content)) return typeof content === 'string' && !content.startsWith('<') ? [content] : [];
      const lines: string[] = [];
      for (const block of content) {
        if (!isObject(block)) continue;
        if (block.type === 'tool_result') {
          lines.push(`${block.is_error === true ? '← tool error' : '← tool result'}: ${clip(blockText(block.content).trim(), 500)}`);
        } else if (block.type === 'text' && typeof block.text === 'string' && !block.text.startsWith('<')) {
          lines.push(block.text);
        }
      }
      return lines;
    }
    case 'assistant': {
      if (!Array.isArray(content)) return [];
      const lines: string[] = [];
      for (const block of content) {
        if (!isObject(block)) continue;
        if (block.type === 'text' && typeof block.text === 'string') lines.push(`Claude: ${block.text}`);
        else if (block.type === 'tool_use') lines.push(`→ ${String(block.name)}: ${clip(JSON.stringify(block.input ?? {}), 300)}`);
      }
      return lines;
    }
    case 'result': {
      const usage = isObject(raw.usage) ? raw.usage : {};
      const status = raw.is_error === true ? `ended with an error (${String(raw.subtype)})` : 'ended';
      const errors = Array.isArray(raw.errors) && raw.errors.length ? `: ${clip(raw.errors.map(String).join('; '), 300)}` : '';
      return [`■ Turn ${status}${errors} · ${Number(usage.input_tokens ?? 0)} in / ${Number(usage.output_tokens ?? 0)} out tokens · ${(Number(raw.duration_ms ?? 0) / 1000).toFixed(1)} s`];
    }
    case 'system':
      if (raw.subtype === 'api_retry') return [`[API retry ${String(raw.attempt)}/${String(raw.max_retries)}: ${String(raw.error ?? raw.error_status)}]`];
      if (raw.subtype === 'compact_boundary') return ['[conversation compacted]'];
      return [];
    default:
      return [];
  }
}

export function renderEntries(entries: readonly TranscriptEntry[]): string {
  return entries.flatMap(renderEntry).join('\n');
}
