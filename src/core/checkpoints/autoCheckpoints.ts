/**
 * Automatic checkpoints: the files are snapshotted before each turn, and the checkpoint is kept
 * only if the turn changed a file — named from its prompt, listing the files it changed. A
 * chat-only turn leaves nothing behind (its snapshot is freed), so the list reads as "what each
 * edit did", not a row per message.
 */
import { oneLine } from '../format.js';
import { DisposableStore, type Disposable } from '../lifecycle.js';
import type { SessionManager } from '../session/manager.js';
import type { SessionRecord } from '../session/types.js';
import type { SessionStore } from '../store/index.js';
import { messageText } from '../transcript/blocks.js';
import { sessionFilesFolder } from '../worktrees/sessionWorktrees.js';
import type { CheckpointService } from './checkpointService.js';
import type { ConversationPoints } from './conversationPoints.js';
import type { Checkpoint } from './types.js';
import type { WorkspaceSnapshots } from './workspaceSnapshots.js';

/** How much of the prompt names the checkpoint. */
const LABEL_MAX = 60;

interface PendingTurn {
  checkpoint: Checkpoint;
  folder: string;
  /** The turn's prompt text, once Shannon has written it. */
  prompt?: string;
}

export interface AutoCheckpointsDeps {
  service: Pick<CheckpointService, 'prepare'>;
  snapshots: Pick<WorkspaceSnapshots, 'diff' | 'forget'>;
  store: Pick<SessionStore, 'addCheckpoint'>;
  manager: Pick<SessionManager, 'onDidMessage' | 'onDidEndTurn'>;
  points: ConversationPoints;
  /** A turn's checkpoint could not be kept (the snapshot or the comparison failed). */
  onError(err: unknown): void;
}

export class AutoCheckpoints implements Disposable {
  private readonly pending = new Map<string, PendingTurn>();
  private readonly disposables = new DisposableStore();

  constructor(private readonly deps: AutoCheckpointsDeps) {
    this.disposables.add(
      deps.manager.onDidMessage((e) => {
        const turn = this.pending.get(e.sessionId);
        if (turn && turn.prompt === undefined && e.direction === 'out' && e.message.kind === 'user') turn.prompt = messageText(e.message.message);
      }),
    );
    this.disposables.add(deps.manager.onDidEndTurn((e) => void this.settle(e.sessionId)));
  }

  /** Snapshots the session's files before its next prompt is written. */
  async beforeTurn(session: SessionRecord): Promise<void> {
    const folder = sessionFilesFolder(session);
    const point = await this.deps.points.of(session.id);
    const turn = session.metrics.turns + 1;
    const { checkpoint } = await this.deps.service.prepare({
      sessionId: session.id,
      workspaceFolder: folder,
      cliSessionId: session.cliSessionId,
      messageUuid: point.messageUuid,
      seq: point.seq,
      label: `Turn ${turn}`,
    });
    const unsettled = this.pending.get(session.id);
    this.pending.set(session.id, { checkpoint, folder });
    if (unsettled) await this.forget(unsettled);
  }

  /** The turn ended: keep its checkpoint if a file changed since the snapshot. */
  private async settle(sessionId: string): Promise<void> {
    const turn = this.pending.get(sessionId);
    if (!turn) return;
    this.pending.delete(sessionId);
    try {
      const changes = await this.deps.snapshots.diff(turn.folder, turn.checkpoint.snapshotRef!);
      if (changes.length === 0) return await this.forget(turn);
      const label = turn.prompt?.trim() ? oneLine(turn.prompt, LABEL_MAX) : turn.checkpoint.label;
      this.deps.store.addCheckpoint({ ...turn.checkpoint, label, changedFiles: changes.map((c) => c.path) });
    } catch (err) {
      this.deps.onError(err);
    }
  }

  private async forget(turn: PendingTurn): Promise<void> {
    await this.deps.snapshots.forget(turn.folder, [turn.checkpoint.snapshotRef!]).catch((err: unknown) => this.deps.onError(err));
  }

  dispose(): void {
    this.disposables.dispose();
  }
}
