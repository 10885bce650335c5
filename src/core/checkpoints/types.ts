/**
 * A checkpoint, the one shape the store keeps, the core returns and the MCP tools and the
 * extension show: a conversation point (CLI session id, last assistant message, transcript seq)
 * tied to a snapshot of the session's files.
 */
import type { RevertOutcome, TurnReview } from './turnEdits.js';
import type { SnapshotChange } from './workspaceSnapshots.js';

export interface Checkpoint {
  id: string;
  sessionId: string;
  createdAt: number;
  /** The CLI session to resume from (`--resume`). */
  cliSessionId?: string;
  /** The last message kept (`--resume-session-at`). */
  messageUuid?: string;
  /** The transcript seq of that message. */
  seq: number;
  /** What the user finds it by ('' when none was given). */
  label: string;
  /** Where the snapshot of the files lives (a commit in the shadow repository). */
  snapshotRef?: string;
  /** Files the snapshot holds; unknown for checkpoints made before Shannon kept the count. */
  files?: number;
  /** An automatic checkpoint's turn: the files it changed (what a restore would put back). */
  changedFiles?: string[];
  /** The sessions restoring it started: each continues the conversation from here. */
  forks?: string[];
  /**
   * An automatic checkpoint's turn: a snapshot of the files as the turn left them, so that a
   * review can tell a later change (another turn's, the user's) from the turn's own.
   */
  afterRef?: string;
  /** An automatic checkpoint's turn: the transcript seq of its result, where the panel offers its review. */
  endSeq?: number;
}

/** The snapshots a checkpoint holds on to: freed with it. */
export function snapshotRefsOf(checkpoint: Pick<Checkpoint, 'snapshotRef' | 'afterRef'>): string[] {
  return [checkpoint.snapshotRef, checkpoint.afterRef].filter((ref): ref is string => typeof ref === 'string');
}

/** Checkpoints of sessions, as the composition root offers them to the extension and MCP. */
export interface Checkpoints {
  /** One checkpoint, or undefined when there is none with that id. */
  get(checkpointId: string): Checkpoint | undefined;
  create(sessionId: string, label?: string, signal?: AbortSignal): Promise<Checkpoint>;
  /** A session's checkpoints in conversation order. */
  list(sessionId: string): Promise<Checkpoint[]>;
  /** The folder a checkpoint's files belong to (the session's worktree when it has one). */
  folderOf(checkpoint: Pick<Checkpoint, 'sessionId'>): string;
  /** What restoring would change; changes nothing. */
  preview(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: Checkpoint; changes: SnapshotChange[] }>;
  /** Files back as they were, and a new session forked at that conversation point. */
  restore(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: Checkpoint; restored: string[]; removed: string[]; sessionId: string }>;
  /** A file's bytes at the checkpoint (null: it did not exist then), for a diff editor. */
  fileAt(checkpointId: string, file: string): Promise<Uint8Array | null>;
  delete(checkpointId: string): Promise<void>;
  /** A session's turns whose edits can be reviewed, oldest first (turnEdits.ts). */
  editedTurns(sessionId: string): Checkpoint[];
  /** The files one turn changed, and which changed again since. */
  reviewTurn(checkpointId: string, signal?: AbortSignal): Promise<TurnReview>;
  /** Some (default all) of a turn's files back as before it; files changed since only when told. */
  revertTurn(checkpointId: string, files?: readonly string[], options?: { overwriteLaterChanges?: boolean; signal?: AbortSignal }): Promise<RevertOutcome>;
}
