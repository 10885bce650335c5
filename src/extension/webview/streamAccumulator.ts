/**
 * Turns the CLI's `stream_event` lines (raw API SSE events, with --include-partial-messages)
 * into PartialDeltas for the webview, and remembers what each block in flight has streamed so
 * far: a panel opened mid-reply starts from that sum instead of from the next delta. Pure: no
 * `vscode`.
 */
import type { PartialDelta } from '../../shared/webviewProtocol';

type Json = Record<string, unknown>;

export class StreamAccumulator {
  /** The API message streaming now, per agent (null: the main agent; else the Task tool id). */
  private readonly current = new Map<string | null, string>();
  /** Accumulated blocks in flight, by `messageId:index`. */
  private readonly blocks = new Map<string, PartialDelta>();
  /** Complete blocks per message (the CLI's `assistant` lines come one per block, in order). */
  private readonly completed = new Map<string, number>();

  /** A `stream_event` line → the delta to forward, if it carries one. */
  push(raw: Json): PartialDelta | undefined {
    const event = raw.event as Json | undefined;
    if (!event || typeof event !== 'object') return undefined;
    const parent = typeof raw.parent_tool_use_id === 'string' ? raw.parent_tool_use_id : null;
    switch (event.type) {
      case 'message_start': {
        const id = (event.message as Json | undefined)?.id;
        if (typeof id === 'string') this.current.set(parent, id);
        return undefined;
      }
      case 'content_block_start': {
        const messageId = this.current.get(parent);
        const block = event.content_block as Json | undefined;
        if (!messageId || typeof event.index !== 'number' || !block) return undefined;
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
        const d = event.delta as Json | undefined;
        if (!messageId || typeof event.index !== 'number' || !d) return undefined;
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
      case 'message_stop': {
        this.current.delete(parent);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** The CLI's `assistant` line for a block: that block is complete, forget it. */
  complete(raw: Json): void {
    const message = raw.message as Json | undefined;
    const id = message?.id;
    if (typeof id !== 'string') return;
    const n = Array.isArray(message?.content) ? message.content.length : 1;
    const first = this.completed.get(id) ?? 0;
    for (let i = first; i < first + n; i++) this.blocks.delete(`${id}:${i}`);
    this.completed.set(id, first + n);
  }

  /** The turn is over: nothing is in flight. */
  clear(): void {
    this.current.clear();
    this.blocks.clear();
    this.completed.clear();
  }

  /** Every block in flight with its text so far. */
  snapshot(): PartialDelta[] {
    return [...this.blocks.values()].map((d) => ({ ...d }));
  }
}
