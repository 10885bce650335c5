/**
 * Reviewing what one turn did to the files, after the fact: in `acceptEdits` (or bypass) nothing
 * asked before each edit, so the turn's automatic checkpoint is the record of it. It holds two
 * snapshots — before the turn and as the turn left the files (autoCheckpoints.ts) — so a review
 * knows which files the turn changed and how, which of them changed again since (a later turn,
 * the user), and can put any of them back as they were before the turn.
 *
 * No second snapshot mechanism: everything here is WorkspaceSnapshots over those two refs.
 */
import { ShannonError } from '../errors.js';
import type { Checkpoint } from './types.js';
import type { FileChange, WorkspaceSnapshots } from './workspaceSnapshots.js';

export interface TurnEdit {
  /** Relative to the session's folder, `/`-separated. */
  path: string;
  /** What the turn did to it: `added` (created), `modified`, `deleted`. */
  change: FileChange;
  /** The file is as it was before the turn again (reverted, by Shannon or by hand). */
  reverted: boolean;
  /** The file changed after the turn ended (and is not simply reverted): a revert loses that change. */
  changedSince: boolean;
}

export interface TurnReview {
  checkpoint: Checkpoint;
  /** The folder the paths are in (the session's worktree when it has one). */
  folder: string;
  files: TurnEdit[];
}

export type RevertOutcome =
  /** Done: files written back as before the turn, files the turn created removed. */
  | { kind: 'reverted'; restored: string[]; removed: string[] }
  /** Nothing done: these files changed after the turn; ask, then revert with `overwriteLaterChanges`. */
  | { kind: 'changed-since'; files: string[] };

export interface TurnEditsDeps {
  checkpoint(checkpointId: string): Checkpoint | undefined;
  checkpoints(sessionId: string): Checkpoint[];
  snapshots: Pick<WorkspaceSnapshots, 'diff' | 'compare' | 'restore'>;
  /** The folder a checkpoint's files belong to ('' when its session is gone). */
  folderOf(checkpoint: Checkpoint): string;
}

/** A turn whose edits can be reviewed: an automatic checkpoint that kept how the turn ended. */
export function isReviewableTurn(checkpoint: Checkpoint): boolean {
  return !!checkpoint.snapshotRef && !!checkpoint.afterRef && (checkpoint.changedFiles?.length ?? 0) > 0;
}

export class TurnEdits {
  constructor(private readonly deps: TurnEditsDeps) {}

  /** A session's turns that edited files, oldest first. */
  turns(sessionId: string): Checkpoint[] {
    return this.deps.checkpoints(sessionId).filter(isReviewableTurn).sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  /** The files the turn changed, each with what it did and whether it changed again since. */
  async review(checkpointId: string, signal?: AbortSignal): Promise<TurnReview> {
    const { checkpoint, folder, before, after } = this.resolve(checkpointId);
    const turn = await this.deps.snapshots.compare(folder, before, after, signal);
    const sinceBefore = new Set((await this.deps.snapshots.diff(folder, before, signal)).map((c) => c.path));
    const sinceAfter = new Set((await this.deps.snapshots.diff(folder, after, signal)).map((c) => c.path));
    const files = turn.map(({ path, change }) => {
      const reverted = !sinceBefore.has(path);
      return { path, change, reverted, changedSince: !reverted && sinceAfter.has(path) };
    });
    return { checkpoint, folder, files };
  }

  /**
   * Puts `files` (default: every file of the turn) back as they were before it: content and mode
   * written back, a file the turn created removed, one it deleted restored. A file that changed
   * after the turn is never overwritten silently: without `overwriteLaterChanges` nothing is done
   * and those files are named.
   */
  async revert(checkpointId: string, files?: readonly string[], options: { overwriteLaterChanges?: boolean; signal?: AbortSignal } = {}): Promise<RevertOutcome> {
    const { signal } = options;
    const review = await this.review(checkpointId, signal);
    const known = new Set(review.files.map((f) => f.path));
    const unknown = (files ?? []).filter((f) => !known.has(f));
    if (unknown.length > 0) {
      throw new ShannonError(
        'INVALID_ARGUMENT',
        `The turn "${review.checkpoint.label}" did not change ${unknown.join(', ')}.`,
        'Review the turn again to see the files it changed.',
      );
    }
    const wanted = new Set(files ?? known);
    const chosen = review.files.filter((f) => wanted.has(f.path) && !f.reverted);
    const changedSince = chosen.filter((f) => f.changedSince).map((f) => f.path);
    if (changedSince.length > 0 && !options.overwriteLaterChanges) return { kind: 'changed-since', files: changedSince };
    if (chosen.length === 0) return { kind: 'reverted', restored: [], removed: [] };
    const { before } = this.resolve(checkpointId);
    const { restored, removed } = await this.deps.snapshots.restore(review.folder, before, signal, chosen.map((f) => f.path));
    return { kind: 'reverted', restored, removed };
  }

  private resolve(checkpointId: string): { checkpoint: Checkpoint; folder: string; before: string; after: string } {
    const checkpoint = this.deps.checkpoint(checkpointId);
    if (!checkpoint) {
      throw new ShannonError('INVALID_ARGUMENT', `No checkpoint ${checkpointId}.`, 'It may have been deleted or pruned with its session.');
    }
    if (!isReviewableTurn(checkpoint)) {
      throw new ShannonError(
        'NOT_SUPPORTED',
        `"${checkpoint.label || checkpoint.id}" is not a turn Shannon can review: it kept no record of how the turn left the files.`,
        'Only turns that edited files while automatic checkpoints were on can be reviewed; restore the checkpoint to go back to it.',
      );
    }
    const folder = this.deps.folderOf(checkpoint);
    if (!folder) throw new ShannonError('SESSION_NOT_FOUND', `The session of "${checkpoint.label}" is gone.`, 'Its files can no longer be reviewed here.');
    return { checkpoint, folder, before: checkpoint.snapshotRef!, after: checkpoint.afterRef! };
  }
}
