/**
 * What a session changed: its working tree against its base commit, uncommitted edits and new
 * files included. Reading never writes (no index refresh, no objects): `git diff <base>` for what
 * git tracks there, `ls-files --others` for new files, whose lines are counted here. Cheap enough
 * to run after every tool call of a session (bench/worktrees.bench.ts measures it).
 */
import { chmod, lstat, mkdir, readFile, readlink, symlink, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { removeFile } from '../checkpoints/workspaceSnapshots.js';
import { ShannonError } from '../errors.js';
import type { RepoGit } from './repoGit.js';
import type { ChangedFile, FileStatus } from './types.js';

/** New files above this size are not read to count their lines. */
const MAX_COUNTED_BYTES = 8 * 1024 * 1024;

export async function readChanges(git: RepoGit, root: string, base: string): Promise<ChangedFile[]> {
  const [tracked, untracked] = await Promise.all([
    git.nul(root, ['diff', '-z', '--raw', '--numstat', '--no-renames', '--no-ext-diff', '--ignore-submodules', base, '--']),
    git.nul(root, ['ls-files', '-z', '--others', '--exclude-standard']),
  ]);
  const byPath = new Map<string, ChangedFile>();
  // With -z, --raw gives `:modes shas status` NUL path NUL; --numstat `added TAB deleted TAB path` NUL.
  let i = 0;
  while (i < tracked.length && tracked[i]!.startsWith(':')) {
    const status = tracked[i]!.split(' ')[4] ?? 'M';
    const file = tracked[i + 1]!;
    byPath.set(file, { path: file, status: statusOf(status), additions: 0, deletions: 0 });
    i += 2;
  }
  for (; i < tracked.length; i++) {
    const [added, deleted, ...rest] = tracked[i]!.split('\t');
    const file = rest.join('\t');
    const entry = byPath.get(file);
    if (!entry) continue;
    entry.additions = added === '-' ? null : Number(added);
    entry.deletions = deleted === '-' ? null : Number(deleted);
  }
  for (const file of untracked) {
    const counted = await countLines(path.join(root, ...file.split('/')));
    const known = byPath.get(file);
    if (known?.status === 'deleted') {
      // Taken out of git's index but still on disk: shown as rewritten (counts are an upper bound).
      known.status = 'modified';
      known.additions = counted;
      continue;
    }
    byPath.set(file, { path: file, status: 'added', additions: counted, deletions: counted === null ? null : 0 });
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The unified diff of the changes (binary files named, not shown), cut at `maxBytes` at a
 * file boundary where possible. `truncated` says whether anything was left out.
 */
export async function unifiedDiff(git: RepoGit, root: string, base: string, files: readonly ChangedFile[], maxBytes: number): Promise<{ diff: string; truncated: boolean }> {
  const patch = (await git.run(root, ['diff', '--no-renames', '--no-ext-diff', '--ignore-submodules', base, '--'])).stdout.toString('utf8');
  const parts = patch ? [patch] : [];
  // Files git does not track are not in its patch: they are written here.
  const inPatch = new Set([...patch.matchAll(/^diff --git a\/(.+?) b\//gm)].map((m) => m[1]));
  for (const f of files) {
    if (f.status === 'added' && !inPatch.has(f.path)) parts.push(await newFilePatch(root, f.path));
  }
  const diff = parts.join('');
  if (Buffer.byteLength(diff) <= maxBytes) return { diff, truncated: false };
  return { diff: cutAt(diff, maxBytes), truncated: true };
}

/** A file's content at the base commit, or null when it did not exist there. */
export async function fileAtBase(git: RepoGit, root: string, base: string, file: string): Promise<Buffer | null> {
  const rel = checkedPath(file);
  const listing = await git.nul(root, ['ls-tree', '-z', base, '--', rel]);
  const m = listing[0] ? /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(listing[0]) : null;
  if (!m || m[2] !== 'blob' || m[4] !== rel) return null;
  return (await git.run(root, ['cat-file', 'blob', m[3]!])).stdout;
}

/** Puts the base version of one file back in the tree (removes it if the base had none). */
export async function restoreFromBase(git: RepoGit, root: string, base: string, file: string): Promise<void> {
  const rel = checkedPath(file);
  const target = path.join(root, ...rel.split('/'));
  const listing = await git.nul(root, ['ls-tree', '-z', base, '--', rel]);
  const m = listing[0] ? /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(listing[0]) : null;
  if (!m || m[2] !== 'blob' || m[4] !== rel) {
    await removeFile(root, rel);
    return;
  }
  const content = (await git.run(root, ['cat-file', 'blob', m[3]!])).stdout;
  await unlink(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT' && err.code !== 'EISDIR') throw err;
  });
  await mkdir(path.dirname(target), { recursive: true });
  if (m[1] === '120000') await symlink(content.toString('utf8'), target);
  else {
    await writeFile(target, content);
    await chmod(target, m[1] === '100755' ? 0o755 : 0o644);
  }
}

/** What a kept file's version is known by: its size and mtime (or `deleted`). */
export async function fingerprint(root: string, file: string): Promise<string> {
  const s = await lstat(path.join(root, ...checkedPath(file).split('/'))).catch(() => undefined);
  return s ? `${s.size}:${Math.floor(s.mtimeMs)}` : 'deleted';
}

// ---------------------------------------------------------------------------------------------

function statusOf(letter: string): FileStatus {
  return letter === 'A' ? 'added' : letter === 'D' ? 'deleted' : 'modified';
}

/** Lines of a new file (`null`: binary or too big to read). A last line without newline counts. */
async function countLines(file: string): Promise<number | null> {
  const s = await lstat(file).catch(() => undefined);
  if (!s) return 0;
  if (s.isSymbolicLink()) return 1;
  if (!s.isFile() || s.size > MAX_COUNTED_BYTES) return null;
  const buf = await readFile(file);
  if (buf.subarray(0, 8000).includes(0)) return null;
  if (buf.length === 0) return 0;
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return buf[buf.length - 1] === 10 ? n : n + 1;
}

/** git's patch for a file it does not track, written here (git diff --no-index would be a process per file). */
async function newFilePatch(root: string, rel: string): Promise<string> {
  const file = path.join(root, ...rel.split('/'));
  const s = await lstat(file).catch(() => undefined);
  if (!s) return '';
  const mode = s.isSymbolicLink() ? '120000' : s.mode & 0o111 ? '100755' : '100644';
  const head = `diff --git a/${rel} b/${rel}\nnew file mode ${mode}\n`;
  const content = s.isSymbolicLink() ? Buffer.from(await readlink(file)) : s.size > MAX_COUNTED_BYTES ? null : await readFile(file);
  if (content === null || content.subarray(0, 8000).includes(0)) return `${head}Binary files /dev/null and b/${rel} differ\n`;
  if (content.length === 0) return head;
  const text = content.toString('utf8');
  const lines = text.split('\n');
  const noNewline = !text.endsWith('\n');
  if (!noNewline) lines.pop();
  return `${head}--- /dev/null\n+++ b/${rel}\n@@ -0,0 +1${lines.length === 1 ? '' : `,${lines.length}`} @@\n${lines.map((l) => `+${l}\n`).join('')}${noNewline ? '\\ No newline at end of file\n' : ''}`;
}

function cutAt(diff: string, maxBytes: number): string {
  const bytes = Buffer.from(diff);
  const head = bytes.subarray(0, maxBytes).toString('utf8');
  const lastFile = head.lastIndexOf('\ndiff --git ');
  return lastFile > 0 ? head.slice(0, lastFile + 1) : head.slice(0, head.lastIndexOf('\n') + 1);
}

/** A path inside the tree, `/`-separated: nothing absolute, no `..`, never into `.git`. */
function checkedPath(file: string): string {
  const rel = file.split(path.sep).join('/');
  const parts = rel.split('/');
  if (!rel || path.isAbsolute(file) || parts.some((p) => p === '' || p === '.' || p === '..') || parts[0] === '.git') {
    throw new ShannonError('INVALID_ARGUMENT', `"${file}" is not a file path inside the session's tree.`);
  }
  return rel;
}
