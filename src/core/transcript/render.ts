/**
 * One way to read a transcript as text: the session's output channel (with a level per line) and
 * the MCP tools' text (the same lines, debug ones left out) both come from here. Stateful per
 * stream of entries in order, because two things only make sense in sequence: the CLI reports
 * cost as a running total per process, and it repeats `system/init` before every turn.
 */
import type { TranscriptEntry } from './types';
import { compactText } from './compact';
import { contentBlocks, INTERRUPT_MARKER, isStopped, isStoppedToolResult, messageText, textOf } from './blocks';
import { formatCost, formatDuration, formatTokens, oneLine } from '../format';
import { safeText } from './safeText';
import { subagentEvent, type SubagentEvent } from './subagents';
import { TurnCostCounter } from './turnCost';
import { clip, isObject, num, safeJson, str, type Json } from './values';

export type LineLevel = 'info' | 'warn' | 'error' | 'debug';

export interface RenderedLine {
  level: LineLevel;
  text: string;
}

export const TOOL_INPUT_MAX = 400;
export const TOOL_RESULT_MAX = 600;

type Entry = Pick<TranscriptEntry, 'direction' | 'type' | 'raw' | 'parentToolUseId'>;

/** What a subagent's lines (its messages and its task_* progress) start with, under its Agent call. */
export const SUBAGENT_PREFIX = '  ↳ [agent] ';

/** Feed it a session's entries in order; each call returns that entry's lines (often none). */
export class TranscriptRenderer {
  /** The CLI's cost is a running total per process: a turn's share (turnCost.ts). */
  private readonly turnCost = new TurnCostCounter();
  private lastInit: string | undefined;
  /** Set by processStarted(): the next init opens a new process and is worth its line. */
  private freshProcess = false;

  /** A new `claude` process starts (a resume, a wake): its first init is shown even if unchanged. */
  processStarted(): void {
    this.freshProcess = true;
  }

  /** The entry's lines, with terminal control sequences and bidi overrides made inert (safeText). */
  render(entry: Entry): RenderedLine[] {
    const lines = this.lines(entry);
    const nested = entry.parentToolUseId !== undefined;
    for (const line of lines) line.text = safeText(nested ? SUBAGENT_PREFIX + line.text : line.text);
    return lines;
  }

  private lines(entry: Entry): RenderedLine[] {
    const raw = entry.raw;
    if (!isObject(raw)) return [];
    if (entry.direction === 'out') return outbound(raw);
    switch (raw.type) {
      case 'assistant':
        return assistantLines(raw);
      case 'user':
        return userLines(raw);
      case 'result':
        return [this.resultLine(raw)];
      case 'system':
        return this.systemLines(raw);
      case 'control_request':
        return controlRequestLines(raw);
      case 'control_cancel_request':
        return [{ level: 'info', text: 'Permission request withdrawn by Claude Code' }];
      case 'stream_event':
      case 'control_response':
        return [];
      default:
        return [{ level: 'debug', text: `(${str(raw.type) || 'untyped'} message)` }];
    }
  }

  private resultLine(raw: Json): RenderedLine {
    const usage = isObject(raw.usage) ? raw.usage : {};
    const cost = this.turnCost.next(raw);
    const figures = [
      ...(cost !== undefined ? [formatCost(cost)] : []),
      formatDuration(num(raw.duration_ms)),
      `${formatTokens(num(usage.input_tokens))} in / ${formatTokens(num(usage.output_tokens))} out tokens`,
    ].join(' · ');
    if (isStopped(raw)) return { level: 'info', text: `■ Turn stopped by you · ${figures}` };
    if (raw.is_error === true) {
      const subtype = str(raw.subtype);
      const errors = Array.isArray(raw.errors) ? raw.errors.map(String).filter(Boolean).join('; ') : '';
      const why = errors || str(raw.result);
      return { level: 'error', text: `■ Turn failed${subtype && subtype !== 'success' ? ` (${subtype})` : ''}${why ? `: ${oneLine(why, 300)}` : ''} · ${figures}` };
    }
    return { level: 'info', text: `■ Turn done · ${figures}` };
  }

  private systemLines(raw: Json): RenderedLine[] {
    const task = subagentEvent(raw);
    if (task) return [subagentLine(task)];
    const subtype = str(raw.subtype);
    switch (subtype) {
      case 'init': {
        const tools = Array.isArray(raw.tools) ? raw.tools.length : 0;
        const version = str(raw.claude_code_version);
        const text = `Claude Code${version ? ` ${version}` : ''} started: model ${str(raw.model) || '?'}, permission mode ${str(raw.permissionMode) || '?'}, ${tools} tools, cwd ${str(raw.cwd) || '?'}`;
        // Printed again before every turn: worth a line once per process, or when something in it changed.
        if (text === this.lastInit && !this.freshProcess) return [];
        this.lastInit = text;
        this.freshProcess = false;
        return [{ level: 'info', text }];
      }
      case 'api_retry': {
        const status = raw.error_status !== undefined && raw.error_status !== null ? ` (HTTP ${String(raw.error_status)})` : '';
        return [{ level: 'warn', text: `API retry ${num(raw.attempt)}/${num(raw.max_retries)}: ${str(raw.error) || 'error'}${status}` }];
      }
      case 'compact_boundary':
        return [{ level: 'info', text: compactText(raw) }];
      default:
        return [{ level: 'debug', text: `system/${subtype}` }];
    }
  }
}

export { isStopped };

/** The MCP tools' reading of entries: every line but debug ones. */
export function renderText(entries: readonly Entry[], renderer = new TranscriptRenderer()): string {
  return entries
    .flatMap((e) => renderer.render(e))
    .filter((l) => l.level !== 'debug')
    .map((l) => l.text)
    .join('\n');
}

export function permissionAskLine(toolName: string, input: unknown): RenderedLine {
  return { level: 'warn', text: `Permission asked: ${toolName} ${clip(safeJson(input ?? {}), TOOL_INPUT_MAX)}` };
}

export function permissionAnswerLine(decision: { behavior: string; message?: string } | undefined): RenderedLine {
  if (!decision) return { level: 'info', text: 'Permission request withdrawn' };
  if (decision.behavior === 'allow') return { level: 'info', text: 'Permission: allowed' };
  return { level: 'info', text: `Permission: denied${decision.message ? ` (${oneLine(decision.message, 200)})` : ''}` };
}

function outbound(raw: Json): RenderedLine[] {
  switch (raw.type) {
    case 'user': {
      const text = messageText(raw);
      return text ? [{ level: 'info', text: `You: ${text}` }] : [];
    }
    case 'control_response': {
      const response = isObject(raw.response) ? raw.response : {};
      const inner = isObject(response.response) ? response.response : undefined;
      return inner && typeof inner.behavior === 'string' ? [permissionAnswerLine({ behavior: inner.behavior, message: str(inner.message) })] : [];
    }
    case 'control_request': {
      const subtype = isObject(raw.request) ? str(raw.request.subtype) : '';
      if (subtype === 'interrupt') return [{ level: 'info', text: 'Stop requested' }];
      return subtype && subtype !== 'initialize' ? [{ level: 'debug', text: `control request ${subtype}` }] : [];
    }
    default:
      return [];
  }
}

function assistantLines(raw: Json): RenderedLine[] {
  const lines: RenderedLine[] = [];
  const failed = typeof raw.error === 'string';
  for (const block of contentBlocks(raw)) {
    if (block.type === 'text' && typeof block.text === 'string' && block.text.trim()) {
      lines.push({ level: failed ? 'error' : 'info', text: `Claude: ${block.text.trim()}` });
    } else if (block.type === 'tool_use') {
      lines.push({ level: 'info', text: `→ ${str(block.name) || 'tool'}: ${clip(safeJson(block.input ?? {}), TOOL_INPUT_MAX)}` });
    } else if (block.type === 'thinking' && typeof block.thinking === 'string' && block.thinking.trim()) {
      lines.push({ level: 'debug', text: `Thinking: ${oneLine(block.thinking, 200)}` });
    }
  }
  return lines;
}

function userLines(raw: Json): RenderedLine[] {
  const lines: RenderedLine[] = [];
  for (const block of contentBlocks(raw)) {
    if (block.type === 'tool_result' && isStoppedToolResult(raw.tool_use_result)) {
      lines.push({ level: 'info', text: '← stopped by you before it finished' });
    } else if (block.type === 'tool_result') {
      const text = clip(textOf(block.content).text, TOOL_RESULT_MAX) || '(empty)';
      lines.push(block.is_error === true ? { level: 'warn', text: `← error: ${text}` } : { level: 'info', text: `← result: ${text}` });
    } else if (block.type === 'text' && typeof block.text === 'string') {
      const text = block.text.trim();
      if (INTERRUPT_MARKER.test(text)) lines.push({ level: 'info', text: 'Stopped by you' });
      else if (text && !text.startsWith('<') && raw.isReplay !== true) lines.push({ level: 'info', text });
    }
  }
  return lines;
}

function subagentLine(task: SubagentEvent): RenderedLine {
  const figures = task.figures
    ? ` · ${task.figures.toolUses} tool use${task.figures.toolUses === 1 ? '' : 's'} · ${formatTokens(task.figures.totalTokens)} tokens · ${formatDuration(task.figures.durationMs)}`
    : '';
  switch (task.kind) {
    case 'started':
      return { level: 'info', text: `${SUBAGENT_PREFIX}started${task.subagentType ? ` (${task.subagentType})` : ''}: ${task.text}` };
    case 'progress':
      return { level: 'debug', text: `${SUBAGENT_PREFIX}${task.text || 'working'}${figures}` };
    case 'updated':
      return { level: 'debug', text: `${SUBAGENT_PREFIX}${task.status ?? 'updated'}` };
    case 'finished':
      return { level: task.status === 'failed' ? 'warn' : 'info', text: `${SUBAGENT_PREFIX}${task.status}: ${task.text}${figures}` };
  }
}

function controlRequestLines(raw: Json): RenderedLine[] {
  const request = isObject(raw.request) ? raw.request : {};
  if (request.subtype === 'can_use_tool') return [permissionAskLine(str(request.tool_name) || 'tool', request.input)];
  return [{ level: 'debug', text: `control request ${str(request.subtype)}` }];
}
