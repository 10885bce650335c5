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
import type { ClaudeRunOptions } from '../session/types.js';
import type { Snapshot, SnapshotChange, WorkspaceSnapshots } from './workspaceSnapshots.js';

export interface Checkpoint {
  id: string;
  /** Shannon's session id. */
  sessionId: string;
  /** The CLI session the conversation point belongs to; absent before the CLI's first `system/init`. */
  cliSessionId?: string;
  /** The last assistant message's uuid at that point; absent before the first reply. */
  messageUuid?: string;
  /** Our transcript sequence number at that point. */
  seq: number;
  workspaceFolder: string;
  snapshotRef: string;
  label: string;
  createdAt: number;
  files: number;
}

/** What the store offers for checkpoints. */
export interface CheckpointStore {
  addCheckpoint(checkpoint: Checkpoint): void | Promise<void>;
  getCheckpoint(id: string): Checkpoint | undefined | Promise<Checkpoint | undefined>;
  listCheckpoints(sessionId: string): Checkpoint[] | Promise<Checkpoint[]>;
}

/** What the session manager offers: start a session (here, the fork). */
export interface ForkStarter {
  startSession(request: { workspaceFolder: string; options: ClaudeRunOptions; parentId: string; title?: string }): Promise<{ sessionId: string }>;
}

export type SnapshotService = Pick<WorkspaceSnapshots, 'snapshot' | 'diff' | 'restore'>;

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
      now?: () => number;
    },
  ) {}

  /** Called by the session manager before each turn that can edit files. */
  async create(point: Omit<Checkpoint, 'id' | 'snapshotRef' | 'createdAt' | 'files'>, signal?: AbortSignal): Promise<Checkpoint> {
    const snap = await this.deps.snapshots.snapshot(point.workspaceFolder, point.label, signal);
    const checkpoint: Checkpoint = {
      ...point,
      id: randomUUID(),
      snapshotRef: snap.ref,
      createdAt: this.deps.now?.() ?? snap.createdAt,
      files: snap.files,
    };
    await this.deps.store.addCheckpoint(checkpoint);
    return checkpoint;
  }

  async list(sessionId: string): Promise<Checkpoint[]> {
    return [...(await this.deps.store.listCheckpoints(sessionId))].sort((a, b) => a.seq - b.seq || a.createdAt - b.createdAt);
  }

  /** What a restore would change: shown to the user before they confirm. */
  async preview(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: Checkpoint; changes: SnapshotChange[] }> {
    const checkpoint = await this.get(checkpointId);
    return { checkpoint, changes: await this.deps.snapshots.diff(checkpoint.workspaceFolder, checkpoint.snapshotRef, signal) };
  }

  async restore(checkpointId: string, signal?: AbortSignal): Promise<RestoreResult> {
    const checkpoint = await this.get(checkpointId);
    const folder = checkpoint.workspaceFolder;
    const undo = await this.deps.snapshots.snapshot(folder, `Before restoring "${checkpoint.label}"`, signal);
    const { restored, removed } = await this.deps.snapshots.restore(folder, checkpoint.snapshotRef, signal);
    const { sessionId } = await this.deps.sessions.startSession({
      workspaceFolder: folder,
      options: forkOptions(checkpoint),
      parentId: checkpoint.sessionId,
      title: checkpoint.label,
    });
    return { checkpoint, restored, removed, undo, sessionId };
  }

  private async get(id: string): Promise<Checkpoint> {
    const checkpoint = await this.deps.store.getCheckpoint(id);
    if (!checkpoint) {
      throw new ShannonError('INVALID_ARGUMENT', `No checkpoint ${id}.`, 'It may have been pruned with its session; list the session’s checkpoints again.');
    }
    return checkpoint;
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
