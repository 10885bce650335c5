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
  /** The message as received or sent, untouched. */
  raw: unknown;
}
