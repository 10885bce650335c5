/**
 * Content blocks of the CLI's messages (`message.content`): text, thinking, tool uses and their
 * results, and what about a tool call is worth showing. Shapes: sdk.d.ts (messages) and
 * sdk-tools.d.ts (tool inputs). No `node:` imports: the webview bundle uses them too.
 */
import { isObject, str, type Json } from './values';

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Json;
}

export interface ToolResultBlock {
  toolUseId: string;
  /** The result's text (text blocks joined). */
  text: string;
  isError: boolean;
  images: number;
}

/** Tools whose input is a change to one file (a diff editor can show it, a review can revert it). */
export const FILE_EDIT_TOOLS: ReadonlySet<string> = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);

/** File edits whose result text can be computed from the input alone: a diff editor shows them. */
export const DIFF_TOOLS: ReadonlySet<string> = new Set(['Edit', 'MultiEdit', 'Write']);

/** The file a file-editing tool call changes, as the CLI was given it (maybe relative). */
export function editedFile(name: string, input: Json | undefined): string | undefined {
  if (!input || !FILE_EDIT_TOOLS.has(name)) return undefined;
  return str(input.file_path) || str(input.notebook_path) || undefined;
}

/** `message.content` of a message line: its blocks (a string content is one text block). */
export function contentBlocks(raw: unknown): Json[] {
  const message = isObject(raw) && isObject(raw.message) ? raw.message : undefined;
  const content = message?.content;
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isObject) : [];
}

/** Text blocks joined by newlines, and how many images there were. */
export function textOf(content: unknown): { text: string; images: number } {
  if (typeof content === 'string') return { text: content, images: 0 };
  if (!Array.isArray(content)) return { text: '', images: 0 };
  const parts: string[] = [];
  let images = 0;
  for (const b of content) {
    if (!isObject(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    else if (b.type === 'image') images++;
  }
  return { text: parts.join('\n'), images };
}

/** The text of a message line's content, images as `[image]`. */
export function messageText(raw: unknown): string {
  const { text, images } = textOf(isObject(raw) && isObject(raw.message) ? raw.message.content : undefined);
  return images ? [text, ...Array.from({ length: images }, () => '[image]')].filter(Boolean).join('\n') : text;
}

export function toolUses(raw: unknown): ToolUseBlock[] {
  return contentBlocks(raw).flatMap((b) =>
    b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string' ? [{ type: 'tool_use' as const, id: b.id, name: b.name, input: isObject(b.input) ? b.input : {} }] : [],
  );
}

export function toolResults(raw: unknown): ToolResultBlock[] {
  return contentBlocks(raw).flatMap((b) => {
    if (b.type !== 'tool_result' || typeof b.tool_use_id !== 'string') return [];
    const { text, images } = textOf(b.content);
    return [{ toolUseId: b.tool_use_id, text, isError: b.is_error === true, images }];
  });
}

/** The one line that says what a tool call does (a command, a file, a pattern…), '' if nothing stands out. */
export function toolInputSummary(name: string, input: Json | undefined): string {
  if (!input) return '';
  const s = (k: string) => str(input[k]);
  switch (name) {
    case 'Bash':
      return s('command');
    case 'Read':
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit':
      return s('file_path') || s('notebook_path');
    case 'Glob':
    case 'Grep':
      return [s('pattern'), s('path')].filter(Boolean).join(' in ');
    case 'WebFetch':
      return s('url');
    case 'WebSearch':
      return s('query');
    case 'Task':
    case 'Agent':
      return s('description') || s('prompt');
    case 'TodoWrite':
      return Array.isArray(input.todos) ? `${input.todos.length} items` : '';
    default: {
      const first = Object.values(input).find((v) => typeof v === 'string');
      return typeof first === 'string' ? first : '';
    }
  }
}

/**
 * The CLI prints an assistant message as one line per content block, all under the message's
 * id, so a block's index in its message is how many blocks of that id came before. Streamed
 * deltas carry the same index: the panel and the stream accumulator pair them through this.
 */
export class BlockIndex {
  private readonly seen = new Map<string, number>();

  /** Counts `n` more complete blocks of `messageId`; returns the index of the first of them. */
  take(messageId: string, n = 1): number {
    const first = this.seen.get(messageId) ?? 0;
    this.seen.set(messageId, first + n);
    return first;
  }

  /** Blocks of `messageId` complete so far: deltas for a lower index are late and ignored. */
  completed(messageId: string): number {
    return this.seen.get(messageId) ?? 0;
  }

  clear(): void {
    this.seen.clear();
  }
}

export const INTERRUPT_MARKER = /^\[Request interrupted by user( for tool use)?\]$/;

/**
 * A tool call the user stopped (Stop during the call, or a permission denied with "stop"): the
 * CLI answers it with a canned "The user doesn't want to proceed… STOP…" text meant for the
 * model, and marks the message's `tool_use_result` with this string.
 */
export function isStoppedToolResult(toolUseResult: unknown): boolean {
  return toolUseResult === 'User rejected tool use';
}

/** An interrupt the user asked for ends the turn with `terminal_reason: aborted_*`: a stop, not a failure. */
export function isStopped(result: Record<string, unknown>): boolean {
  return typeof result.terminal_reason === 'string' && result.terminal_reason.startsWith('aborted');
}
