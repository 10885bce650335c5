/** Shapes the store's callers pass and get back. Session shapes live in ../session/types. */
import type { SessionState } from '../session/types';

/** A conversation point plus a pointer to the files snapshot (made by the checkpoints module). */
export interface CheckpointRecord {
  id: string;
  sessionId: string;
  createdAt: number;
  /** The CLI session to resume from (`--resume`). */
  cliSessionId?: string;
  /** The last message kept (`--resume-session-at`). */
  messageUuid?: string;
  /** The transcript seq of that message. */
  seq: number;
  label?: string;
  /** Opaque to the store: where the snapshot of the workspace files lives. */
  snapshotRef?: string;
}

export interface SessionFilter {
  workspaceFolder?: string;
  states?: readonly SessionState[];
  limit?: number;
}

export interface UsageQuery {
  groupBy: 'day' | 'workspaceFolder' | 'model';
  /** Turns that ended at or after this time (ms since epoch). */
  since?: number;
  /** Turns that ended before this time. */
  until?: number;
}

export interface UsageRow {
  /** `YYYY-MM-DD` (local day where the turn was recorded), the folder path, or the model ('' if unknown). */
  key: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  costUsd: number;
  turns: number;
}

export interface SearchOptions {
  limit?: number;
  workspaceFolder?: string;
  signal?: AbortSignal;
}

export interface SearchHit {
  sessionId: string;
  seq: number;
  /** BM25: higher is better; comparable within one result list. */
  score: number;
  /** The message text around the first match, `…` where cut. */
  snippet: string;
  /** [start, end) of each matched word inside `snippet`. */
  highlights: Array<[number, number]>;
}

export interface PrunePolicy {
  /** Remove sessions last updated more than this many days ago. */
  maxAgeDays?: number;
  /** Then remove the oldest until transcripts take at most this many bytes. */
  maxBytes?: number;
}
