/** A tool call's result as its card shows it (the model pairs it with the call). */
import { isStoppedToolResult, textOf } from '../../core/transcript/blocks';
import type { Json } from '../../core/transcript/values';
import type { PanelEntry } from '../../shared/webviewProtocol';

export interface ToolResultView {
  /** The result's text (text blocks joined). */
  content: string;
  isError: boolean;
  /** Bash: the command's own streams, when the CLI reports them apart. */
  stdout?: string;
  stderr?: string;
  interrupted?: boolean;
  /** The user stopped the call (its content is the CLI's canned note to the model). */
  stopped?: boolean;
  images: number;
  /** The host cut the output: the whole of it is entry `seq` (fetch it with `fullEntry`). */
  truncated?: { seq: number };
}

/** The result `block` of `entry`, with what the CLI's `tool_use_result` adds (Bash's own streams, a stop). */
export function resultView(entry: PanelEntry, block: Json, toolUseResult: unknown): ToolResultView {
  const { text, images } = textOf(block.content);
  const stopped = isStoppedToolResult(toolUseResult);
  const result: ToolResultView = { content: text, isError: block.is_error === true && !stopped, images, ...(stopped ? { stopped } : {}) };
  if (typeof toolUseResult === 'object' && toolUseResult !== null) {
    const r = toolUseResult as Json;
    if (typeof r.stdout === 'string') result.stdout = r.stdout;
    if (typeof r.stderr === 'string') result.stderr = r.stderr;
    if (r.interrupted === true) result.interrupted = true;
  }
  if (entry.trimmed) result.truncated = { seq: entry.seq };
  return result;
}
