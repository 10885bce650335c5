/** The transcript domain's own shapes (no `node:` imports: the webview bundle uses them). */

/** One line of a transcript as kept: what the CLI said, or what Shannon sent it. */
export interface TranscriptEntry {
  sessionId: string;
  /** Per-session order, from 0, no gaps. */
  seq: number;
  at: number;
  direction: 'in' | 'out';
  /** `type` of the JSON message (`assistant`, `user`, `result`, `system`, …) */
  type: string;
  subtype?: string;
  uuid?: string;
  /**
   * Set on the messages of a subagent (the Agent tool, `Task` in older CLIs): the id of the
   * tool_use that started it. Derived from `raw.parent_tool_use_id` by `parentToolUseIdOf`
   * (entry.ts) when the entry is made and when it is read back, so it is never stored twice.
   */
  parentToolUseId?: string;
  /** The message as received or sent, untouched. */
  raw: unknown;
}
