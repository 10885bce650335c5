/**
 * Snapshots of a workspace folder's files, kept in a shadow git repository inside Shannon's
 * storage (`<storageDir>/checkpoints/<hash of the folder path>.git`). git does the hard parts —
 * .gitignore semantics, content-addressed dedup between snapshots, binary files, modes and
 * symlinks — while the folder's own repository, if any, is never opened: GIT_DIR always points
 * at the shadow, each operation works on a private copy of the shadow's index, and nothing is
 * written into the folder except by `restore`.
 *
 * What a snapshot holds: every file git would add in that folder (its `.gitignore` files and
 * `.git/info/exclude` respected), minus `alwaysExclude` (default `node_modules/`) and nested
 * repositories. Empty directories are not files and are not recorded.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, realpath, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError } from '../errors.js';
import { copyIndex, GitRunner, splitNul, throwIfCancelled, type GitRepoLocation } from './git.js';
import { collectExcludes, literalRule } from './ignoreRules.js';

export interface Snapshot {
  /** The snapshot commit's sha in the shadow repository. */
  ref: string;
  createdAt: number;
  /** Files recorded. */
  files: number;
}

export type FileChange = 'added' | 'modified' | 'deleted';

export interface SnapshotChange {
  /** Relative to the folder, `/`-separated. */
  path: string;
  /** What happened since the snapshot: `added` files are new, `deleted` ones are gone. */
  change: FileChange;
}

export interface WorkspaceSnapshotsOptions {
  /** Shannon's storage directory (globalStorage, or the MCP server's data directory). */
  storageDir: string;
  /** The git executable. Default: `git` on PATH. */
  git?: string;
  /**
   * gitignore rules applied on top of the folder's own. Default `['node_modules/']`: dependency
   * trees are large (10⁴–10⁵ files), rebuilt from a lockfile, and in a folder without a
   * .gitignore would make the first snapshot slow and the shadow repository huge. Excluded paths
   * are never snapshotted and never removed by a restore.
   */
  alwaysExclude?: readonly string[];
  /** A new or changed file bigger than this fails the snapshot (CHECKPOINT_FAILED). Default 50 MiB. */
  maxFileBytes?: number;
  /** More new files than this in one snapshot fails it. Default 100,000. */
  maxNewFiles?: number;
}

const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
const DEFAULT_MAX_NEW_FILES = 100_000;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const GITLINK_MODE = '160000';
const VERBATIM_ATTRIBUTES = '* -text -eol -filter -ident -working-tree-encoding\n';

interface ShadowRepo extends GitRepoLocation {
  /** The persistent index: a stat cache so unchanged files are not hashed again. */
  indexFile: string;
}

/** The private index of one operation, already holding the folder's current files. */
interface Staged {
  indexFile: string;
  excludesFile: string;
  /** Files in the index. */
  files: number;
}

export class WorkspaceSnapshots {
  private readonly git: GitRunner;
  private readonly root: string;
  private readonly alwaysExclude: readonly string[];
  private readonly maxFileBytes: number;
  private readonly maxNewFiles: number;
  private readonly ready = new Map<string, Promise<ShadowRepo>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: WorkspaceSnapshotsOptions) {
    this.git = new GitRunner(options.git ?? 'git');
    this.root = path.join(options.storageDir, 'checkpoints');
    this.alwaysExclude = options.alwaysExclude ?? ['node_modules/'];
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.maxNewFiles = options.maxNewFiles ?? DEFAULT_MAX_NEW_FILES;
  }

  /** Records the folder's files now. */
  snapshot(folder: string, label: string, signal?: AbortSignal): Promise<Snapshot> {
    return this.withRepo(folder, async (repo) => {
      const createdAt = Date.now();
      const staged = await this.stage(repo, signal);
      try {
        const tree = text(await this.run(repo, ['write-tree'], { indexFile: staged.indexFile, signal }));
        const message = label.trim() || 'checkpoint';
        const ref = text(await this.run(repo, ['commit-tree', '--no-gpg-sign', '-m', message, tree], { signal }));
        // One ref per snapshot: it keeps the commit from any future gc, and names never collide
        // between two windows snapshotting the same folder.
        await this.run(repo, ['update-ref', `refs/shannon/snapshots/${ref}`, ref], { signal });
        await this.keepIndex(repo, staged);
        return { ref, createdAt, files: staged.files };
      } finally {
        await this.discard(staged);
      }
    });
  }

  /** What changed in the folder since the snapshot, sorted by path. */
  diff(folder: string, ref: string, signal?: AbortSignal): Promise<SnapshotChange[]> {
    return this.withRepo(folder, async (repo) => {
      await this.requireSnapshot(repo, ref, signal);
      const staged = await this.stage(repo, signal);
      try {
        const changes = await this.changes(repo, staged, ref, signal);
        await this.keepIndex(repo, staged);
        return changes;
      } finally {
        await this.discard(staged);
      }
    });
  }

  /** What changed between two snapshots of the folder (`from` → `to`), sorted by path. */
  compare(folder: string, from: string, to: string, signal?: AbortSignal): Promise<SnapshotChange[]> {
    return this.withRepo(folder, async (repo) => {
      await this.requireSnapshot(repo, from, signal);
      await this.requireSnapshot(repo, to, signal);
      return parseRawDiff((await this.run(repo, ['diff-tree', '-r', '-z', '--raw', '--no-renames', from, to], { signal })).stdout);
    });
  }

  /** A file's content at the snapshot and now, for a diff editor. `null`: absent on that side. */
  async diffText(
    folder: string,
    ref: string,
    file: string,
  ): Promise<{ before: string | null; after: string | null; binary: boolean }> {
    const rel = checkRelativePath(file);
    const before = await this.fileAt(folder, ref, rel);
    const after = await readCurrent(path.join(await canonicalFolder(folder), ...rel.split('/')));
    return {
      before: before?.toString('utf8') ?? null,
      after: after?.toString('utf8') ?? null,
      binary: (before !== null && looksBinary(before)) || (after !== null && looksBinary(after)),
    };
  }

  /** A file's bytes (a symlink's target) at the snapshot, or `null` if it had no such file. */
  async fileAt(folder: string, ref: string, file: string): Promise<Buffer | null> {
    const rel = checkRelativePath(file);
    return this.withRepo(folder, async (repo) => {
      await this.requireSnapshot(repo, ref);
      const listing = splitNul((await this.run(repo, ['ls-tree', '-z', ref, '--', rel])).stdout)[0];
      const m = listing ? /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(listing) : null;
      if (!m || m[2] !== 'blob' || m[4] !== rel) return null;
      return (await this.run(repo, ['cat-file', 'blob', m[3]!])).stdout;
    });
  }

  /**
   * Puts the folder's files back as they were at the snapshot, byte for byte (and mode): changed
   * and deleted files are written, files created since (and not ignored) are removed, with the
   * directories their removal leaves empty. Ignored files are left alone. With `only`, just
   * those paths are put back (a turn's review reverts one file, or the files of one turn).
   */
  restore(folder: string, ref: string, signal?: AbortSignal, only?: readonly string[]): Promise<{ restored: string[]; removed: string[] }> {
    const wanted = only && new Set(only.map(checkRelativePath));
    return this.withRepo(folder, async (repo) => {
      await this.requireSnapshot(repo, ref, signal);
      const staged = await this.stage(repo, signal);
      const target = path.join(repo.gitDir, `restore-${uniqueSuffix()}`);
      try {
        const changes = (await this.changes(repo, staged, ref, signal)).filter((c) => !wanted || wanted.has(c.path));
        const removed = changes.filter((c) => c.change === 'added').map((c) => c.path);
        const restored = changes.filter((c) => c.change !== 'added').map((c) => c.path);
        throwIfCancelled(signal);
        // Removals first: a path that was a file then and is a directory now must be free
        // before the file is written back (and the other way round).
        for (const rel of removed) await removeFile(repo.workTree, rel);
        if (restored.length > 0) {
          await this.run(repo, ['read-tree', ref], { indexFile: target });
          await this.run(repo, ['checkout-index', '-f', '-z', '--stdin'], {
            indexFile: target,
            input: restored.join('\0') + '\0',
          });
        }
        return { restored, removed };
      } finally {
        await this.discard(staged);
        await rm(target, { force: true });
      }
    });
  }

  /** Drops snapshots no checkpoint needs any more and frees their space. */
  async forget(folder: string, refs: readonly string[]): Promise<void> {
    for (const ref of refs) checkRef(ref);
    return this.withRepo(folder, async (repo) => {
      if (refs.length === 0) return;
      const input = refs.map((ref) => `delete refs/shannon/snapshots/${ref}\n`).join('');
      await this.run(repo, ['update-ref', '--stdin'], { input });
      await this.run(repo, ['gc', '--quiet', '--prune=now']);
    });
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Builds a private index holding the folder's files as they are now: starts from the shadow's
   * persistent index (so unchanged files are not re-hashed), adds everything git would add,
   * then drops entries that are ignored now (a .gitignore may have changed since).
   */
  private async stage(repo: ShadowRepo, signal?: AbortSignal): Promise<Staged> {
    throwIfCancelled(signal);
    const suffix = uniqueSuffix();
    const staged: Staged = {
      indexFile: path.join(repo.gitDir, `index-${suffix}`),
      excludesFile: path.join(repo.gitDir, `exclude-${suffix}`),
      files: 0,
    };
    try {
      await copyIndex(repo.indexFile, staged.indexFile);
      const excludes = await collectExcludes(repo.workTree, this.alwaysExclude);
      // Storage inside the folder (an MCP server's data dir, say) must not snapshot itself.
      const own = path.relative(repo.workTree, this.root);
      if (own && !own.startsWith('..') && !path.isAbsolute(own)) excludes.push(literalRule(own.split(path.sep).join('/') + '/'));
      await writeFile(staged.excludesFile, excludes.join('\n') + '\n');
      const opts = { indexFile: staged.indexFile, excludesFile: staged.excludesFile, signal };

      // What `add` is about to read: checked against the caps first. Nested repositories show as
      // `dir/`; git would record them as submodule links (or fail on one without commits), so
      // they are excluded: their files are theirs.
      const pending = splitNul((await this.run(repo, ['ls-files', '-z', '--others', '--modified', '--exclude-standard'], opts)).stdout);
      const nested = pending.filter((p) => p.endsWith('/'));
      await this.checkCaps(repo.workTree, pending.filter((p) => !p.endsWith('/')));
      if (nested.length > 0) {
        await writeFile(staged.excludesFile, [...excludes, '# nested repositories', ...nested.map(literalRule)].join('\n') + '\n');
      }

      await this.run(repo, ['add', '-A'], opts);
      const nowIgnored = splitNul((await this.run(repo, ['ls-files', '-z', '--cached', '--ignored', '--exclude-standard'], opts)).stdout);
      const entries = splitNul((await this.run(repo, ['ls-files', '-z', '--stage'], opts)).stdout);
      const gitlinks = entries.filter((line) => line.startsWith(GITLINK_MODE + ' ')).map((line) => line.slice(line.indexOf('\t') + 1));
      const drop = new Set([...nowIgnored, ...gitlinks]);
      if (drop.size > 0) await this.run(repo, ['update-index', '--force-remove', '-z', '--stdin'], { ...opts, input: [...drop].join('\0') + '\0' });
      staged.files = entries.length - drop.size;
      return staged;
    } catch (err) {
      await this.discard(staged);
      throw err;
    }
  }

  private async checkCaps(workTree: string, paths: string[]): Promise<void> {
    if (paths.length > this.maxNewFiles) {
      throw new ShannonError(
        'CHECKPOINT_FAILED',
        `The folder has ${paths.length} new or changed files, more than the ${this.maxNewFiles} a checkpoint takes at once.`,
        'Add generated or dependency folders to .gitignore, or turn automatic checkpoints off for this folder.',
      );
    }
    const tooBig: string[] = [];
    // Batched: a first snapshot stats every file, one at a time that is seconds on 10⁴ files.
    for (let i = 0; i < paths.length; i += 256) {
      const batch = paths.slice(i, i + 256);
      const stats = await Promise.all(batch.map((rel) => lstat(path.join(workTree, ...rel.split('/'))).catch(() => undefined)));
      stats.forEach((s, j) => {
        if (s?.isFile() && s.size > this.maxFileBytes) tooBig.push(`${batch[j]} (${formatBytes(s.size)})`);
      });
    }
    if (tooBig.length > 0) {
      throw new ShannonError(
        'CHECKPOINT_FAILED',
        `${tooBig.length === 1 ? 'A file is' : `${tooBig.length} files are`} over the ${formatBytes(this.maxFileBytes)} checkpoint limit: ${tooBig.slice(0, 5).join(', ')}${tooBig.length > 5 ? ', …' : ''}.`,
        'Add large generated files to .gitignore (they are then neither snapshotted nor removed on restore), or raise the checkpoint size limit.',
      );
    }
  }

  private async changes(repo: ShadowRepo, staged: Staged, ref: string, signal?: AbortSignal): Promise<SnapshotChange[]> {
    return parseRawDiff((await this.run(repo, ['diff-index', '--cached', '-z', '--raw', '--no-renames', ref], { indexFile: staged.indexFile, excludesFile: staged.excludesFile, signal })).stdout);
  }

  private async requireSnapshot(repo: ShadowRepo, ref: string, signal?: AbortSignal): Promise<void> {
    checkRef(ref);
    const { exitCode } = await this.run(repo, ['cat-file', '-e', `${ref}^{commit}`], { signal, okExitCodes: [1, 128] });
    if (exitCode !== 0) {
      throw new ShannonError(
        'CHECKPOINT_FAILED',
        `No snapshot ${ref.slice(0, 12)} exists for ${repo.workTree}.`,
        'The checkpoint may have been pruned or belongs to another folder; pick another checkpoint.',
      );
    }
  }

  /** The persistent index becomes this operation's (best effort: it is only a cache). */
  private async keepIndex(repo: ShadowRepo, staged: Staged): Promise<void> {
    await rename(staged.indexFile, repo.indexFile).catch(() => undefined);
  }

  private async discard(staged: Staged): Promise<void> {
    await rm(staged.indexFile, { force: true });
    await rm(staged.excludesFile, { force: true });
  }

  private run(repo: ShadowRepo, args: readonly string[], options: { indexFile?: string; excludesFile?: string; signal?: AbortSignal | undefined; input?: string; okExitCodes?: number[] } = {}) {
    const { signal, ...rest } = options;
    return this.git.run(repo, args, signal ? { ...rest, signal } : rest);
  }

  /** Runs `fn` on the folder's shadow repository, one operation per folder at a time. */
  private async withRepo<T>(folder: string, fn: (repo: ShadowRepo) => Promise<T>): Promise<T> {
    const workTree = await canonicalFolder(folder);
    const previous = this.queues.get(workTree) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => fn(await this.open(workTree)));
    const tail = run.catch(() => undefined);
    this.queues.set(workTree, tail);
    void tail.then(() => {
      if (this.queues.get(workTree) === tail) this.queues.delete(workTree);
    });
    return run;
  }

  private open(workTree: string): Promise<ShadowRepo> {
    let repo = this.ready.get(workTree);
    if (!repo) {
      repo = this.init(workTree);
      this.ready.set(workTree, repo);
      repo.catch(() => this.ready.delete(workTree));
    }
    return repo;
  }

  private async init(workTree: string): Promise<ShadowRepo> {
    await this.git.ensureAvailable();
    const id = createHash('sha256').update(workTree).digest('hex').slice(0, 16);
    const gitDir = path.join(this.root, `${id}.git`);
    const emptyDir = path.join(this.root, 'empty');
    await mkdir(emptyDir, { recursive: true });
    const repo: ShadowRepo = { gitDir, workTree, emptyDir, indexFile: path.join(gitDir, 'index') };
    const exists = await lstat(path.join(gitDir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      // Initialised aside and renamed in: another window may be doing the same right now, and
      // neither may ever see a half-made repository.
      const temp = `${gitDir}.init-${uniqueSuffix()}`;
      try {
        await this.git.run(undefined, ['init', '--quiet', '--bare', '--template=', temp]);
        await writeFile(path.join(temp, 'shannon-folder'), workTree + '\n');
        await rename(temp, gitDir).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST' && err.code !== 'EPERM') throw err;
        });
      } finally {
        await rm(temp, { recursive: true, force: true });
      }
    }
    // Highest-precedence attributes: whatever the folder's .gitattributes ask for (text=auto,
    // eol=crlf, filter=lfs, working-tree-encoding), files go in and come back byte for byte.
    await mkdir(path.join(gitDir, 'info'), { recursive: true });
    await writeFile(path.join(gitDir, 'info', 'attributes'), VERBATIM_ATTRIBUTES);
    return repo;
  }
}

// -----------------------------------------------------------------------------------------------

async function canonicalFolder(folder: string): Promise<string> {
  if (!path.isAbsolute(folder)) {
    throw new ShannonError('INVALID_ARGUMENT', `The workspace folder must be an absolute path, got "${folder}".`);
  }
  try {
    const real = await realpath(folder);
    if (!(await lstat(real)).isDirectory()) throw new Error('not a directory');
    return real;
  } catch (err) {
    throw new ShannonError('INVALID_ARGUMENT', `The workspace folder ${folder} does not exist or is not a directory.`, undefined, { cause: err });
  }
}

/** `git diff-index` / `diff-tree` `-z --raw` output, as changes sorted by path. */
function parseRawDiff(stdout: Buffer): SnapshotChange[] {
  const raw = splitNul(stdout);
  const out: SnapshotChange[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // `:<old mode> <new mode> <old sha> <new sha> <status>`, then the path.
    const [oldMode, newMode, , , status] = raw[i]!.slice(1).split(' ');
    const file = raw[i + 1]!;
    if (oldMode === GITLINK_MODE || newMode === GITLINK_MODE) continue;
    const change: FileChange = status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'modified';
    out.push({ path: file, change });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function checkRef(ref: string): void {
  if (!SHA.test(ref)) throw new ShannonError('INVALID_ARGUMENT', `"${ref}" is not a snapshot reference (a commit sha).`);
}

/** A path inside the folder, `/`-separated: nothing absolute, no `..`, never into `.git`. */
function checkRelativePath(file: string): string {
  const rel = file.split(path.sep).join('/');
  const parts = rel.split('/');
  if (!rel || path.isAbsolute(file) || rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..') || parts[0] === '.git') {
    throw new ShannonError('INVALID_ARGUMENT', `"${file}" is not a file path inside the workspace folder.`);
  }
  return rel;
}

async function readCurrent(file: string): Promise<Buffer | null> {
  try {
    const s = await lstat(file);
    if (s.isSymbolicLink()) return Buffer.from(await readlink(file));
    if (!s.isFile()) return null;
    return await readFile(file);
  } catch {
    return null;
  }
}

/** Unlinks a file and then every parent directory, up to the work tree, that this left empty. */
export async function removeFile(workTree: string, rel: string): Promise<void> {
  const parts = rel.split('/');
  await unlink(path.join(workTree, ...parts)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  for (let i = parts.length - 1; i > 0; i--) {
    try {
      await rmdir(path.join(workTree, ...parts.slice(0, i)));
    } catch {
      return; // not empty (or gone): its ancestors are not empty either
    }
  }
}

function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

function text(result: { stdout: Buffer }): string {
  return result.stdout.toString('utf8').trim();
}

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
