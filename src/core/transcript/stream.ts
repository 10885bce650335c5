/**
 * The CLI's `stream_event` lines (raw API SSE events, with --include-partial-messages) as
 * deltas of content blocks, and what each block in flight has streamed so far: a view opened
 * mid-reply starts from that sum instead of from the next delta. Used by the session panels and
 * by MCP's turn watch alike. No `node:` imports.
 */
import { BlockIndex } from './blocks';
import { isObject, type Json } from './values';

/**
 * A streamed piece of an assistant content block, keyed by the API message id and the block's
 * index in that message. `text` is appended to what came before for the same key; `block`
 * comes with a block's start (and is repeated when coalescing, harmlessly).
 */
export interface PartialDelta {
  messageId: string;
  index: number;
  block: 'text' | 'thinking' | 'tool_use';
  /** tool_use: the tool's name, from content_block_start. */
  name?: string;
  /** tool_use: its id, from content_block_start. */
  toolUseId?: string;
  /** Set when this block belongs to a subagent (Task tool). */
  parentToolUseId?: string | null;
  /** Appended text: text_delta, thinking_delta, or input_json_delta's partial JSON. */
  text: string;
}

export class StreamAccumulator {
  /** The API message streaming now, per agent (null: the main agent; else the Task tool id). */
  private readonly current = new Map<string | null, string>();
  /** Accumulated blocks in flight, by `messageId:index`. */
  private readonly blocks = new Map<string, PartialDelta>();
  private readonly complete_ = new BlockIndex();

  /** A `stream_event` line → the delta it carries, if any. */
  push(raw: Json): PartialDelta | undefined {
    const event = raw.event;
    if (!isObject(event)) return undefined;
    const parent = typeof raw.parent_tool_use_id === 'string' ? raw.parent_tool_use_id : null;
    switch (event.type) {
      case 'message_start': {
        const id = isObject(event.message) ? event.message.id : undefined;
        if (typeof id === 'string') this.current.set(parent, id);
        return undefined;
      }
      case 'content_block_start': {
        const messageId = this.current.get(parent);
        const block = event.content_block;
        if (!messageId || typeof event.index !== 'number' || !isObject(block)) return undefined;
        const kind = block.type === 'thinking' || block.type === 'redacted_thinking' ? 'thinking' : block.type === 'tool_use' || block.type === 'server_tool_use' ? 'tool_use' : block.type === 'text' ? 'text' : undefined;
        if (!kind) return undefined;
        const delta: PartialDelta = { messageId, index: event.index, block: kind, text: '', parentToolUseId: parent };
        if (kind === 'tool_use') {
          if (typeof block.name === 'string') delta.name = block.name;
          if (typeof block.id === 'string') delta.toolUseId = block.id;
        }
        if (kind === 'text' && typeof block.text === 'string') delta.text = block.text;
        this.blocks.set(`${messageId}:${event.index}`, { ...delta });
        return delta;
      }
      case 'content_block_delta': {
        const messageId = this.current.get(parent);
        const d = event.delta;
        if (!messageId || typeof event.index !== 'number' || !isObject(d)) return undefined;
        const text = d.type === 'text_delta' ? d.text : d.type === 'thinking_delta' ? d.thinking : d.type === 'input_json_delta' ? d.partial_json : undefined;
        if (typeof text !== 'string' || !text) return undefined;
        const held = this.blocks.get(`${messageId}:${event.index}`);
        if (!held) return undefined;
        held.text += text;
        const out: PartialDelta = { messageId, index: event.index, block: held.block, text, parentToolUseId: parent };
        if (held.name) out.name = held.name;
        if (held.toolUseId) out.toolUseId = held.toolUseId;
        return out;
      }
      case 'message_stop':
        this.current.delete(parent);
        return undefined;
      default:
        return undefined;
    }
  }

  /** The CLI's `assistant` line for a block: that block is complete, forget it. */
  complete(raw: Json): void {
    const message = isObject(raw.message) ? raw.message : undefined;
    const id = message?.id;
    if (typeof id !== 'string') return;
    const n = Array.isArray(message?.content) ? message.content.length : 1;
    const first = this.complete_.take(id, n);
    for (let i = first; i < first + n; i++) this.blocks.delete(`${id}:${i}`);
  }

  /** The turn is over: nothing is in flight. */
  clear(): void {
    this.current.clear();
    this.blocks.clear();
    this.complete_.clear();
  }

  /** Every block in flight with its text so far. */
  snapshot(): PartialDelta[] {
    return [...this.blocks.values()].map((d) => ({ ...d }));
  }

  /** The main agent's text blocks in flight, joined: what a reply has said so far. */
  streamingText(): string {
    return [...this.blocks.values()]
      .filter((d) => d.block === 'text' && d.parentToolUseId === null)
      .map((d) => d.text)
      .join('');
  }
}
