/**
 * The words of a turn's review (the panel's offer, the quick pick's rows), apart from the VS Code
 * calls so they are tested in plain Node.
 */
import type { Checkpoint } from '../../core/checkpoints/types.js';
import type { TurnEdit } from '../../core/checkpoints/turnEdits.js';
import type { TurnEditsInfo } from '../../shared/webviewProtocol.js';

/** Why no turn can be reviewed while automatic checkpoints are off: the review is built on them. */
export const REVIEW_NEEDS_CHECKPOINTS = 'Edits cannot be reviewed per turn: automatic checkpoints are off (setting shannon.autoCheckpoint).';

/** What the panel offers: a "Review edits" per turn that kept its checkpoint. */
export function turnEditsInfo(turns: readonly Checkpoint[], autoCheckpoint: boolean): TurnEditsInfo {
  const info: TurnEditsInfo = {
    turns: turns.flatMap((c) => (c.endSeq === undefined ? [] : [{ checkpointId: c.id, endSeq: c.endSeq, files: c.changedFiles?.length ?? 0 }])),
  };
  if (!autoCheckpoint) info.unavailable = REVIEW_NEEDS_CHECKPOINTS;
  return info;
}

const CHANGE_WORDS: Record<TurnEdit['change'], { icon: string; text: string }> = {
  added: { icon: 'diff-added', text: 'created by the turn' },
  modified: { icon: 'diff-modified', text: 'changed by the turn' },
  deleted: { icon: 'diff-removed', text: 'deleted by the turn' },
};

/** A file's row in the review: what the turn did, and what has happened since. */
export function turnEditRow(edit: TurnEdit): { label: string; description: string } {
  const words = CHANGE_WORDS[edit.change];
  const since = edit.reverted ? ' · reverted' : edit.changedSince ? ' · changed again since' : '';
  return { label: `$(${words.icon}) ${edit.path}`, description: `${words.text}${since}` };
}

export function files(n: number): string {
  return `${n} file${n === 1 ? '' : 's'}`;
}

/** The question before a revert would overwrite changes made after the turn. */
export function laterChangesQuestion(paths: readonly string[]): string {
  const which = paths.length === 1 ? `${paths[0]} changed` : `${paths.length} files changed (${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''})`;
  return `${which} after this turn — by a later turn or by you. Reverting puts back the version from before this turn and loses that later change.`;
}
