/** Shapes the store's callers pass and get back. Session shapes live in ../session/types. */
import type { SessionState } from '../session/types';
export type { Checkpoint } from '../checkpoints/types';

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
