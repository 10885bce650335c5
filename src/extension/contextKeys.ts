/**
 * The context keys Shannon's `when` clauses read (package.json), in one place, each set only
 * when its value really changes (every setContext is a round trip to the renderer).
 */
import * as vscode from 'vscode';
import type { SessionContextKey } from './model/sessionContext.js';

export type ContextKey =
  /** The store is open and the tree shows what it holds. */
  | 'shannon.ready'
  /** `unknown` (not looked for yet), `checking`, `ok`, `missing`, `tooOld`, `broken`. */
  | 'shannon.claude'
  /** The core could not start (store unreadable): the welcome view says so. */
  | 'shannon.failed'
  /** The Changes view shows a session in a worktree of its own (Merge, Apply, Discard Work apply). */
  | 'shannon.changes.isolated'
  /** The Changes view lists at least one file. */
  | 'shannon.changes.hasFiles'
  /** What the sessions allow (the palette's when clauses): model/sessionContext.ts. */
  | SessionContextKey
  /** The active editor is a turn review's diff (before the turn ↔ now): its Revert applies. */
  | 'shannon.turnDiff';

export class ContextKeys {
  private readonly values = new Map<ContextKey, unknown>();

  set(key: ContextKey, value: unknown): void {
    if (this.values.has(key) && this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  get(key: ContextKey): unknown {
    return this.values.get(key);
  }
}
