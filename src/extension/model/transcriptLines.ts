/**
 * A session's messages as the lines of its output channel: what was asked, what Claude said,
 * which tools it ran with which inputs, what they returned (trimmed), and what the turn cost.
 * Pure: the same function formats a live message and a stored transcript entry.
 */
import { classifyMessage, type JsonObject } from '../../core/protocol/messages.js';
import { safeText } from '../../core/transcript/safeText.js';
import { formatCost, formatDuration, formatTokens, oneLine } from './format.js';

export type LineLevel = 'info' | 'warn' | 'error' | 'debug';

export interface OutputLine {
  level: LineLevel;
  text: string;
}

export const TOOL_INPUT_MAX = 400;
export const TOOL_RESULT_MAX = 600;

/**
 * `direction` as the session engine uses it: `in` is what the CLI printed, `out` what Shannon
 * wrote to its stdin.
 */
export function transcriptLines(direction: 'in' | 'out', raw: unknown): OutputLine[] {
  return linesOf(direction, raw).map((l) => ({ level: l.level, text: safeText(l.text) }));
}

function linesOf(direction: 'in' | 'out', raw: unknown): OutputLine[] {
  if (!isObject(raw)) return [];
  const m = classifyMessage(raw);
  if (direction === 'out') return outboundLines(m.kind, raw);
  switch (m.kind) {
    case 'init': {
      const msg = raw as JsonObject;
      const tools = Array.isArray(msg.tools) ? msg.tools.length : 0;
      const version = str(msg.claude_code_version);
      return [
        {
          level: 'info',
          text: `Claude Code${version ? ` ${version}` : ''} started: model ${str(msg.model) ?? '?'}, permission mode ${str(msg.permissionMode) ?? '?'}, ${tools} tools, cwd ${str(msg.cwd) ?? '?'}`,
        },
      ];
    }
    case 'assistant':
      return assistantLines(raw);
    case 'user':
      return toolResultLines(raw);
    case 'result':
      return [resultLine(raw)];
    case 'system': {
      const subtype = str(raw.subtype) ?? '';
      if (subtype === 'api_retry') {
        return [{ level: 'warn', text: `API retry ${num(raw.attempt) ?? '?'}/${num(raw.max_retries) ?? '?'}${raw.error_status ? ` after HTTP ${String(raw.error_status)}` : ''}` }];
      }
      return [{ level: 'debug', text: `system/${subtype}` }];
    }
    case 'compact_boundary':
      return [{ level: 'info', text: 'Conversation compacted' }];
    case 'control_request': {
      const request = isObject(raw.request) ? raw.request : {};
      if (request.subtype === 'can_use_tool') {
        return [{ level: 'warn', text: `Permission asked: ${str(request.tool_name) ?? 'tool'} ${clip(JSON.stringify(request.input ?? {}), TOOL_INPUT_MAX)}` }];
      }
      return [{ level: 'debug', text: `control request ${str(request.subtype) ?? ''}` }];
    }
    case 'control_cancel_request':
      return [{ level: 'info', text: 'Permission request withdrawn by Claude Code' }];
    case 'stream_event':
    case 'control_response':
      return [];
    case 'unknown':
      return [{ level: 'debug', text: `(${str(raw.type) ?? 'untyped'} message)` }];
  }
}

function outboundLines(kind: string, raw: JsonObject): OutputLine[] {
  if (kind === 'user') {
    const message = isObject(raw.message) ? raw.message : {};
    const text = contentText(message.content);
    return text ? [{ level: 'info', text: `› You: ${text}` }] : [];
  }
  if (kind === 'control_response') {
    const response = isObject(raw.response) ? raw.response : {};
    const inner = isObject(response.response) ? response.response : {};
    if (inner.behavior === 'allow') return [{ level: 'info', text: 'Permission: allowed' }];
    if (inner.behavior === 'deny') return [{ level: 'info', text: `Permission: denied${str(inner.message) ? ` (${oneLine(str(inner.message)!, 200)})` : ''}` }];
    return [];
  }
  if (kind === 'control_request') {
    const request = isObject(raw.request) ? raw.request : {};
    const subtype = str(request.subtype);
    if (subtype === 'interrupt') return [{ level: 'info', text: 'Interrupt sent' }];
    if (subtype === 'initialize') return [];
    return subtype ? [{ level: 'debug', text: `control request ${subtype}` }] : [];
  }
  return [];
}

function assistantLines(raw: JsonObject): OutputLine[] {
  const message = isObject(raw.message) ? raw.message : {};
  const content = Array.isArray(message.content) ? message.content : [];
  const lines: OutputLine[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string' && block.text.trim()) {
      lines.push({ level: 'info', text: `Claude: ${block.text.trim()}` });
    } else if (block.type === 'tool_use') {
      lines.push({ level: 'info', text: `Tool ${str(block.name) ?? '?'}: ${clip(JSON.stringify(block.input ?? {}), TOOL_INPUT_MAX)}` });
    } else if (block.type === 'thinking' && typeof block.thinking === 'string' && block.thinking.trim()) {
      lines.push({ level: 'debug', text: `Thinking: ${oneLine(block.thinking, 200)}` });
    }
  }
  return lines;
}

function toolResultLines(raw: JsonObject): OutputLine[] {
  const message = isObject(raw.message) ? raw.message : {};
  if (!Array.isArray(message.content)) return [];
  const lines: OutputLine[] = [];
  for (const block of message.content) {
    if (!isObject(block) || block.type !== 'tool_result') continue;
    const text = contentText(block.content);
    const isError = block.is_error === true;
    lines.push({ level: isError ? 'warn' : 'info', text: `${isError ? 'Tool error' : 'Tool result'}: ${clip(text, TOOL_RESULT_MAX) || '(empty)'}` });
  }
  return lines;
}

function resultLine(raw: JsonObject): OutputLine {
  const usage = isObject(raw.usage) ? raw.usage : {};
  const figures = [
    formatCost(num(raw.total_cost_usd) ?? 0),
    formatDuration(num(raw.duration_ms) ?? 0),
    `${formatTokens(num(usage.input_tokens) ?? 0)} in / ${formatTokens(num(usage.output_tokens) ?? 0)} out tokens`,
  ].join(', ');
  const subtype = str(raw.subtype) ?? '';
  if (raw.is_error === true || subtype !== 'success') {
    const why = str(raw.result) ?? (Array.isArray(raw.errors) ? raw.errors.map(String).join('; ') : subtype);
    return { level: 'error', text: `Turn failed (${subtype}): ${oneLine(why ?? '', 300)} — ${figures}` };
  }
  return { level: 'info', text: `Turn done — ${figures}` };
}

/** The readable text of a message `content`: a string, or text blocks joined. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : isObject(b) && b.type === 'image' ? '[image]' : ''))
    .filter(Boolean)
    .join('\n');
}

/** Cut to `max` characters, saying how much was left out. */
export function clip(s: string, max: number): string {
  const t = s.trim();
  if (t.length <= max) return t;
  return `${t.slice(0, max)}… (${t.length - max} more characters)`;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
