/**
 * Where Shannon keeps worktrees and what it calls them: `<storage>/worktrees/<repo>-<hash>/<slug>-<id>`
 * on branch `shannon/<slug>-<id>`, beside a manifest (`<slug>-<id>.json`) naming the repository,
 * the branch and the links made into it, so a worktree left without a session can still be
 * found, understood and removed. Never inside the user's repository: no watcher, search or SCM
 * noise there.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { atomicWriteFile } from '../store/files.js';

export interface WorktreeManifest {
  repoRoot: string;
  branch: string;
  createdAt: number;
  /** Paths (relative to the worktree) Shannon linked to the folder's: unlinked before removal. */
  links: string[];
}

export interface WorktreeSlot {
  /** The worktree's directory. */
  path: string;
  branch: string;
  manifestFile: string;
}

const MAX_SLUG = 40;

export class WorktreeLayout {
  readonly root: string;

  constructor(storageDir: string) {
    this.root = path.join(storageDir, 'worktrees');
  }

  /** Scratch space for private index files. */
  get scratchDir(): string {
    return path.join(this.root, '.scratch');
  }

  /** A fresh place and branch name for a new worktree of `repoRoot`. */
  newSlot(repoRoot: string, title: string): WorktreeSlot {
    const name = `${slugify(title) || 'session'}-${randomBytes(3).toString('hex')}`;
    const dir = path.join(this.root, repoDirName(repoRoot));
    return { path: path.join(dir, name), branch: `shannon/${name}`, manifestFile: path.join(dir, `${name}.json`) };
  }

  manifestFileOf(worktreePath: string): string {
    return `${worktreePath}.json`;
  }

  async writeManifest(slot: WorktreeSlot, manifest: WorktreeManifest): Promise<void> {
    await mkdir(path.dirname(slot.manifestFile), { recursive: true });
    await atomicWriteFile(slot.manifestFile, JSON.stringify(manifest, null, 2));
  }

  async readManifest(worktreePath: string): Promise<WorktreeManifest | undefined> {
    try {
      const m = JSON.parse(await readFile(this.manifestFileOf(worktreePath), 'utf8')) as Partial<WorktreeManifest>;
      if (typeof m.repoRoot !== 'string' || typeof m.branch !== 'string') return undefined;
      return { repoRoot: m.repoRoot, branch: m.branch, createdAt: Number(m.createdAt) || 0, links: Array.isArray(m.links) ? m.links.filter((l): l is string => typeof l === 'string') : [] };
    } catch {
      return undefined;
    }
  }

  async removeManifest(worktreePath: string): Promise<void> {
    await rm(this.manifestFileOf(worktreePath), { force: true });
  }

  /** Every worktree directory and manifest under the root (whatever state they are in). */
  async listSlots(): Promise<string[]> {
    const out = new Set<string>();
    for (const repo of await readdir(this.root, { withFileTypes: true }).catch(() => [])) {
      if (!repo.isDirectory() || repo.name.startsWith('.')) continue;
      const dir = path.join(this.root, repo.name);
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory()) out.add(path.join(dir, entry.name));
        else if (entry.name.endsWith('.json')) out.add(path.join(dir, entry.name.slice(0, -'.json'.length)));
      }
    }
    return [...out].sort();
  }

  /** True when `p` lies in Shannon's worktree storage. */
  contains(p: string): boolean {
    const rel = path.relative(this.root, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  }
}

/** A title as a branch-name segment: lower case, ASCII letters and digits, single dashes. */
export function slugify(title: string): string {
  const ascii = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const slug = ascii.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug.slice(0, MAX_SLUG).replace(/-+$/, '');
}

function repoDirName(repoRoot: string): string {
  return `${slugify(path.basename(repoRoot)) || 'repo'}-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}`;
}
