/**
 * Worktrees from VS Code: where a new session works (asked in New Session), the Changes view's
 * file actions (open the diff, Keep, Discard), bringing a session's work back (Merge into the
 * folder's branch, Apply as uncommitted changes, optionally rebased first), Discard Session Work,
 * and pruning worktrees left by a crash. Each takes its session from the Changes view, a tree
 * node, `{ sessionId }` or asks; `{ confirmed: true }` (tests, scripts) skips the questions.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorktreeCommandId } from './lazyCommands.js';
import { ShannonError } from '../../core/errors.js';
import type { SessionRecord } from '../../core/session/types.js';
import { isMergeConflict } from '../../core/worktrees/types.js';
import type { BringBackStrategy, ChangedFile } from '../../core/worktrees/types.js';
import type { ChangeNode } from '../changesView.js';
import type { ShannonCore } from '../core.js';
import { sessionIdFrom, textFrom } from '../model/commandArgs.js';
import { oneLine } from '../model/format.js';
import type { CommandContext, CommandHandler } from './context.js';
import { resolveSession } from './pickers.js';

const isIsolated = (r: SessionRecord) => r.worktree?.isolation === 'worktree' && !r.worktree.removedAt;
const hasChanges = (r: SessionRecord) => !!r.worktree && !r.worktree.removedAt;
const confirmedBy = (arg: unknown) => (arg as { confirmed?: unknown } | undefined)?.confirmed === true;

export function worktreeCommands(ctx: CommandContext): Record<WorktreeCommandId, CommandHandler> {
  return {
    'shannon.showChanges': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg ?? ctx.changes.current, { title: 'Show Changes', eligible: hasChanges, none: 'No session works in a git repository: there are no changes to show.' });
      if (r) await ctx.changes.show(r.id, { focus: true });
      return r?.id;
    },

    'shannon.refreshChanges': () => ctx.changes.refresh(),

    'shannon.openChange': async (arg) => {
      const node = changeNodeFrom(arg);
      if (node) await ctx.changes.openDiff(node.sessionId, node.file);
    },

    'shannon.keepChange': (arg) => keep(ctx, arg, true),
    'shannon.unkeepChange': (arg) => keep(ctx, arg, false),

    'shannon.discardChange': async (arg) => {
      const node = changeNodeFrom(arg);
      if (!node) return;
      const core = await ctx.core();
      const record = core.manager.get(node.sessionId);
      if (!confirmedBy(arg)) {
        const where = record?.worktree?.isolation === 'worktree' ? "in the session's worktree" : 'in your folder';
        const what = node.file.status === 'added' ? `The file is deleted ${where}.` : `The version of ${record?.worktree?.base.slice(0, 7) ?? 'the base'} is put back ${where}.`;
        const discard = 'Discard Changes';
        if ((await vscode.window.showWarningMessage(`Discard the changes to ${node.file.path}?`, { modal: true, detail: `${what} This cannot be undone.` }, discard)) !== discard) return;
      }
      await core.worktrees.discardFile(node.sessionId, node.file.path);
      await ctx.changes.refresh();
    },

    'shannon.mergeSession': (arg) => bringBack(ctx, arg, 'squash'),
    'shannon.applySession': (arg) => bringBack(ctx, arg, 'apply'),

    'shannon.rebaseSession': async (arg) => {
      const core = await ctx.core();
      const r = await isolatedSession(ctx, core, arg, 'Rebase Session Worktree');
      if (!r) return undefined;
      const branch = await core.worktrees.folderBranch(r.id);
      const result = await withConflicts(ctx, r, () =>
        vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rebasing ${r.worktree!.branch} on ${branch ?? 'HEAD'}…` }, () => core.worktrees.rebase(r.id)),
      );
      if (result) vscode.window.setStatusBarMessage(`$(git-branch) ${r.worktree!.branch} now starts from ${branch ?? 'HEAD'} at ${result.base.slice(0, 7)}`, 5000);
      await ctx.changes.refresh();
      return result;
    },

    'shannon.discardSessionWork': async (arg) => {
      const core = await ctx.core();
      const r = await isolatedSession(ctx, core, arg, 'Discard Session Work');
      if (!r) return undefined;
      if (!confirmedBy(arg)) {
        const files = await core.worktrees.workNotBroughtBack(r.id);
        const discard = 'Discard Work';
        const detail = [
          `The worktree ${r.worktree!.root} and the branch ${r.worktree!.branch} are removed${files.length ? `, with ${files.length} changed file${files.length === 1 ? '' : 's'} never merged or applied` : ''}.`,
          r.state === 'idle' || r.state === 'running' || r.state === 'awaiting_permission' ? 'The session is ended first.' : '',
          'Its transcript stays; your folder is not touched.',
        ].filter(Boolean).join(' ');
        if ((await vscode.window.showWarningMessage(`Discard the work of "${oneLine(r.title, 60)}"?`, { modal: true, detail }, discard)) !== discard) return undefined;
      }
      const result = await core.worktrees.discard(r.id);
      void vscode.window.showInformationMessage(`Removed the worktree and branch ${result.branch ?? ''} of "${oneLine(r.title, 50)}".`);
      await ctx.changes.refresh();
      return result;
    },

    'shannon.pruneWorktrees': async (arg) => {
      const core = await ctx.core();
      const leftovers = await core.worktrees.leftovers();
      if (leftovers.length === 0) {
        void vscode.window.showInformationMessage('No leftover worktrees: every worktree in Shannon’s storage belongs to a session.');
        return [];
      }
      let chosen = leftovers.map((l) => l.path);
      if (!confirmedBy(arg)) {
        const picked = await vscode.window.showQuickPick(
          leftovers.map((l) => ({
            label: `$(git-branch) ${l.branch ?? path.basename(l.path)}`,
            description: l.repoRoot ? path.basename(l.repoRoot) : 'unknown repository',
            detail: `${l.path}${l.missing ? ' (directory gone: only git’s record and the branch are left)' : ''}`,
            picked: true,
            path: l.path,
          })),
          { title: 'Prune Leftover Worktrees', placeHolder: 'Worktrees no session uses (a crash, a deleted session). Their branches and files are removed.', canPickMany: true },
        );
        if (!picked?.length) return [];
        chosen = picked.map((p) => p.path);
      }
      const removed = await core.worktrees.prune(chosen);
      void vscode.window.showInformationMessage(`Removed ${removed.length} leftover worktree${removed.length === 1 ? '' : 's'} and their branches.`);
      return removed;
    },
  };
}

/** Marks a file reviewed (or not): kept files sort last and show a check until they change again. */
async function keep(ctx: CommandContext, arg: unknown, value: boolean): Promise<void> {
  const node = changeNodeFrom(arg);
  if (!node) return;
  const core = await ctx.core();
  await core.worktrees.keepFile(node.sessionId, node.file.path, value);
  await ctx.changes.refresh();
}

/** Merge (squash) or apply, after the person picked how and, for a squash, the message. */
async function bringBack(ctx: CommandContext, arg: unknown, strategy: BringBackStrategy) {
  const core = await ctx.core();
  const r = await isolatedSession(ctx, core, arg, strategy === 'squash' ? 'Merge Session Work' : 'Apply Session Work');
  if (!r) return undefined;
  const files = await core.worktrees.workNotBroughtBack(r.id);
  if (files.length === 0) {
    void vscode.window.showInformationMessage(`"${oneLine(r.title, 50)}" has no changes to bring back.`);
    return undefined;
  }
  const branch = (await core.worktrees.folderBranch(r.id)) ?? 'HEAD';
  let rebase = (arg as { rebase?: unknown } | undefined)?.rebase === true;
  let message = textFrom(arg, 'message');
  if (!confirmedBy(arg)) {
    const how = await pickHow(strategy, branch, files);
    if (!how) return undefined;
    rebase = how.rebase;
    if (strategy === 'squash') {
      const draft = await core.worktrees.draftMessage(r.id);
      const [subject = '', ...body] = draft.split('\n');
      const typed = await vscode.window.showInputBox({
        title: `Merge into ${branch}: commit message`,
        prompt: 'The first line of the squash commit. The session’s first prompt follows as its body.',
        value: subject,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'A commit needs a message.'),
      });
      if (typed === undefined) return undefined;
      message = [typed.trim(), ...body].join('\n');
    }
  }
  const result = await withConflicts(ctx, r, () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: strategy === 'squash' ? `Merging "${oneLine(r.title, 40)}" into ${branch}…` : `Applying "${oneLine(r.title, 40)}" to the folder…` },
      () => core.worktrees.bringBack(r.id, { strategy, rebase, ...(message ? { message } : {}) }),
    ),
  );
  await ctx.changes.refresh();
  if (!result) return undefined;
  const n = result.files.length;
  const what =
    strategy === 'squash'
      ? `Merged ${n} file${n === 1 ? '' : 's'} into ${result.branch} as ${result.commit?.slice(0, 7)}.`
      : `Applied ${n} file${n === 1 ? '' : 's'} to the folder as uncommitted changes.`;
  if (!confirmedBy(arg)) {
    const remove = 'Remove Worktree';
    void vscode.window.showInformationMessage(`${what} The session can go on working; its next changes show in the Changes view.`, remove).then((c) => {
      if (c === remove) void vscode.commands.executeCommand('shannon.discardSessionWork', { sessionId: r.id, confirmed: true });
    });
  }
  return result;
}

async function pickHow(strategy: BringBackStrategy, branch: string, files: readonly ChangedFile[]): Promise<{ rebase: boolean } | undefined> {
  const n = `${files.length} file${files.length === 1 ? '' : 's'}`;
  const items: Array<vscode.QuickPickItem & { rebase: boolean }> =
    strategy === 'squash'
      ? [
          { label: `$(git-merge) Merge into ${branch}`, detail: `One squash commit of ${n} on ${branch}; your index and files follow.`, rebase: false },
          { label: `$(git-pull-request) Rebase on ${branch}, then merge`, detail: `Replays the session's branch on the latest ${branch} first (its worktree follows), then the squash commit.`, rebase: true },
        ]
      : [
          { label: '$(diff) Apply as uncommitted changes', detail: `${n} changed in your working tree, nothing committed or staged.`, rebase: false },
          { label: `$(git-pull-request) Rebase on ${branch}, then apply`, detail: "Replays the session's branch on the latest commit first (its worktree follows).", rebase: true },
        ];
  return vscode.window.showQuickPick(items, { title: strategy === 'squash' ? `Merge Session Work into ${branch}` : 'Apply Session Work', placeHolder: 'Conflicts are checked first: if there are any, nothing changes.' });
}

/** Runs a bring-back; a conflict becomes a message naming the files (with the way to the Changes view). */
async function withConflicts<T>(ctx: CommandContext, r: SessionRecord, run: () => Thenable<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    if (!isMergeConflict(err)) throw err;
    ctx.log.warn(`bring back ${r.id}: ${err.message}`);
    const show = 'Show Changes';
    const detail = err.conflicts.map((c) => `${c.path} — ${c.reason === 'content' ? 'changed on both sides' : c.reason === 'uncommitted' ? 'you have uncommitted edits' : 'an untracked file is in the way'}`).join('\n');
    const choice = await vscode.window.showErrorMessage(err.message, { modal: true, detail: `${detail}\n\n${err.hint ?? ''}` }, show);
    if (choice === show) await ctx.changes.show(r.id, { focus: true });
    return undefined;
  }
}

/** The session a worktree command acts on: its argument, the Changes view's, or asked. */
async function isolatedSession(ctx: CommandContext, core: ShannonCore, arg: unknown, title: string): Promise<SessionRecord | undefined> {
  const id = sessionIdFrom(arg) ?? (isIsolatedId(core, ctx.changes.current) ? ctx.changes.current : undefined);
  const r = await resolveSession(core, id, { title, eligible: isIsolated, none: 'No session works in a worktree of its own.' });
  if (r && !isIsolated(r)) {
    throw new ShannonError('INVALID_ARGUMENT', `"${r.title}" works in the folder itself${r.worktree?.removedAt ? ' (its worktree was discarded)' : ''}: there is no worktree to bring back from.`, 'Its changes are in the folder already.');
  }
  return r;
}

function isIsolatedId(core: ShannonCore, id: string | undefined): id is string {
  const r = id ? core.manager.get(id) : undefined;
  return !!r && isIsolated(r);
}

function changeNodeFrom(arg: unknown): ChangeNode | undefined {
  const n = arg as Partial<ChangeNode> | undefined;
  return n && typeof n.sessionId === 'string' && n.file && typeof n.file.path === 'string' ? (n as ChangeNode) : undefined;
}
