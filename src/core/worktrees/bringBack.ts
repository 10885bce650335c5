/**
 * Bringing a session's work back into the folder: one squash commit on the folder's branch, or
 * the same changes left uncommitted in its working tree; optionally after rebasing the session's
 * branch on the folder's HEAD. Every way first computes the result as a tree (`merge-tree
 * --write-tree`, a three-way merge from the session's base that touches no working tree), and
 * refuses, naming each file, when that conflicts or when the folder has uncommitted edits the
 * result would overwrite: then nothing is changed. Only after that are the folder's files (and
 * for a squash its index and branch) updated, the way `git checkout` updates them.
 */
import { lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { removeFile } from '../checkpoints/workspaceSnapshots.js';
import { ShannonError } from '../errors.js';
import type { RepoGit } from './repoGit.js';
import { currentBranch } from './repository.js';
import type { BringBackResult, Conflict } from './types.js';

/** A refusal that names its files: nothing was changed. */
export class MergeConflictError extends ShannonError {
  constructor(
    readonly conflicts: readonly Conflict[],
    branch: string,
  ) {
    super('MERGE_CONFLICT', conflictMessage(conflicts), conflictHint(conflicts, branch));
  }
}


export interface WorkToBringBack {
  /** The session's worktree. */
  root: string;
  /** The folder's repository (its top). */
  repoRoot: string;
  base: string;
  /** The session's title: the session branch's commit message. */
  title: string;
}

/** Identity of the throw-away commits that only carry trees into `merge-tree`. */
const SCAFFOLD_ENV = { GIT_AUTHOR_NAME: 'Shannon', GIT_AUTHOR_EMAIL: 'shannon@localhost', GIT_COMMITTER_NAME: 'Shannon', GIT_COMMITTER_EMAIL: 'shannon@localhost' };

/** After a bring-back: what the session's changes are now measured from (the work just brought back). */
export type BroughtBack = BringBackResult & { newBase: string };

export class WorkMover {
  constructor(private readonly git: RepoGit) {}

  /** One commit on the folder's current branch holding the session's changes; index and files follow. */
  async squash(work: WorkToBringBack, options: { message: string; rebase?: boolean }): Promise<BroughtBack> {
    const git = this.git;
    const { base, rebased } = await this.startingPoint(work, options.rebase);
    const { branch, head } = await currentBranch(git, work.repoRoot);
    const theirs = await git.treeOfFiles(work.root);
    const merged = await this.mergeOrRefuse(work.repoRoot, base, head, theirs, branch);
    const changed = await this.changedPaths(work.repoRoot, head, merged);
    if (changed.length === 0) return { strategy: 'squash', branch, files: [], rebased, newBase: await this.commitWorktree(work.root, work.title) };
    await this.refuseOverwrites(work.repoRoot, head, changed, branch);

    const sign = (await git.run(work.repoRoot, ['config', '--type=bool', 'commit.gpgSign'], { okExitCodes: [1] })).stdout.toString().trim() === 'true';
    const identity = await git.run(work.repoRoot, ['var', 'GIT_COMMITTER_IDENT'], { okExitCodes: [128] });
    if (identity.exitCode !== 0) {
      throw new ShannonError('WORKTREE_FAILED', 'git does not know who you are, so it cannot make the merge commit.', 'Set your name and email (git config --global user.name "…" and user.email "…"), then merge again. Nothing was changed.');
    }
    const commit = await git.commit(work.repoRoot, merged, [head], options.message, { sign });
    // Index and files first (refused, untouched, if anything is in the way), then the branch.
    await git.run(work.repoRoot, ['read-tree', '-m', '-u', head, commit]);
    try {
      await git.run(work.repoRoot, ['update-ref', '-m', `shannon: squash-merge ${work.title}`, 'HEAD', commit, head]);
    } catch (err) {
      await git.run(work.repoRoot, ['read-tree', '-m', '-u', commit, head]).catch(() => undefined);
      throw err;
    }
    const newBase = await this.commitWorktree(work.root, work.title);
    return { strategy: 'squash', branch, commit, files: changed.map((c) => c.path), rebased, newBase };
  }

  /** The session's changes as uncommitted edits in the folder's working tree; its index is not touched. */
  async apply(work: WorkToBringBack, options: { rebase?: boolean } = {}): Promise<BroughtBack> {
    const git = this.git;
    const { base, rebased } = await this.startingPoint(work, options.rebase);
    const { branch } = await currentBranch(git, work.repoRoot);
    const theirs = await git.treeOfFiles(work.root);
    // "Ours" is the folder as it is, uncommitted edits included: they merge like any change.
    const ours = await git.treeOfFiles(work.repoRoot);
    const merged = await this.mergeOrRefuse(work.repoRoot, base, ours, theirs, branch);
    const changed = await this.changedPaths(work.repoRoot, ours, merged);
    if (changed.length > 0) {
      await git.withPrivateIndex(work.repoRoot, async (indexFile) => {
        // Edited since `ours` was read? Then those edits would be lost: refuse.
        await git.run(work.repoRoot, ['read-tree', ours], { indexFile });
        const touched = new Set(changed.map((c) => c.path));
        const edited = (await git.nul(work.repoRoot, ['diff', '-z', '--name-only', '--no-renames'], { indexFile })).filter((p) => touched.has(p));
        if (edited.length) throw new MergeConflictError(edited.map((p) => ({ path: p, reason: 'uncommitted' })), branch);
        await git.run(work.repoRoot, ['read-tree', merged], { indexFile });
        const written = changed.filter((c) => c.status !== 'D').map((c) => c.path);
        if (written.length) await git.run(work.repoRoot, ['checkout-index', '-f', '-z', '--stdin'], { indexFile, input: written.join('\0') + '\0' });
      });
      for (const c of changed) if (c.status === 'D') await removeFile(work.repoRoot, c.path);
    }
    const newBase = await this.commitWorktree(work.root, work.title);
    return { strategy: 'apply', branch, files: changed.map((c) => c.path), rebased, newBase };
  }

  /**
   * Replays the session's changes on the folder's HEAD: its branch becomes HEAD plus one commit
   * and its worktree is updated to match. Returns the new base (that HEAD).
   */
  async rebase(work: WorkToBringBack): Promise<string> {
    const git = this.git;
    const { branch, head } = await currentBranch(git, work.repoRoot);
    const theirs = await git.treeOfFiles(work.root);
    const merged = await this.mergeOrRefuse(work.repoRoot, work.base, head, theirs, branch);
    const tip = await this.commitWorktree(work.root, work.title);
    const rebasedTip = await git.commit(work.root, merged, [head], `${work.title}\n\nRebased by Shannon onto ${branch} at ${head.slice(0, 12)}.`, { env: await git.identityEnv(work.root) });
    await git.run(work.root, ['read-tree', '-m', '-u', tip, rebasedTip]);
    await git.run(work.root, ['update-ref', '-m', `shannon: rebase onto ${branch}`, 'HEAD', rebasedTip, tip]);
    return head;
  }

  /**
   * Commits the worktree's files on its branch when they differ from its HEAD, and returns the
   * tip. The worktree's index is replaced under git's own lock, so `git status` there is clean.
   */
  async commitWorktree(root: string, title: string): Promise<string> {
    const git = this.git;
    const indexPath = path.resolve(root, await git.text(root, ['rev-parse', '--git-path', 'index']));
    const lock = await open(`${indexPath}.lock`, 'wx').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new ShannonError('WORKTREE_FAILED', `git is busy in ${root} (its index is locked).`, 'Try again when the command running there has finished.');
      throw err;
    });
    let locked = true;
    try {
      const { tip, index } = await git.withPrivateIndex(root, async (indexFile) => {
        await git.run(root, ['add', '-A', '--', '.'], { indexFile });
        const tree = await git.text(root, ['write-tree'], { indexFile });
        const head = await git.text(root, ['rev-parse', 'HEAD']);
        let tip = head;
        if (tree !== (await git.text(root, ['rev-parse', 'HEAD^{tree}']))) {
          tip = await git.commit(root, tree, [head], `${title}\n\nThe session's work, committed by Shannon.`, { env: await git.identityEnv(root) });
          await git.run(root, ['update-ref', '-m', 'shannon: commit the session\'s work', 'HEAD', tip, head]);
        }
        return { tip, index: await readFile(indexFile) };
      });
      await lock.writeFile(index);
      await lock.close();
      await rename(`${indexPath}.lock`, indexPath);
      locked = false;
      return tip;
    } finally {
      if (locked) {
        await lock.close().catch(() => undefined);
        await unlink(`${indexPath}.lock`).catch(() => undefined);
      }
    }
  }

  /** The base to bring the work back from: the session's, or (rebase) the folder's HEAD after replaying onto it. */
  private async startingPoint(work: WorkToBringBack, rebase: boolean | undefined): Promise<{ base: string; rebased: boolean }> {
    return rebase ? { base: await this.rebase(work), rebased: true } : { base: work.base, rebased: false };
  }

  /** The three-way merge of trees `ours` and `theirs` from `base`, or a refusal naming the conflicts. */
  private async mergeOrRefuse(dir: string, base: string, ours: string, theirs: string, branch: string): Promise<string> {
    const { tree, conflicts } = await this.mergeTrees(dir, base, ours, theirs);
    if (conflicts.length) throw new MergeConflictError(conflicts.map((p) => ({ path: p, reason: 'content' })), branch);
    return tree;
  }

  /**
   * `merge-tree --write-tree` finds the merge base from history; the base here is the session's
   * (which history may not show: carried changes, earlier merges), so each tree is wrapped in a
   * throw-away commit whose only parent is a commit of the base tree.
   */
  async mergeTrees(dir: string, base: string, ours: string, theirs: string): Promise<{ tree: string; conflicts: string[] }> {
    const git = this.git;
    const [baseTree, oursTree, theirsTree] = await Promise.all([base, ours, theirs].map((r) => git.text(dir, ['rev-parse', `${r}^{tree}`])));
    if (oursTree === baseTree) return { tree: theirsTree!, conflicts: [] };
    if (theirsTree === baseTree || theirsTree === oursTree) return { tree: oursTree!, conflicts: [] };
    const env = SCAFFOLD_ENV;
    const root = await git.commit(dir, baseTree!, [], 'base', { env });
    const [o, t] = await Promise.all([git.commit(dir, oursTree!, [root], 'ours', { env }), git.commit(dir, theirsTree!, [root], 'theirs', { env })]);
    const out = await git.nul(dir, ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', o, t], { okExitCodes: [1] });
    const [tree = '', ...rest] = out;
    const conflicts = [...new Set(rest.filter(Boolean))];
    return { tree, conflicts };
  }

  private async changedPaths(dir: string, from: string, to: string): Promise<Array<{ path: string; status: string }>> {
    const out = await this.git.nul(dir, ['diff-tree', '-r', '-z', '--no-renames', '--name-status', from, to]);
    const changes: Array<{ path: string; status: string }> = [];
    for (let i = 0; i + 1 < out.length; i += 2) changes.push({ status: out[i]!, path: out[i + 1]! });
    return changes;
  }

  /** Refuses when the folder has its own edits (or untracked files) where the squash writes. */
  private async refuseOverwrites(repoRoot: string, head: string, changed: ReadonlyArray<{ path: string; status: string }>, branch: string): Promise<void> {
    const dirty = new Set(await this.git.nul(repoRoot, ['diff', '-z', '--name-only', '--no-renames', head, '--']));
    const conflicts: Conflict[] = [];
    for (const c of changed) {
      if (dirty.has(c.path)) conflicts.push({ path: c.path, reason: 'uncommitted' });
      else if (c.status === 'A' && (await lstat(path.join(repoRoot, ...c.path.split('/'))).then(() => true, () => false))) conflicts.push({ path: c.path, reason: 'untracked' });
    }
    if (conflicts.length) throw new MergeConflictError(conflicts, branch);
  }
}

function conflictMessage(conflicts: readonly Conflict[]): string {
  const list = (reason: Conflict['reason']) => conflicts.filter((c) => c.reason === reason).map((c) => c.path);
  const parts: string[] = [];
  const names = (paths: string[]) => `${paths.slice(0, 10).join(', ')}${paths.length > 10 ? `, and ${paths.length - 10} more` : ''}`;
  const content = list('content');
  const uncommitted = list('uncommitted');
  const untracked = list('untracked');
  if (content.length) parts.push(`both the session and the folder changed ${names(content)}`);
  if (uncommitted.length) parts.push(`the folder has uncommitted edits of ${names(uncommitted)}`);
  if (untracked.length) parts.push(`the folder already has untracked ${names(untracked)}`);
  return `The session's work cannot be brought back: ${parts.join('; ')}. Nothing was changed.`;
}

function conflictHint(conflicts: readonly Conflict[], branch: string): string {
  if (conflicts.some((c) => c.reason === 'content')) {
    return `Ask the session to redo those changes on the latest ${branch} (or discard those files from its changes), then merge again.`;
  }
  if (conflicts.some((c) => c.reason === 'uncommitted')) return 'Commit or stash your edits of those files first, then merge again.';
  return 'Move those files out of the way first, then merge again.';
}
