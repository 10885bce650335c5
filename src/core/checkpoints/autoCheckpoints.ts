/**
 * Automatic checkpoints: the files are snapshotted before each turn and again when it ends, and
 * the checkpoint is kept only if the turn changed a file — named from its prompt, listing the
 * files it changed, holding both snapshots (a turn's review compares them, see turnEdits.ts). A
 * chat-only turn leaves nothing behind (its snapshots are freed), so the list reads as "what each
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
  /** The seq of the turn's result, once stored (it is, just after the turn-end event). */
  endSeq?: number;
}

export interface AutoCheckpointsDeps {
  service: Pick<CheckpointService, 'prepare'>;
  snapshots: Pick<WorkspaceSnapshots, 'snapshot' | 'compare' | 'forget'>;
  store: Pick<SessionStore, 'addCheckpoint'>;
  manager: Pick<SessionManager, 'onDidMessage' | 'onDidEndTurn'>;
  points: ConversationPoints;
  /** A turn's checkpoint could not be kept (the snapshot or the comparison failed). */
  onError(err: unknown): void;
}

export class AutoCheckpoints implements Disposable {
  private readonly pending = new Map<string, PendingTurn>();
  /** Turns that ended and are being settled: their result's seq arrives after the end event. */
  private readonly ending = new Map<string, PendingTurn>();
  private readonly disposables = new DisposableStore();

  constructor(private readonly deps: AutoCheckpointsDeps) {
    this.disposables.add(
      deps.manager.onDidMessage((e) => {
        const turn = this.pending.get(e.sessionId);
        if (turn && turn.prompt === undefined && e.direction === 'out' && e.message.kind === 'user') turn.prompt = messageText(e.message.message);
        const ended = this.ending.get(e.sessionId);
        if (ended && ended.endSeq === undefined && e.direction === 'in' && e.message.kind === 'result' && e.entry) ended.endSeq = e.entry.seq;
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
    if (unsettled) await this.forget(unsettled.folder, [unsettled.checkpoint.snapshotRef!]);
  }

  /** The turn ended: snapshot the files as it left them; keep its checkpoint if a file changed. */
  private async settle(sessionId: string): Promise<void> {
    const turn = this.pending.get(sessionId);
    if (!turn) return;
    this.pending.delete(sessionId);
    this.ending.set(sessionId, turn);
    const before = turn.checkpoint.snapshotRef!;
    let after: string | undefined;
    try {
      const label = turn.prompt?.trim() ? oneLine(turn.prompt, LABEL_MAX) : turn.checkpoint.label;
      after = (await this.deps.snapshots.snapshot(turn.folder, `After: ${label}`)).ref;
      const changes = await this.deps.snapshots.compare(turn.folder, before, after);
      if (changes.length === 0) return await this.forget(turn.folder, [before, after]);
      const checkpoint: Checkpoint = { ...turn.checkpoint, label, changedFiles: changes.map((c) => c.path), afterRef: after };
      if (turn.endSeq !== undefined) checkpoint.endSeq = turn.endSeq;
      this.deps.store.addCheckpoint(checkpoint);
    } catch (err) {
      this.deps.onError(err);
      await this.forget(turn.folder, after ? [before, after] : [before]);
    } finally {
      if (this.ending.get(sessionId) === turn) this.ending.delete(sessionId);
    }
  }

  private async forget(folder: string, refs: string[]): Promise<void> {
    await this.deps.snapshots.forget(folder, refs).catch((err: unknown) => this.deps.onError(err));
  }

  dispose(): void {
    this.disposables.dispose();
  }
}
