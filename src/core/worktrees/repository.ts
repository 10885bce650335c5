/**
 * What a workspace folder is to git: which repository, where in it, on which branch and commit,
 * with how many uncommitted files. Every reason a folder cannot have a worktree is a
 * WORKTREE_UNAVAILABLE error that says why and offers the folder instead. Read-only.
 */
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError, isShannonError } from '../errors.js';
import type { RepoGit } from './repoGit.js';

export interface RepositoryState {
  /** The repository's top-level directory (the working tree the folder is in). */
  root: string;
  /** The folder relative to `root`, `/`-separated; '' at the top. */
  folderInRepo: string;
  head: string;
  /** The checked-out branch (short name); undefined when HEAD is detached. */
  branch: string | undefined;
}

const RUN_IN_FOLDER = 'Run the session in the folder instead.';

/** The folder's repository, or undefined when git is missing or the folder is in none. */
export async function findRepository(git: RepoGit, folder: string): Promise<RepositoryState | undefined> {
  try {
    return await inspectRepository(git, folder, { allowDetached: true });
  } catch (err) {
    if (isShannonError(err, 'WORKTREE_UNAVAILABLE')) return undefined;
    throw err;
  }
}

/** The folder's repository, checked for everything a worktree needs. */
export async function inspectRepository(git: RepoGit, folder: string, options: { allowDetached?: boolean } = {}): Promise<RepositoryState> {
  await git.available();
  const dir = await realpath(folder).catch(() => {
    throw new ShannonError('INVALID_ARGUMENT', `The folder ${folder} does not exist.`);
  });
  const probe = await git.run(dir, ['rev-parse', '--is-bare-repository', '--is-inside-work-tree'], { okExitCodes: [128] });
  if (probe.exitCode !== 0) {
    throw new ShannonError('WORKTREE_UNAVAILABLE', `${dir} is not in a git repository, so it cannot have a worktree.`, `${RUN_IN_FOLDER} (To use worktrees, make it a repository: git init, then a first commit.)`);
  }
  const [bare, inside] = probe.stdout.toString('utf8').split('\n');
  if (bare === 'true' || inside !== 'true') {
    throw new ShannonError('WORKTREE_UNAVAILABLE', `${dir} is ${bare === 'true' ? 'a bare repository' : "inside a repository's .git directory"}: there is no working tree to branch from.`, RUN_IN_FOLDER);
  }
  const [top = '', prefix = ''] = (await git.text(dir, ['rev-parse', '--show-toplevel', '--show-prefix'])).split('\n');
  const head = await git.run(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okExitCodes: [1, 128] });
  if (head.exitCode !== 0) {
    throw new ShannonError('WORKTREE_UNAVAILABLE', `The repository at ${top} has no commit yet: a worktree starts from one.`, `Make a first commit, or ${RUN_IN_FOLDER.toLowerCase()}`);
  }
  const branch = await git.run(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] });
  const state: RepositoryState = {
    root: path.resolve(top),
    folderInRepo: prefix.replace(/\/$/, ''),
    head: head.stdout.toString('utf8').trim(),
    branch: branch.exitCode === 0 ? branch.stdout.toString('utf8').trim() : undefined,
  };
  if (!state.branch && !options.allowDetached) {
    throw new ShannonError('WORKTREE_UNAVAILABLE', `HEAD is detached in ${state.root}: there is no branch for the session's work to be merged into.`, `Check out a branch (git switch <branch>), or ${RUN_IN_FOLDER.toLowerCase()}`);
  }
  return state;
}

/** The folder's current branch, for merging into it; WORKTREE_UNAVAILABLE when HEAD is detached. */
export async function currentBranch(git: RepoGit, repoRoot: string): Promise<{ branch: string; head: string }> {
  const state = await inspectRepository(git, repoRoot);
  return { branch: state.branch!, head: state.head };
}

/** Files with uncommitted changes (staged, unstaged or untracked, not ignored). */
export async function uncommittedFiles(git: RepoGit, root: string): Promise<string[]> {
  const entries = await git.nul(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  return entries.map((e) => e.slice(3));
}
