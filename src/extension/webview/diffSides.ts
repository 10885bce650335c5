/**
 * The two sides VS Code's diff editor shows for an Edit, MultiEdit or Write tool call. Where
 * the file on disk lets us, the diff is of the whole file (before the change ↔ after it), in
 * whichever direction the disk is: not yet edited (the permission is still being asked) or
 * already edited. Otherwise it falls back to the tool's own strings. Pure.
 */

import { applyEdits, editsOf, type Edit } from '../../core/review/editProposal';

type Json = Record<string, unknown>;

export interface DiffSides {
  filePath: string;
  before: string;
  after: string;
  /** How each side was obtained, for the editor's title. */
  beforeLabel: string;
  afterLabel: string;
}

export function diffSides(toolName: string, input: Json, current: string | undefined): DiffSides | undefined {
  const filePath = typeof input.file_path === 'string' ? input.file_path : undefined;
  if (!filePath) return undefined;
  if (toolName === 'Write') {
    const content = typeof input.content === 'string' ? input.content : '';
    if (current === undefined) return { filePath, before: '', after: content, beforeLabel: 'new file', afterLabel: 'written' };
    return { filePath, before: current, after: content, beforeLabel: current === content ? 'on disk (already written)' : 'on disk', afterLabel: 'written' };
  }
  const edits = toolName === 'MultiEdit' ? editsOf(input.edits) : toolName === 'Edit' ? editsOf([input]) : [];
  if (!edits.length) return undefined;
  if (current !== undefined) {
    const forward = applyEdits(current, edits);
    if (forward !== undefined) return { filePath, before: current, after: forward, beforeLabel: 'on disk', afterLabel: 'after the edit' };
    const reversed = edits.map((e) => ({ oldString: e.newString, newString: e.oldString, replaceAll: e.replaceAll })).reverse();
    const backward = applyEdits(current, reversed);
    if (backward !== undefined) return { filePath, before: backward, after: current, beforeLabel: 'before the edit', afterLabel: 'on disk (edited)' };
  }
  const join = (pick: (e: Edit) => string) => edits.map(pick).join('\n\n⋯\n\n');
  return { filePath, before: join((e) => e.oldString), after: join((e) => e.newString), beforeLabel: 'old text', afterLabel: 'new text' };
}
