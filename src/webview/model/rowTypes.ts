/**
 * The rows of the transcript (TranscriptModel, transcript.ts): what a person reads, one row per
 * user turn, content block, turn footer or notice. Plain data: the renderer (render/rows.ts)
 * draws them.
 */
import type { Json } from '../../core/transcript/values';
import type { SubagentView } from './subagentRuns';
import type { ToolResultView } from './toolResult';

export type { ToolResultView };

export interface RowBase {
  key: string;
  /** Bumped on every change of the row's content. */
  rev: number;
  /** Transcript seq of the entry the row came from (undefined while only streamed). */
  seq?: number;
  /** Set for rows produced inside a subagent: the id of the Agent (Task) tool call that runs it. */
  parentToolUseId?: string;
  /** A fork's row from its parent's history (shown dimmed, above "forked here"). */
  inherited?: true;
}

export interface UserRow extends RowBase {
  kind: 'user';
  text: string;
  /** Images attached to the turn. */
  images: number;
}

export interface TextRow extends RowBase {
  kind: 'text';
  text: string;
  streaming: boolean;
  /** A synthetic reply (API errors are reported by the CLI as `<synthetic>` assistant text). */
  isError: boolean;
}

export interface ThinkingRow extends RowBase {
  kind: 'thinking';
  text: string;
  streaming: boolean;
}

export interface ToolRow extends RowBase {
  kind: 'tool';
  toolUseId: string;
  name: string;
  /** The parsed input once the block is complete. */
  input?: Json;
  /** The input JSON as streamed so far (while `streaming`). */
  inputText: string;
  streaming: boolean;
  result?: ToolResultView;
  /** An Agent (Task) call: its subagent's progress and figures; its rows follow, nested under it. */
  subagent?: SubagentView;
}

export interface ResultRow extends RowBase {
  kind: 'result';
  subtype: string;
  isError: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** This turn's cost (the CLI reports a running total per process). */
  costUsd: number;
  durationMs: number;
  numTurns: number;
  /** Why it failed, for error subtypes. */
  errors: string[];
  terminalReason?: string;
  /** The user stopped the turn: neither done nor failed. */
  stopped: boolean;
  /** Files the turn's edit tool calls named (since the previous result): whether it edited files. */
  editedFiles: number;
}

export interface NoticeRow extends RowBase {
  kind: 'notice';
  level: 'info' | 'warning' | 'error';
  /** A codicon name. */
  icon: string;
  text: string;
}

export interface InitRow extends RowBase {
  kind: 'init';
  model: string;
  cwd: string;
  version: string;
  permissionMode: string;
}

export type Row = UserRow | TextRow | ThinkingRow | ToolRow | ResultRow | NoticeRow | InitRow;
export type RowKind = Row['kind'];
