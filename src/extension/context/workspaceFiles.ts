/**
 * The files `@` completes, for a session's folder: what git would track there (`git ls-files
 * --cached --others --exclude-standard`: .gitignore honoured) and VS Code shows (findFiles with
 * the `files.exclude` setting applied). Outside a repository, findFiles alone. The list of a
 * folder is kept a few seconds: typing a mention asks for it at every keystroke.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { rankFuzzy } from '../../shared/fuzzy';

const FRESH_MS = 5_000;
const MAX_FILES = 50_000;

export class WorkspaceFiles {
  private readonly cache = new Map<string, { at: number; files: Promise<string[]> }>();

  /** The best matches for `query` among the files under `cwd`, relative to it, best first. */
  async rank(cwd: string, query: string, limit = 30): Promise<string[]> {
    return rankFuzzy(query, await this.list(cwd), (f) => f, limit);
  }

  list(cwd: string): Promise<string[]> {
    const hit = this.cache.get(cwd);
    if (hit && Date.now() - hit.at < FRESH_MS) return hit.files;
    const files = this.read(cwd);
    this.cache.set(cwd, { at: Date.now(), files });
    files.catch(() => this.cache.delete(cwd));
    return files;
  }

  private async read(cwd: string): Promise<string[]> {
    const base = vscode.Uri.file(cwd);
    // `exclude` left undefined: files.exclude applies.
    const [shown, tracked] = await Promise.all([vscode.workspace.findFiles(new vscode.RelativePattern(base, '**/*'), undefined, MAX_FILES), gitFiles(cwd)]);
    const relative = shown.map((u) => path.relative(cwd, u.fsPath).split(path.sep).join('/'));
    const files = tracked ? relative.filter((f) => tracked.has(f)) : relative;
    // Shallow first, then by name: an empty query lists the top of the tree.
    return files.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  }
}

/** The files git would not ignore under `cwd` (relative, `/`-separated), or undefined outside a repository. */
async function gitFiles(cwd: string): Promise<Set<string> | undefined> {
  // Loaded when first asked: node:child_process at the top would cost every window start.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) resolve(undefined);
      else resolve(new Set(stdout.split('\0').filter(Boolean)));
    });
  });
}
