/**
 * Checkpoints: a conversation point (CLI session id, the last assistant message's uuid, our
 * sequence number) tied to a snapshot of the workspace folder's files. Restoring one puts the
 * files back and starts a new session forked at that point (`--resume <id>
 * --resume-session-at <uuid> --fork-session`), so the conversation really continues from there.
 *
 * Thin on purpose: the store and the session manager are passed in as the two interfaces below.
 */
import { randomUUID } from 'node:crypto';
import { ShannonError } from '../errors.js';
import type { ClaudeRunOptions, SessionRecord } from '../session/types.js';
import { snapshotRefsOf, type Checkpoint } from './types.js';
import type { Snapshot, SnapshotChange, WorkspaceSnapshots } from './workspaceSnapshots.js';

export interface CheckpointStore {
  addCheckpoint(checkpoint: Checkpoint): void | Promise<void>;
  getCheckpoint(id: string): Checkpoint | undefined | Promise<Checkpoint | undefined>;
  listCheckpoints(sessionId: string): Checkpoint[] | Promise<Checkpoint[]>;
  deleteCheckpoint(id: string): void | Promise<void>;
  /** For the workspace folder a checkpoint's files belong to. */
  getSession(id: string): Pick<SessionRecord, 'workspaceFolder'> | undefined | Promise<Pick<SessionRecord, 'workspaceFolder'> | undefined>;
}

/** What the session manager offers: start a session (here, the fork). */
export interface ForkStarter {
  startSession(request: { workspaceFolder: string; options: ClaudeRunOptions; parentId: string; title?: string }): Promise<{ sessionId: string }>;
}

export type SnapshotService = Pick<WorkspaceSnapshots, 'snapshot' | 'diff' | 'restore' | 'forget'>;

export interface CheckpointPoint {
  sessionId: string;
  workspaceFolder: string;
  cliSessionId?: string;
  messageUuid?: string;
  seq: number;
  label: string;
}

export interface RestoreResult {
  checkpoint: Checkpoint;
  restored: string[];
  removed: string[];
  /** The files as they were just before the restore: restoring this undoes it. */
  undo: Snapshot;
  /** The new session, forked at the checkpoint's conversation point. */
  sessionId: string;
}

export class CheckpointService {
  constructor(
    private readonly deps: {
      snapshots: SnapshotService;
      store: CheckpointStore;
      sessions: ForkStarter;
    },
  ) {}

  /** Snapshots the files and keeps the checkpoint. */
  async create(point: CheckpointPoint, signal?: AbortSignal): Promise<{ checkpoint: Checkpoint; snapshot: Snapshot }> {
    const made = await this.prepare(point, signal);
    await this.deps.store.addCheckpoint(made.checkpoint);
    return made;
  }

  /** Snapshots the files; the checkpoint is the caller's to keep (an automatic one waits for its prompt). */
  async prepare(point: CheckpointPoint, signal?: AbortSignal): Promise<{ checkpoint: Checkpoint; snapshot: Snapshot }> {
    const snapshot = await this.deps.snapshots.snapshot(point.workspaceFolder, point.label, signal);
    const checkpoint: Checkpoint = { id: randomUUID(), sessionId: point.sessionId, createdAt: snapshot.createdAt, seq: point.seq, label: point.label, snapshotRef: snapshot.ref, files: snapshot.files };
    if (point.cliSessionId) checkpoint.cliSessionId = point.cliSessionId;
    if (point.messageUuid) checkpoint.messageUuid = point.messageUuid;
    return { checkpoint, snapshot };
  }

  async list(sessionId: string): Promise<Checkpoint[]> {
    return [...(await this.deps.store.listCheckpoints(sessionId))].sort((a, b) => a.seq - b.seq || a.createdAt - b.createdAt);
  }

  /** What a restore would change: shown to the user before they confirm. */
  async preview(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: Checkpoint; changes: SnapshotChange[] }> {
    const { checkpoint, folder, ref } = await this.resolve(checkpointId);
    return { checkpoint, changes: await this.deps.snapshots.diff(folder, ref, signal) };
  }

  async restore(checkpointId: string, signal?: AbortSignal): Promise<RestoreResult> {
    const { checkpoint, folder, ref } = await this.resolve(checkpointId);
    const undo = await this.deps.snapshots.snapshot(folder, `Before restoring "${checkpoint.label || checkpoint.id}"`, signal);
    const { restored, removed } = await this.deps.snapshots.restore(folder, ref, signal);
    const request: Parameters<ForkStarter['startSession']>[0] = { workspaceFolder: folder, options: forkOptions(checkpoint), parentId: checkpoint.sessionId };
    if (checkpoint.label) request.title = checkpoint.label;
    const { sessionId } = await this.deps.sessions.startSession(request);
    return { checkpoint, restored, removed, undo, sessionId };
  }

  /** Deletes the row and frees its snapshot. */
  async delete(checkpointId: string): Promise<void> {
    const { checkpoint, folder } = await this.resolve(checkpointId);
    await this.deps.store.deleteCheckpoint(checkpointId);
    await this.deps.snapshots.forget(folder, snapshotRefsOf(checkpoint));
  }

  private async resolve(id: string): Promise<{ checkpoint: Checkpoint; folder: string; ref: string }> {
    const checkpoint = await this.deps.store.getCheckpoint(id);
    if (!checkpoint) {
      throw new ShannonError('INVALID_ARGUMENT', `No checkpoint ${id}.`, 'It may have been pruned with its session; list the session’s checkpoints again.');
    }
    const folder = (await this.deps.store.getSession(checkpoint.sessionId))?.workspaceFolder;
    if (!folder || !checkpoint.snapshotRef) {
      throw new ShannonError('CHECKPOINT_FAILED', `Checkpoint "${checkpoint.label || id}" has no snapshot of the workspace files.`, 'Pick another checkpoint.');
    }
    return { checkpoint, folder, ref: checkpoint.snapshotRef };
  }
}

/**
 * The run options of the session a restore starts. Before the CLI's first reply there is no
 * conversation to fork: the new session starts fresh, like the original did.
 */
export function forkOptions(checkpoint: Pick<Checkpoint, 'cliSessionId' | 'messageUuid'>): ClaudeRunOptions {
  if (!checkpoint.cliSessionId || !checkpoint.messageUuid) return {};
  return { resume: checkpoint.cliSessionId, resumeAt: checkpoint.messageUuid, forkSession: true };
}
