/**
 * New Session's "where it works" step: in the folder, or in a new worktree (with or without the
 * folder's uncommitted changes), and starting the session there.
 */
import * as vscode from 'vscode';
import { isShannonError } from '../../core/errors.js';
import type { FolderReadiness } from '../../core/worktrees/sessionWorktrees.js';
import type { Isolation, UncommittedChoice } from '../../core/worktrees/types.js';
import type { ShannonCore } from '../core.js';
import { stepPick } from './pickers.js';

export interface PlaceChoice {
  isolation: Exclude<Isolation, 'auto'>;
  uncommitted?: UncommittedChoice;
}

/**
 * Asks "In this folder" or "In a new worktree" (the default from `shannon.isolation`), then, for
 * a worktree of a folder with uncommitted changes, whether to carry them. Undefined: cancelled.
 */
export async function pickPlace(readiness: FolderReadiness, setting: Isolation, step: { step: number; totalSteps: number }): Promise<PlaceChoice | undefined> {
  const repo = readiness.repository;
  const suggested = !readiness.unavailable && (setting === 'worktree' || (setting === 'auto' && readiness.liveInFolder > 0)) ? 'worktree' : 'none';
  const others = readiness.liveInFolder;
  type Item = vscode.QuickPickItem & { isolation: 'none' | 'worktree' };
  const items: Item[] = [
    {
      label: '$(folder) In this folder',
      description: others ? `${others} other session${others === 1 ? '' : 's'} work${others === 1 ? 's' : ''} here` : undefined,
      detail: 'Claude edits the folder’s files directly.',
      isolation: 'none',
    },
    {
      label: '$(git-branch) In a new worktree',
      description: readiness.unavailable ? 'not available here' : `new branch shannon/… from ${repo?.branch ?? 'HEAD'}`,
      detail: readiness.unavailable ? readiness.unavailable.message : 'Its own copy of the repository: your files stay untouched until you merge its work.',
      isolation: 'worktree',
    },
  ];
  const chosen = await stepPick(items, { title: 'New Claude Code Session: where it works', placeholder: 'Enter keeps the suggestion', ...step, active: items[suggested === 'worktree' ? 1 : 0], ignoreFocusOut: true });
  if (!chosen) return undefined;
  if (chosen.isolation === 'worktree' && readiness.unavailable) {
    const run = 'Run in Folder';
    const answer = await vscode.window.showWarningMessage(readiness.unavailable.message, { modal: true, detail: readiness.unavailable.hint }, run);
    return answer === run ? { isolation: 'none' } : undefined;
  }
  if (chosen.isolation === 'none' || readiness.uncommitted.length === 0) return { isolation: chosen.isolation };
  const n = readiness.uncommitted.length;
  const files = `${n} uncommitted file${n === 1 ? '' : 's'}`;
  const carry = await vscode.window.showQuickPick(
    [
      { label: '$(arrow-right) Carry them into the worktree', detail: `The worktree starts with your ${files}; they stay in your folder too.`, choice: 'carry' as const },
      { label: `$(git-commit) Start from HEAD (${repo?.head.slice(0, 7) ?? ''})`, detail: 'The worktree starts from the last commit, without them.', choice: 'leave' as const },
    ],
    { title: `Your folder has ${files}`, placeHolder: readiness.uncommitted.slice(0, 5).join(', ') + (n > 5 ? ', …' : ''), ignoreFocusOut: true },
  );
  return carry ? { isolation: 'worktree', uncommitted: carry.choice } : undefined;
}

/** Starts the session where asked; a folder that cannot have a worktree offers the folder. */
export async function startPlaced(core: ShannonCore, request: Parameters<ShannonCore['worktrees']['createSession']>[0]) {
  try {
    return await core.worktrees.createSession(request);
  } catch (err) {
    if (!isShannonError(err, 'WORKTREE_UNAVAILABLE') || request.isolation === 'none') throw err;
    const run = 'Run in Folder';
    const answer = await vscode.window.showWarningMessage(err.message, { modal: true, detail: err.hint }, run);
    if (answer !== run) return undefined;
    return core.worktrees.createSession({ ...request, isolation: 'none' });
  }
}
