/**
 * The ignore rules a snapshot uses beyond the folder's own `.gitignore` files (which git reads
 * itself, the folder being the work tree): Shannon's fixed excludes, the user's
 * `.git/info/exclude`, and — when the folder is a subfolder of a repository — the rules of the
 * `.gitignore` files above it that can be carried down. Only read, never written.
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';

export async function collectExcludes(folder: string, alwaysExclude: readonly string[]): Promise<string[]> {
  const lines: string[] = ['# Shannon: always excluded', ...alwaysExclude];
  const repoRoot = await findRepoRoot(folder);
  if (!repoRoot) return lines;

  const commonDir = await resolveCommonGitDir(path.join(repoRoot, '.git'));
  const infoExclude = commonDir ? await readLines(path.join(commonDir, 'info', 'exclude')) : [];
  const rel = toPosix(path.relative(repoRoot, folder));
  if (rel === '') {
    lines.push('# the repository: .git/info/exclude', ...infoExclude);
    return lines;
  }
  lines.push('# the repository above this folder');
  lines.push(...carryDown(infoExclude, rel));
  // Each .gitignore from the repository root down to the folder's parent.
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    const dir = path.join(repoRoot, ...parts.slice(0, i));
    const below = parts.slice(i).join('/');
    lines.push(...carryDown(await readLines(path.join(dir, '.gitignore')), below));
  }
  return lines;
}

/**
 * Rewrites rules written for a directory so they apply in its descendant `rel`: unanchored rules
 * (`*.log`, `dist/`) hold anywhere; anchored ones (`/packages/app/out`) hold only when they point
 * inside `rel` (then `/out`); the rest cannot match there and are dropped.
 */
export function carryDown(rules: readonly string[], rel: string): string[] {
  const out: string[] = [];
  for (const raw of rules) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const body = negated ? line.slice(1) : line;
    const trimmed = body.endsWith('/') ? body.slice(0, -1) : body;
    // A home-directory dotfiles repository ignores everything (`*`) to track a chosen few: that
    // says nothing about a project that happens to live under it.
    if (MATCH_ALL.has(trimmed)) continue;
    if (!trimmed.includes('/') || trimmed.startsWith('**/')) {
      out.push(line);
      continue;
    }
    const anchored = body.startsWith('/') ? body.slice(1) : body;
    if (anchored.startsWith(rel + '/') && anchored.length > rel.length + 1) {
      out.push(`${negated ? '!' : ''}/${anchored.slice(rel.length + 1)}`);
    }
  }
  return out;
}

const MATCH_ALL = new Set(['*', '/*', '**', '/**', '**/*']);

/** A path as a gitignore rule matching exactly that path from the work tree root. */
export function literalRule(relPath: string): string {
  const isDir = relPath.endsWith('/');
  const body = isDir ? relPath.slice(0, -1) : relPath;
  return '/' + body.replace(/[\\*?[\]!# ]/g, (c) => '\\' + c) + (isDir ? '/' : '');
}

async function findRepoRoot(folder: string): Promise<string | undefined> {
  let dir = folder;
  for (;;) {
    if (await exists(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `.git` may be a directory or, in worktrees and submodules, a file naming the real one. */
async function resolveCommonGitDir(dotGit: string): Promise<string | undefined> {
  try {
    const s = await stat(dotGit);
    let gitDir = dotGit;
    if (s.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(await readFile(dotGit, 'utf8'));
      if (!m?.[1]) return undefined;
      gitDir = path.resolve(path.dirname(dotGit), m[1].trim());
    }
    const common = (await readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => '')).trim();
    return common ? path.resolve(gitDir, common) : gitDir;
  } catch {
    return undefined;
  }
}

async function readLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n');
  } catch {
    return [];
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
