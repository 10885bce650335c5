/**
 * Where each session's conversation could be forked now: its last assistant message that ends
 * cleanly. `--resume-session-at <uuid>` keeps the history up to and including that message, so
 * a message holding a tool call is never a point: the call's result comes after it, and the
 * fork would open on a call without a result (the CLI fills in "[Tool result missing due to
 * internal error]").
 */
import type { SessionMessageEvent } from '../session/session.js';
import type { TranscriptEntry } from '../session/types.js';
import type { SessionStore } from '../store/index.js';
import { contentBlocks } from '../transcript/blocks.js';
import { parentToolUseIdOf } from '../transcript/entry.js';
import { isObject } from '../transcript/values.js';

export interface ConversationPoint {
  /** The assistant message to resume at; none before the CLI's first reply. */
  messageUuid?: string;
  /** That message's transcript seq, or the last entry's when there is no message yet. */
  seq: number;
}

/** A top-level assistant message without tool calls: resuming at it leaves no call unanswered. */
export function isForkPoint(entry: Pick<TranscriptEntry, 'type' | 'uuid' | 'raw'>): boolean {
  if (entry.type !== 'assistant' || !entry.uuid || !isObject(entry.raw)) return false;
  if (parentToolUseIdOf(entry.raw) !== undefined) return false;
  return !contentBlocks(entry.raw).some((b) => b.type === 'tool_use');
}

export class ConversationPoints {
  private readonly points = new Map<string, ConversationPoint>();

  constructor(private readonly store: Pick<SessionStore, 'readTranscriptTail'>) {}

  observe(e: SessionMessageEvent): void {
    if (!e.entry) return;
    const point = this.points.get(e.sessionId) ?? { seq: -1 };
    if (isForkPoint(e.entry)) this.points.set(e.sessionId, { messageUuid: e.entry.uuid!, seq: e.entry.seq });
    else if (!point.messageUuid) this.points.set(e.sessionId, { seq: e.entry.seq });
  }

  /** The point now: from the stream when this process saw the session, else from its transcript. */
  async of(sessionId: string): Promise<ConversationPoint> {
    const seen = this.points.get(sessionId);
    if (seen) return seen;
    const [message] = (await this.store.readTranscriptTail(sessionId, { limit: 1, filter: isForkPoint })).entries;
    if (message) return { messageUuid: message.uuid!, seq: message.seq };
    const [last] = (await this.store.readTranscriptTail(sessionId, { limit: 1 })).entries;
    return { seq: last?.seq ?? -1 };
  }
}
