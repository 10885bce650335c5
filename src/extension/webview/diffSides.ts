/**
 * The two sides VS Code's diff editor shows for an Edit, MultiEdit or Write tool call. Where
 * the file on disk lets us, the diff is of the whole file (before the change ↔ after it), in
 * whichever direction the disk is: not yet edited (the permission is still being asked) or
 * already edited. Otherwise it falls back to the tool's own strings. Pure.
 */

type Json = Record<string, unknown>;

export interface DiffSides {
  filePath: string;
  before: string;
  after: string;
  /** How each side was obtained, for the editor's title. */
  beforeLabel: string;
  afterLabel: string;
}

interface Edit {
  oldString: string;
  newString: string;
  replaceAll: boolean;
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

function editsOf(value: unknown): Edit[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((e): e is Json => typeof e === 'object' && e !== null && typeof (e as Json).old_string === 'string' && typeof (e as Json).new_string === 'string')
    .map((e) => ({ oldString: e.old_string as string, newString: e.new_string as string, replaceAll: e.replace_all === true }));
}

/** Applies the edits in order; undefined if one of them does not match. */
function applyEdits(text: string, edits: readonly Edit[]): string | undefined {
  let out = text;
  for (const e of edits) {
    if (e.oldString === '') {
      // Creating a file with Edit: only an empty file matches.
      if (out !== '') return undefined;
      out = e.newString;
      continue;
    }
    const at = out.indexOf(e.oldString);
    if (at < 0) return undefined;
    out = e.replaceAll ? out.split(e.oldString).join(e.newString) : out.slice(0, at) + e.newString + out.slice(at + e.oldString.length);
  }
  return out;
}
