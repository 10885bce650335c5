/**
 * Which files a session's edit tool calls touched: the store's index of them (the
 * `touched_files` table), what one transcript entry adds to it, and the one-off pass that
 * indexes transcripts stored before the index existed.
 *
 * A touch is keyed by the file's path as the user sees it: absolute, real (symlinks resolved as
 * far as the path exists: a Write may create it), and for a session in a worktree of its own
 * mapped back to the same file in the repository the user has open. So "which sessions touched
 * this file" finds a worktree session from the user's copy of the file.
 */
import * as path from 'node:path';
import type { SessionRecord, TranscriptEntry } from '../session/types';
import { editedFile, toolUses } from '../transcript/blocks';
import { isWithin, realPathOf } from '../workspacePaths';

/** One edit tool call on one file. */
export interface FileTouch {
  sessionId: string;
  /** The file, absolute and real (see touchedFilePath). */
  path: string;
  /** The seq of the transcript entry holding the tool call. */
  seq: number;
  /** `Edit`, `MultiEdit`, `Write` or `NotebookEdit`. */
  tool: string;
  /** When the call was made (the entry's time). */
  at: number;
}

/** A session that touched a file: its newest touch, and how many edit calls it made to it. */
export interface SessionTouch extends FileTouch {
  edits: number;
}

export interface TouchQuery {
  /** Only sessions of this workspace folder. */
  workspaceFolder?: string;
  limit?: number;
}

/** Where a session's relative paths start, and the worktree it may edit instead of the folder. */
export type SessionPlace = Pick<SessionRecord, 'cwd' | 'worktree'>;

/**
 * `file` (relative to `base`) made absolute and real as far as it exists: the parts that do not
 * exist yet (a file a Write is about to create) are kept as written under their real parent.
 */
export function touchedFilePath(file: string, base?: string): string {
  const absolute = base === undefined ? path.resolve(file) : path.resolve(base, file);
  const missing: string[] = [];
  let at = absolute;
  for (;;) {
    const real = realPathOf(at);
    if (real !== undefined) return missing.length ? path.join(real, ...missing.reverse()) : real;
    const parent = path.dirname(at);
    if (parent === at) return absolute;
    missing.push(path.basename(at));
    at = parent;
  }
}

/**
 * The files an entry's edit tool calls touch (the CLI writes one content block per line, so
 * usually one). Only assistant messages call tools; relative paths need the session's cwd.
 */
export function touchesOf(entry: TranscriptEntry, place: SessionPlace | undefined): FileTouch[] {
  if (entry.type !== 'assistant') return [];
  const touches: FileTouch[] = [];
  for (const use of toolUses(entry.raw)) {
    const file = editedFile(use.name, use.input);
    if (!file || (!path.isAbsolute(file) && !place)) continue;
    touches.push({ sessionId: entry.sessionId, path: userPath(touchedFilePath(file, place?.cwd), place), seq: entry.seq, tool: use.name, at: entry.at });
  }
  return touches;
}

/** Whether the entry calls an edit tool at all (cheap: no paths resolved). */
export function editsFiles(entry: TranscriptEntry): boolean {
  return entry.type === 'assistant' && toolUses(entry.raw).some((use) => editedFile(use.name, use.input) !== undefined);
}

/** A file in the session's own worktree is the user's file of the same name in the repository. */
function userPath(file: string, place: SessionPlace | undefined): string {
  const tree = place?.worktree;
  if (tree?.isolation !== 'worktree') return file;
  const root = realPathOf(tree.root) ?? tree.root;
  if (!isWithin(file, root)) return file;
  return path.join(realPathOf(tree.repoRoot) ?? tree.repoRoot, path.relative(root, file));
}

export interface BackfillHost {
  /** Every stored session, with where its paths start. */
  sessions(): Array<SessionPlace & { id: string }>;
  /** A session's assistant entries, from `fromSeq`, at most `limit`. */
  readAssistant(sessionId: string, fromSeq: number, limit: number): Promise<TranscriptEntry[]>;
  record(touches: FileTouch[]): void;
  /** The store closed: stop. */
  stopped(): boolean;
}

const BACKFILL_BATCH = 500;

/**
 * Indexes the touches of every stored transcript (sessions kept before the index existed).
 * Idempotent: a pass cut short (a window closed) runs again whole on the next open, and entries
 * indexed meanwhile on append are recorded once. Returns false when stopped before the end.
 */
export async function backfillTouches(host: BackfillHost): Promise<boolean> {
  for (const session of host.sessions()) {
    let from = 0;
    for (;;) {
      if (host.stopped()) return false;
      const entries = await host.readAssistant(session.id, from, BACKFILL_BATCH);
      if (host.stopped()) return false;
      const touches = entries.flatMap((e) => touchesOf(e, session));
      if (touches.length) host.record(touches);
      if (entries.length < BACKFILL_BATCH) break;
      from = entries[entries.length - 1]!.seq + 1;
    }
  }
  return true;
}
