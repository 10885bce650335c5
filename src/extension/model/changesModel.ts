/**
 * How a session's changes read in the Changes view: one row per file (its name; its folder and
 * +/− lines beside it; a status letter), the view's message (how much changed, on which branch,
 * or why nothing can be shown), and the words `when` clauses match. Pure: no `vscode`.
 */
import type { SessionRecord } from '../../core/session/types.js';
import type { ChangedFile, FileStatus, SessionChanges } from '../../core/worktrees/types.js';

export const STATUS_LETTERS: Readonly<Record<FileStatus, string>> = { added: 'A', modified: 'M', deleted: 'D' };
export const STATUS_WORDS: Readonly<Record<FileStatus, string>> = { added: 'Added', modified: 'Modified', deleted: 'Deleted' };
/** The theme colours the SCM view uses for the same states. */
export const STATUS_COLORS: Readonly<Record<FileStatus, string>> = {
  added: 'gitDecoration.untrackedResourceForeground',
  modified: 'gitDecoration.modifiedResourceForeground',
  deleted: 'gitDecoration.deletedResourceForeground',
};

export function fileName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function fileDir(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** "+12 −3", or "binary". */
export function lineCounts(f: Pick<ChangedFile, 'additions' | 'deletions'>): string {
  if (f.additions === null || f.deletions === null) return 'binary';
  return `+${f.additions} −${f.deletions}`;
}

/** Beside the file name: its folder, then its line counts. */
export function changeDescription(f: ChangedFile): string {
  const dir = fileDir(f.path);
  return dir ? `${dir} · ${lineCounts(f)}` : lineCounts(f);
}

export function changeTooltip(f: ChangedFile, changes: Pick<SessionChanges, 'isolated' | 'branch'>): string {
  const where = changes.isolated ? `in the session's worktree${changes.branch ? ` (${changes.branch})` : ''}` : 'in the folder';
  return `${f.path}\n${STATUS_WORDS[f.status]} ${where} · ${lineCounts(f)}${f.kept ? '\nKept: reviewed, unchanged since' : ''}`;
}

/** Words for `viewItem` in package.json: what can be done to this file. */
export function changeContextValue(f: ChangedFile): string {
  return ['change', `change-${f.status}`, f.kept ? 'kept' : 'unkept'].join(' ');
}

/** Files in the order the view lists them: not yet kept first, then by path. */
export function orderedFiles(files: readonly ChangedFile[]): ChangedFile[] {
  return [...files].sort((a, b) => Number(!!a.kept) - Number(!!b.kept) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The line above the files: what changed and where it would go, or why there is nothing. */
export function changesMessage(changes: SessionChanges | undefined, record: SessionRecord | undefined): string {
  if (!record) return 'Select a session in the Sessions view to see what it changed.';
  if (!changes) return `Reading the changes of "${record.title}"…`;
  if (changes.problem) return changes.problem;
  const w = record.worktree;
  const where = changes.isolated && w?.branch ? ` on ${w.branch}${w.target ? ` (from ${w.target})` : ''}` : w?.target ? ` in the folder, on ${w.target}` : ' in the folder';
  if (changes.files.length === 0) {
    const back = w?.broughtBack ? ` Its work was ${w.broughtBack.how === 'squash' ? 'merged' : 'applied'} ${new Date(w.broughtBack.at).toLocaleString()}.` : '';
    return `No changes since ${w?.broughtBack ? 'then' : 'it began'}${where}.${back}`;
  }
  const n = changes.files.length;
  const kept = changes.files.filter((f) => f.kept).length;
  return `${n} file${n === 1 ? '' : 's'} changed${where} · +${changes.additions} −${changes.deletions}${kept ? ` · ${kept} kept` : ''}`;
}

/** The view's description: which session it shows. */
export function changesTitle(record: SessionRecord | undefined): string {
  return record ? record.title : '';
}
