/**
 * The gitignored files a new worktree gets from the folder, the way the CLI's own `--worktree`
 * does it (2.1.197, `copyWorktreeIncludeFiles`): `.worktreeinclude` at the repository's top
 * lists gitignore-style patterns; a file is copied when it matches one AND git ignores it (a
 * tracked file is in the worktree already, an untracked one would become the session's change).
 * Symlinks are skipped, and nothing is written through a symlink the worktree checked out.
 *
 * Like the CLI, `.claude/settings.local.json` comes along too (when ignored: otherwise it would be
 * the session's change). Beyond the CLI: the `copy` patterns of the settings work like extra `.worktreeinclude` lines,
 * and `symlink` patterns link ignored entries instead of copying them (`node_modules`). A linked
 * directory becomes a real directory of links to its entries: git ignores the directory as it
 * ignores the folder's (a link to a directory is a file to git, and `node_modules/` would not
 * match it), so the session never sees the links as new files.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, realpath, symlink } from 'node:fs/promises';
import * as path from 'node:path';
import { compilePatterns, patternLines, type PathMatcher } from './ignorePatterns.js';
import type { RepoGit } from './repoGit.js';
import type { WorktreeFileRules } from './types.js';

export const WORKTREE_INCLUDE_FILE = '.worktreeinclude';
const LOCAL_SETTINGS = '/.claude/settings.local.json';

export interface PopulateResult {
  copied: string[];
  /** Worktree-relative paths of the links made (unlinked again before the worktree is removed). */
  links: string[];
  /** Why some entries were left out. */
  skipped: Array<{ path: string; reason: string }>;
}

/** Copies and links the folder's ignored files into a fresh worktree (both trees' tops given). */
export async function populateWorktree(git: RepoGit, repoRoot: string, worktree: string, rules: WorktreeFileRules): Promise<PopulateResult> {
  const result: PopulateResult = { copied: [], links: [], skipped: [] };
  const include = patternLines(await readFile(path.join(repoRoot, WORKTREE_INCLUDE_FILE), 'utf8').catch(() => ''));
  // The CLI also brings the project's local settings (permission rules) into its worktrees.
  const copyLines = [...include, LOCAL_SETTINGS, ...rules.copy.flatMap((p) => patternLines(p))];
  const linkLines = rules.symlink.flatMap((p) => patternLines(p));

  // The folder's ignored entries, whole ignored directories collapsed to `dir/` (cheap even
  // with a large node_modules).
  const ignored = await git.nul(repoRoot, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
  const top = await realpath(worktree);

  if (linkLines.length > 0) {
    const linkMatch = compilePatterns(linkLines);
    const linkedDirs: string[] = [];
    for (const entry of ignored) {
      const isDir = entry.endsWith('/');
      const rel = isDir ? entry.slice(0, -1) : entry;
      // git lists an untracked directory holding only ignored entries, and those entries too.
      if (!linkMatch(rel, isDir) || linkedDirs.some((d) => entry.startsWith(d))) continue;
      await linkEntry(repoRoot, top, rel, isDir, result);
      if (isDir) linkedDirs.push(entry);
    }
  }

  if (copyLines.length > 0) {
    const copyMatch = compilePatterns(copyLines);
    const files = new Set(ignored.filter((e) => !e.endsWith('/') && copyMatch(e, false)));
    const dirs = ignored.filter((e) => e.endsWith('/') && mayContainMatches(e, copyLines, copyMatch));
    if (dirs.length > 0) {
      const inside = await git.nul(repoRoot, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...dirs]);
      for (const f of inside) if (copyMatch(f, false)) files.add(f);
    }
    for (const rel of files) {
      if (result.links.some((l) => rel === l || rel.startsWith(`${l}/`))) continue;
      await copyEntry(repoRoot, top, rel, result);
    }
  }
  return result;
}

/** Whether an ignored directory can hold files the patterns select (the CLI's test, plus the matcher). */
function mayContainMatches(dir: string, lines: readonly string[], match: PathMatcher): boolean {
  if (match(dir.slice(0, -1), true)) return true;
  return lines.some((raw) => {
    const line = raw.startsWith('!') ? raw.slice(1) : raw;
    const pattern = line.startsWith('/') ? line.slice(1) : line;
    if (pattern.startsWith(dir)) return true;
    const wild = pattern.search(/[*?[]/);
    // `**/x` and friends reach into any directory.
    if (wild === 0) return true;
    return wild > 0 && dir.startsWith(pattern.slice(0, wild));
  });
}

async function copyEntry(repoRoot: string, top: string, rel: string, result: PopulateResult): Promise<void> {
  const from = path.join(repoRoot, ...rel.split('/'));
  const to = path.join(top, ...rel.split('/'));
  try {
    const st = await lstat(from);
    if (st.isSymbolicLink()) return void result.skipped.push({ path: rel, reason: 'a symbolic link' });
    if (!st.isFile()) return;
    if (await escapesOrExists(top, to)) return void result.skipped.push({ path: rel, reason: 'the worktree has this path already, or it leads outside the worktree' });
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(from, to, constants.COPYFILE_FICLONE);
    result.copied.push(rel);
  } catch (err) {
    result.skipped.push({ path: rel, reason: err instanceof Error ? err.message : String(err) });
  }
}

async function linkEntry(repoRoot: string, top: string, rel: string, isDir: boolean, result: PopulateResult): Promise<void> {
  const from = path.join(repoRoot, ...rel.split('/'));
  const to = path.join(top, ...rel.split('/'));
  try {
    if (await escapesOrExists(top, to)) return void result.skipped.push({ path: rel, reason: 'the worktree has this path already, or it leads outside the worktree' });
    if (!isDir) {
      await mkdir(path.dirname(to), { recursive: true });
      await symlink(from, to);
      result.links.push(rel);
      return;
    }
    await mkdir(to, { recursive: true });
    for (const child of await readdir(from)) {
      await symlink(path.join(from, child), path.join(to, child));
      result.links.push(`${rel}/${child}`);
    }
  } catch (err) {
    result.skipped.push({ path: rel, reason: err instanceof Error ? err.message : String(err) });
  }
}

/** The destination exists already, or its parent resolves outside the worktree (a committed symlink). */
async function escapesOrExists(top: string, to: string): Promise<boolean> {
  if (await lstat(to).then(() => true, () => false)) return true;
  let dir = path.dirname(to);
  for (;;) {
    const real = await realpath(dir).catch(() => undefined);
    if (real !== undefined) return real !== top && !real.startsWith(top + path.sep);
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}
