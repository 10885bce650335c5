/** Real git repositories in temp folders, for the worktree tests and bench. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** git as a person runs it in their repository (their identity from the repository's config). */
export function git(cwd: string, ...args: string[]): string {
  // No optional locks: a `git status` here must not refresh (rewrite) the index the test compares.
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
}

export function write(dir: string, rel: string, content: string | Buffer): void {
  const file = path.join(dir, ...rel.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

export function read(dir: string, rel: string): string {
  return readFileSync(path.join(dir, ...rel.split('/')), 'utf8');
}

/** `dir` becomes a repository on `main` with `files` in one commit. */
export function initRepo(dir: string, files: Record<string, string> = { 'README.md': '# project\n' }): string {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Repo Owner');
  git(dir, 'config', 'user.email', 'owner@example.com');
  git(dir, 'config', 'commit.gpgSign', 'false');
  for (const [rel, content] of Object.entries(files)) write(dir, rel, content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return git(dir, 'rev-parse', 'HEAD').trim();
}

/** Everything a person could notice of a repository: HEAD, branch, status, index bytes, loose objects aside. */
export function repoState(dir: string): { head: string; branch: string; status: string; index: string; stash: string } {
  const index = readFileSync(path.join(dir, '.git', 'index')).toString('base64');
  return {
    head: git(dir, 'rev-parse', 'HEAD').trim(),
    branch: git(dir, 'symbolic-ref', '--short', 'HEAD').trim(),
    status: git(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
    index,
    stash: git(dir, 'stash', 'list'),
  };
}

export function commitCount(dir: string, ref = 'HEAD'): number {
  return Number(git(dir, 'rev-list', '--count', ref).trim());
}

/** Files of a directory tree, `/`-separated, `.git` left out. */
export function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    if (name === '.git') continue;
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r), { throwIfNoEntry: false })?.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out.sort();
}
