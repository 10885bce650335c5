/**
 * Making and removing session worktrees: `git worktree add` of a new `shannon/…` branch from the
 * folder's HEAD (or from a commit of its uncommitted changes, when they are carried), in Shannon's
 * storage; then the folder's ignored files it needs (worktreeFiles.ts). Removal undoes exactly
 * that — the links first (never followed), then `git worktree remove` and the branch — and
 * works on what a crash left half-made, found again from the manifests (layout.ts).
 */
import { lstat, mkdir, rm, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError } from '../errors.js';
import type { WorktreeLayout } from './layout.js';
import type { RepoGit } from './repoGit.js';
import { inspectRepository, uncommittedFiles, type RepositoryState } from './repository.js';
import type { LeftoverWorktree, UncommittedChoice, WorktreeFileRules } from './types.js';
import { populateWorktree, type PopulateResult } from './worktreeFiles.js';

export interface NewWorktree {
  /** The worktree's top directory. */
  root: string;
  branch: string;
  /** The commit it starts from: HEAD, or the commit holding the carried uncommitted changes. */
  base: string;
  repository: RepositoryState;
  /** The folder's uncommitted files when the worktree was made. */
  uncommitted: string[];
  carried: boolean;
  files: PopulateResult;
}

export class Worktrees {
  constructor(
    private readonly git: RepoGit,
    private readonly layout: WorktreeLayout,
  ) {}

  async create(folder: string, title: string, options: { uncommitted: UncommittedChoice; rules: WorktreeFileRules }): Promise<NewWorktree> {
    const git = this.git;
    const repository = await inspectRepository(git, folder);
    const uncommitted = await uncommittedFiles(git, repository.root);
    const slot = this.layout.newSlot(repository.root, title);
    let base = repository.head;
    const carried = uncommitted.length > 0 && options.uncommitted === 'carry';
    if (carried) {
      // A commit of the folder's files as they are, made with a private index: the folder's own
      // index and files stay as they were.
      const tree = await git.treeOfFiles(repository.root);
      base = await git.commit(repository.root, tree, [repository.head], `Uncommitted changes of ${repository.branch}, carried into a Shannon worktree`, { env: await git.identityEnv(repository.root) });
    }
    const manifest = { repoRoot: repository.root, branch: slot.branch, createdAt: Date.now(), links: [] as string[] };
    // Written first: a crash during `worktree add` leaves a leftover that can be found and pruned.
    await this.layout.writeManifest(slot, manifest);
    try {
      await mkdir(path.dirname(slot.path), { recursive: true });
      await git.run(repository.root, ['worktree', 'add', '--quiet', '-b', slot.branch, slot.path, base]);
    } catch (err) {
      await this.layout.removeManifest(slot.path);
      throw err;
    }
    let files: PopulateResult;
    try {
      files = await populateWorktree(git, repository.root, slot.path, options.rules);
      if (files.links.length) await this.layout.writeManifest(slot, { ...manifest, links: files.links });
    } catch (err) {
      await this.remove(slot.path).catch(() => undefined);
      throw err;
    }
    return { root: slot.path, branch: slot.branch, base, repository, uncommitted, carried, files };
  }

  /**
   * Removes a worktree of Shannon's storage and its branch. Links into the folder go first, so
   * nothing of the folder's is ever deleted through one. Missing pieces are no error.
   */
  async remove(root: string, known: { repoRoot?: string; branch?: string } = {}): Promise<void> {
    if (!this.layout.contains(root)) {
      throw new ShannonError('INVALID_ARGUMENT', `${root} is not a worktree of Shannon's; it is left alone.`);
    }
    const manifest = await this.layout.readManifest(root);
    for (const link of manifest?.links ?? []) {
      const file = path.join(root, ...link.split('/'));
      if ((await lstat(file).catch(() => undefined))?.isSymbolicLink()) await unlink(file).catch(() => undefined);
    }
    const repoRoot = known.repoRoot ?? manifest?.repoRoot;
    const branch = known.branch ?? manifest?.branch;
    if (repoRoot && (await exists(repoRoot))) {
      await this.git.run(repoRoot, ['worktree', 'remove', '--force', '--force', root], { okExitCodes: [128] });
      if (branch?.startsWith('shannon/')) await this.git.run(repoRoot, ['branch', '-D', '--quiet', branch], { okExitCodes: [1] });
    }
    await rm(root, { recursive: true, force: true });
    await this.layout.removeManifest(root);
  }

  /**
   * Worktrees in Shannon's storage that no session uses: directories and manifests under it, and
   * registrations of the given repositories pointing into it whose directory is gone.
   */
  async leftovers(inUse: ReadonlySet<string>, repositories: Iterable<string>): Promise<LeftoverWorktree[]> {
    const found = new Map<string, LeftoverWorktree>();
    const repos = new Set(repositories);
    for (const slot of await this.layout.listSlots()) {
      if (inUse.has(slot)) continue;
      const manifest = await this.layout.readManifest(slot);
      if (manifest) repos.add(manifest.repoRoot);
      found.set(slot, {
        path: slot,
        repoRoot: manifest?.repoRoot ?? '',
        ...(manifest?.branch ? { branch: manifest.branch } : {}),
        missing: !(await exists(slot)),
        ...(manifest?.createdAt ? { createdAt: manifest.createdAt } : {}),
      });
    }
    for (const repoRoot of repos) {
      if (!(await exists(repoRoot))) continue;
      const listed = await this.git.run(repoRoot, ['worktree', 'list', '--porcelain', '-z'], { okExitCodes: [128, 129] });
      if (listed.exitCode !== 0) continue;
      for (const block of listed.stdout.toString('utf8').split('\0\0')) {
        const fields = new Map(block.split('\0').filter(Boolean).map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)]));
        const wt = fields.get('worktree');
        if (!wt || !this.layout.contains(wt) || inUse.has(wt)) continue;
        const branch = fields.get('branch')?.replace(/^refs\/heads\//, '');
        const known = found.get(wt);
        found.set(wt, { path: wt, repoRoot, ...(branch ? { branch } : known?.branch ? { branch: known.branch } : {}), missing: !(await exists(wt)), ...(known?.createdAt ? { createdAt: known.createdAt } : {}) });
      }
    }
    return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}
