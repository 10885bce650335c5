/**
 * A checkpoint, the one shape the store keeps, the core returns and the MCP tools and the
 * extension show: a conversation point (CLI session id, last assistant message, transcript seq)
 * tied to a snapshot of the session's files.
 */
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
}
