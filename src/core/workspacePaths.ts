/**
 * Which workspace folder a directory belongs to, by real paths. A lexical check is not enough:
 * `<folder>/rootlink` pointing at `/` lies inside the folder by name and outside it in fact, and
 * the CLI would run in `/`. Both sides are resolved (symlinks, `..`), so a link inside a folder
 * to a subfolder is inside, and a link out is outside.
 */
import { realpathSync } from 'node:fs';
import * as path from 'node:path';

/** Whether `child` is `dir` or below it, comparing the paths as written. */
export function isWithin(child: string, dir: string): boolean {
  const rel = path.relative(dir, child);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** The real path, or undefined when it does not exist or cannot be read. */
export function realPathOf(p: string): string | undefined {
  try {
    return realpathSync.native(p);
  } catch {
    return undefined;
  }
}

/** `p` made absolute, then real where it exists (a path to compare with real ones). */
export function resolvedPath(p: string): string {
  const absolute = path.resolve(p);
  return realPathOf(absolute) ?? absolute;
}

/**
 * The folder of `folders` (returned as given) whose real path holds the real path of `cwd`; the
 * innermost one when folders nest. Undefined when none does, or `cwd` does not exist.
 */
export function folderHolding(cwd: string, folders: readonly string[]): string | undefined {
  const real = realPathOf(cwd);
  if (real === undefined) return undefined;
  let best: { folder: string; depth: number } | undefined;
  for (const folder of folders) {
    const root = realPathOf(folder);
    if (root === undefined || !isWithin(real, root)) continue;
    if (!best || root.length > best.depth) best = { folder, depth: root.length };
  }
  return best?.folder;
}
