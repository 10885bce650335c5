/**
 * Checkpoints of sessions: each tied to the session's live conversation point and to the folder
 * its files are in (its worktree when it has one). Restoring forks the session at that point.
 */
import { ShannonError } from '../errors.js';
import type { Disposable } from '../lifecycle.js';
import type { SessionManager } from '../session/manager.js';
import type { SessionStore } from '../store/index.js';
import { sessionFilesFolder } from '../worktrees/sessionWorktrees.js';
import { AutoCheckpoints } from './autoCheckpoints.js';
import { CheckpointService } from './checkpointService.js';
import { ConversationPoints } from './conversationPoints.js';
import { TurnEdits } from './turnEdits.js';
import type { Checkpoint, Checkpoints } from './types.js';
import type { WorkspaceSnapshots } from './workspaceSnapshots.js';

export class SessionCheckpoints implements Checkpoints {
  private readonly service: CheckpointService;
  private readonly points: ConversationPoints;
  private readonly turnEdits: TurnEdits;

  constructor(
    private readonly store: SessionStore,
    private readonly snapshots: WorkspaceSnapshots,
    private readonly manager: SessionManager,
  ) {
    this.points = new ConversationPoints(store);
    this.turnEdits = new TurnEdits({
      checkpoint: (id) => store.getCheckpoint(id),
      checkpoints: (id) => store.listCheckpoints(id),
      snapshots,
      folderOf: (c) => this.folderOf(c),
    });
    this.service = new CheckpointService({
      snapshots,
      store: {
        addCheckpoint: (c) => store.addCheckpoint(c),
        getCheckpoint: (id) => store.getCheckpoint(id),
        listCheckpoints: (id) => store.listCheckpoints(id),
        deleteCheckpoint: (id) => store.deleteCheckpoint(id),
        getSession: (id) => {
          const r = manager.get(id);
          return r && { workspaceFolder: sessionFilesFolder(r) };
        },
      },
      sessions: {
        startSession: async (request) => {
          const parent = manager.get(request.parentId);
          const record = request.options.resume
            ? await manager.fork(request.parentId, { ...(request.title ? { title: request.title } : {}), ...(request.options.resumeAt ? { resumeAt: request.options.resumeAt } : {}) })
            : await manager.create({
                workspaceFolder: parent?.workspaceFolder ?? request.workspaceFolder,
                cwd: parent?.cwd,
                options: parent?.options,
                title: request.title ?? `${parent?.title ?? 'Session'} (restored)`,
                ...(parent?.worktree ? { worktree: parent.worktree } : {}),
              });
          return { sessionId: record.id };
        },
      },
    });
  }

  /** Follows every session's conversation point from the message stream. */
  track(): Disposable {
    return this.manager.onDidMessage((e) => this.points.observe(e));
  }

  /** Checkpoints before each turn, kept for the turns that change files. */
  automatic(onError: (err: unknown) => void): AutoCheckpoints {
    return new AutoCheckpoints({ service: this.service, snapshots: this.snapshots, store: this.store, manager: this.manager, points: this.points, onError });
  }

  async create(sessionId: string, label?: string, signal?: AbortSignal): Promise<Checkpoint> {
    const session = this.manager.get(sessionId);
    if (!session) throw new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${sessionId}".`, 'List the sessions to find the right id.');
    const point = await this.points.of(sessionId);
    const { checkpoint } = await this.service.create(
      {
        sessionId,
        workspaceFolder: sessionFilesFolder(session),
        cliSessionId: session.cliSessionId,
        messageUuid: point.messageUuid,
        seq: point.seq,
        label: label?.trim() || `Checkpoint after turn ${session.metrics.turns}`,
      },
      signal,
    );
    return checkpoint;
  }

  list(sessionId: string): Promise<Checkpoint[]> {
    return this.service.list(sessionId);
  }

  preview(checkpointId: string, signal?: AbortSignal) {
    return this.service.preview(checkpointId, signal);
  }

  async restore(checkpointId: string, signal?: AbortSignal) {
    const result = await this.service.restore(checkpointId, signal);
    // The fork shows the history it continues (forkPoint.ts) by this link.
    const checkpoint = { ...result.checkpoint, forks: [...(result.checkpoint.forks ?? []), result.sessionId] };
    this.store.addCheckpoint(checkpoint);
    return { checkpoint, restored: result.restored, removed: result.removed, sessionId: result.sessionId };
  }

  get(checkpointId: string): Checkpoint | undefined {
    return this.store.getCheckpoint(checkpointId);
  }

  async fileAt(checkpointId: string, file: string): Promise<Uint8Array | null> {
    const checkpoint = this.store.getCheckpoint(checkpointId);
    if (!checkpoint?.snapshotRef) throw new ShannonError('INVALID_ARGUMENT', `No checkpoint ${checkpointId}.`);
    return this.snapshots.fileAt(this.folderOf(checkpoint), checkpoint.snapshotRef, file);
  }

  delete(checkpointId: string): Promise<void> {
    return this.service.delete(checkpointId);
  }

  editedTurns(sessionId: string): Checkpoint[] {
    return this.turnEdits.turns(sessionId);
  }

  reviewTurn(checkpointId: string, signal?: AbortSignal) {
    return this.turnEdits.review(checkpointId, signal);
  }

  revertTurn(checkpointId: string, files?: readonly string[], options?: { overwriteLaterChanges?: boolean; signal?: AbortSignal }) {
    return this.turnEdits.revert(checkpointId, files, options);
  }

  folderOf(checkpoint: Pick<Checkpoint, 'sessionId'>): string {
    const session = this.manager.get(checkpoint.sessionId);
    return session ? sessionFilesFolder(session) : '';
  }
}
