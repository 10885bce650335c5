/**
 * The worktree domain's vocabulary: how a new session is isolated, what a session changed, and
 * what bringing its work back did. Plain data (JSON): the MCP tools and the views carry it.
 */
import { isShannonError } from '../errors.js';
import type { MergeConflictError } from './bringBack.js';

/** `none`: in the folder; `worktree`: in a worktree of its own; `auto`: a worktree when another live session works in the folder. */
export type Isolation = 'none' | 'worktree' | 'auto';
export const ISOLATIONS: readonly Isolation[] = ['none', 'worktree', 'auto'];

/** What to do with the folder's uncommitted changes when a worktree is made. */
export type UncommittedChoice = 'carry' | 'leave';

export type FileStatus = 'added' | 'modified' | 'deleted';

export interface ChangedFile {
  /** Relative to the repository's top, `/`-separated. */
  path: string;
  status: FileStatus;
  /** Lines added and removed; `null` for a binary file. */
  additions: number | null;
  deletions: number | null;
  /** Marked Keep in the Changes view, and unchanged since. */
  kept?: boolean;
}

export interface SessionChanges {
  sessionId: string;
  isolated: boolean;
  /** The tree the session edits (its worktree, or the repository's top). */
  root: string;
  base: string;
  branch?: string;
  files: ChangedFile[];
  additions: number;
  deletions: number;
  computedAt: number;
  /** Why the changes could not be read (the worktree is gone, git failed): `files` is empty then. */
  problem?: string;
}

/** A file that stops work from being brought back, and why. */
export interface Conflict {
  path: string;
  /** `content`: both sides changed it; `uncommitted`: the folder has edits of it not committed; `untracked`: a file the work adds is already there, untracked. */
  reason: 'content' | 'uncommitted' | 'untracked';
}

export type BringBackStrategy = 'squash' | 'apply';

export interface BringBackResult {
  strategy: BringBackStrategy;
  /** The folder's branch the work went to. */
  branch: string;
  /** The squash commit (strategy `squash`). */
  commit?: string;
  /** Files changed in the folder. */
  files: string[];
  /** The session's branch was first rebased on the folder's HEAD. */
  rebased: boolean;
}

/** What makes a new session's worktree, and what the person was told. */
export interface IsolationOutcome {
  isolated: boolean;
  /** One sentence for the person: where the session works, and what happened to uncommitted changes. */
  note: string;
}

/** A worktree in Shannon's storage that no session uses (left by a crash or by retention). */
export interface LeftoverWorktree {
  path: string;
  repoRoot: string;
  branch?: string;
  /** Its directory is gone; only git's registration (and maybe the branch) is left. */
  missing: boolean;
  createdAt?: number;
}

/** Which gitignored files a new worktree gets from the folder, beyond `.worktreeinclude`. */
export interface WorktreeFileRules {
  /** gitignore-style patterns of ignored files copied into the worktree. */
  copy: readonly string[];
  /** gitignore-style patterns of ignored files and directories linked into the worktree (e.g. `node_modules`). */
  symlink: readonly string[];
}

/**
 * Whether `err` is bringBack's MergeConflictError. Structural, like isShannonError: the error
 * may come from another bundle's copy of the class. Here, not beside the class, so a view can
 * tell a conflict without loading git and the snapshot code at activation.
 */
export function isMergeConflict(err: unknown): err is MergeConflictError {
  return isShannonError(err, 'MERGE_CONFLICT') && Array.isArray((err as Partial<MergeConflictError>).conflicts);
}
