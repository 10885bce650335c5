/**
 * One message as a transcript entry: the only place where a message's `type`, `subtype` and
 * `uuid` are read off the raw JSON for keeping, and the rule of which entries are worth showing.
 */
import type { InboundMessage } from '../protocol/messages';
import type { TranscriptEntry } from './types';
import { isObject } from './values';

/** What the store needs to keep a message (it assigns `seq`); `rawText` is the line as received. */
export type EntryDraft = Omit<TranscriptEntry, 'seq'> & { rawText?: string };

/**
 * `message` as classified by protocol/messages; `direction` `in` for what the CLI printed,
 * `out` for what Shannon wrote to it.
 */
export function toEntry(sessionId: string, direction: 'in' | 'out', message: InboundMessage, at: number, rawText?: string): EntryDraft {
  const raw = message.message as unknown as Record<string, unknown>;
  const entry: EntryDraft = { sessionId, at, direction, type: typeof raw.type === 'string' ? raw.type : 'unknown', raw };
  if (rawText !== undefined) entry.rawText = rawText;
  if (typeof raw.subtype === 'string') entry.subtype = raw.subtype;
  if (typeof raw.uuid === 'string') entry.uuid = raw.uuid;
  const parent = parentToolUseIdOf(raw);
  if (parent !== undefined) entry.parentToolUseId = parent;
  return entry;
}

/**
 * The tool_use id of the subagent run a message belongs to (`parent_tool_use_id`: null or absent
 * on the main conversation's messages). The one reader of that field for entries.
 */
export function parentToolUseIdOf(raw: unknown): string | undefined {
  return isObject(raw) && typeof raw.parent_tool_use_id === 'string' && raw.parent_tool_use_id ? raw.parent_tool_use_id : undefined;
}

/**
 * Partial-message fragments are for the screen: the complete `assistant` line that follows holds
 * the same text. They are never stored (and an old transcript that has them skips them).
 */
export function isKept(message: InboundMessage): boolean {
  return message.kind !== 'stream_event';
}

/**
 * `system` subtypes that are progress chatter: in the log at debug level, not on the panel.
 * (`task_progress` is not: the panel shows a subagent's progress on its Agent card.)
 */
const QUIET_SYSTEM = new Set(['status', 'thinking_tokens', 'hook_started', 'hook_progress', 'hook_response']);

/** Entries a transcript view shows as rows (stream events, control traffic and chatter are not). */
export function isDisplayable(entry: Pick<TranscriptEntry, 'type' | 'raw'>): boolean {
  if (!isObject(entry.raw)) return false;
  switch (entry.type) {
    case 'stream_event':
    case 'control_request':
    case 'control_response':
    case 'control_cancel_request':
    case 'keep_alive':
      return false;
    case 'system':
      return !QUIET_SYSTEM.has(String(entry.raw.subtype));
    default:
      return true;
  }
}
