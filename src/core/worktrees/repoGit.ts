/**
 * git in the user's repository, for worktrees: checkpoints' GitRunner in its `runInRepo` mode
 * (the user's config, no stray GIT_* redirection, no optional locks), with the few helpers
 * every worktree operation shares. Private indexes live in Shannon's storage, never in `.git`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError, isShannonError } from '../errors.js';
import { copyIndex, GitRunner, splitNul, type GitPurpose, type GitRunOptions } from '../checkpoints/git.js';

/** `merge-tree --write-tree` (2.38) finds conflicts without touching any working tree. */
export const WORKTREES_GIT: GitPurpose = {
  feature: 'Worktrees',
  minVersion: [2, 38],
  failureCode: 'WORKTREE_FAILED',
  failureHint: 'Your folder was not changed by this failure. If it repeats, the Shannon log has the details.',
  missingHint: 'Install Git (https://git-scm.com/downloads), or run the session in the folder.',
};

export type RunOptions = GitRunOptions & { env?: Record<string, string> };

export class RepoGit {
  private readonly runner: GitRunner;

  constructor(
    /** Shannon's scratch directory for private index files. */
    private readonly scratchDir: string,
    binary = 'git',
  ) {
    this.runner = new GitRunner(binary, WORKTREES_GIT);
  }

  /** git's version; WORKTREE_UNAVAILABLE when git is missing or too old for worktrees. */
  async available(): Promise<string> {
    try {
      return await this.runner.ensureAvailable();
    } catch (err) {
      if (isShannonError(err, 'NOT_SUPPORTED')) throw new ShannonError('WORKTREE_UNAVAILABLE', err.message, 'Install or update Git, or run the session in the folder.', { cause: err });
      throw err;
    }
  }

  run(dir: string, args: readonly string[], options: RunOptions = {}) {
    return this.runner.runInRepo(dir, args, options);
  }

  async text(dir: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
    return (await this.run(dir, args, options)).stdout.toString('utf8').trim();
  }

  async nul(dir: string, args: readonly string[], options: RunOptions = {}): Promise<string[]> {
    return splitNul((await this.run(dir, args, options)).stdout);
  }

  /** Runs `fn` with a private copy of `dir`'s index (its stat cache included), removed afterwards. */
  async withPrivateIndex<T>(dir: string, fn: (indexFile: string) => Promise<T>): Promise<T> {
    const real = path.resolve(dir, await this.text(dir, ['rev-parse', '--git-path', 'index']));
    await mkdir(this.scratchDir, { recursive: true });
    const file = path.join(this.scratchDir, `index-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await copyIndex(real, file);
      return await fn(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  /**
   * The tree of `dir`'s files as they are now: tracked and untracked, `.gitignore` respected,
   * written to the object store (blobs of changed files). The working tree's own index is not
   * touched.
   */
  async treeOfFiles(dir: string): Promise<string> {
    return this.withPrivateIndex(dir, async (indexFile) => {
      await this.run(dir, ['add', '-A', '--', '.'], { indexFile });
      return this.text(dir, ['write-tree'], { indexFile });
    });
  }

  /** Author and committer for commits Shannon makes: the user's identity, or Shannon's when git has none. */
  async identityEnv(dir: string): Promise<Record<string, string>> {
    const { exitCode } = await this.run(dir, ['var', 'GIT_COMMITTER_IDENT'], { okExitCodes: [128] });
    if (exitCode === 0) return {};
    return { GIT_AUTHOR_NAME: 'Shannon', GIT_AUTHOR_EMAIL: 'shannon@localhost', GIT_COMMITTER_NAME: 'Shannon', GIT_COMMITTER_EMAIL: 'shannon@localhost' };
  }

  /** A commit with `tree` and `parents`; `sign` follows the user's `commit.gpgSign` (commit-tree ignores it). */
  async commit(dir: string, tree: string, parents: readonly string[], message: string, options: { env?: Record<string, string>; sign?: boolean } = {}): Promise<string> {
    const args = ['commit-tree', ...(options.sign ? ['-S'] : []), tree, ...parents.flatMap((p) => ['-p', p])];
    return this.text(dir, args, { input: message.endsWith('\n') ? message : `${message}\n`, ...(options.env ? { env: options.env } : {}) });
  }
}
