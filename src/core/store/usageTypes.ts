/** What the store's usage-dashboard queries return (metaDb.rolledUpUsage, turnsBetween). */
import type { Usage } from '../session/types';

/** One (local day, model, workspace folder) cell of summed usage. */
export interface UsageCell extends Usage {
  /** `YYYY-MM-DD`, the local day the turns were recorded on. */
  day: string;
  /** As recorded ('' unknown): fold with core/usage/models.ts. */
  model: string;
  workspaceFolder: string;
  costUsd: number;
  turns: number;
}

/** One turn's figures with its time and place. */
export interface UsageTurn extends Usage {
  sessionId: string;
  /** `YYYY-MM-DD`, the local day the turn was recorded on. */
  day: string;
  turn: number;
  endedAt: number;
  durationMs: number;
  model: string;
  workspaceFolder: string;
  costUsd: number;
}
