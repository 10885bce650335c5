/**
 * What a file-changing tool call would leave on disk, computed the way the pinned CLI applies
 * it, and the input that makes the CLI write a reviewed version instead. Pure.
 *
 * How the CLI applies them (checked against 2.1.197, fixtures README "Reviewing edits"):
 * - Write: `content`, as given.
 * - Edit / MultiEdit: each `old_string` → `new_string` in order (`replace_all` for every match),
 *   on the file read with CRLF turned into LF; the result is written back with the file's own
 *   line endings. `old_string: ""` creates a file that does not exist (or is empty).
 * - NotebookEdit: one cell's source becomes `new_source` (or the cell is inserted or deleted).
 *
 * A reviewed version goes back as the same tool (the tool name of an ask cannot change): Write
 * with the user's `content`; Edit / MultiEdit replacing the whole file (`old_string` = the file
 * as the CLI reads it, `new_string` = the user's text), which the CLI writes exactly;
 * NotebookEdit with the user's `new_source`.
 */

type Json = Record<string, unknown>;

export const REVIEWED_TOOLS: ReadonlySet<string> = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);

export interface Edit {
  oldString: string;
  newString: string;
  replaceAll: boolean;
}

export interface Proposal {
  /** The file the call changes (absolute or as given). */
  filePath: string;
  /** What is there now: the file, or for NotebookEdit the cell's source ('' for none). */
  before: string;
  /** What the call would leave. */
  after: string;
  /** For NotebookEdit the sides are one cell's source, not the file. */
  cellOnly: boolean;
}

/** The proposal of a call against the file's current text (undefined: the file does not exist). */
export function proposalOf(toolName: string, input: Json, current: string | undefined): Proposal | undefined {
  if (toolName === 'NotebookEdit') return notebookProposal(input, current);
  const filePath = typeof input.file_path === 'string' ? input.file_path : undefined;
  if (!filePath) return undefined;
  if (toolName === 'Write') return { filePath, before: current ?? '', after: typeof input.content === 'string' ? input.content : '', cellOnly: false };
  const edits = toolName === 'MultiEdit' ? editsOf(input.edits) : toolName === 'Edit' ? editsOf([input]) : [];
  if (!edits.length) return undefined;
  const after = applyAsCli(current ?? '', edits);
  return after === undefined ? undefined : { filePath, before: current ?? '', after, cellOnly: false };
}

export type ReviewedAnswer =
  /** The user left the proposal as it was: allow it unchanged. */
  | { kind: 'unchanged' }
  /** The user's version as the tool's input. */
  | { kind: 'edited'; input: Json }
  /** The user put everything back: nothing to write. */
  | { kind: 'nothing' };

/** The answer that makes the CLI leave exactly `text` (what the right side of the diff shows). */
export function reviewedAnswer(toolName: string, input: Json, proposal: Proposal, text: string): ReviewedAnswer {
  if (text === proposal.after) return { kind: 'unchanged' };
  if (text === proposal.before && toolName !== 'Write') return { kind: 'nothing' };
  if (toolName === 'Write') return { kind: 'edited', input: { ...input, content: text } };
  if (toolName === 'NotebookEdit') return { kind: 'edited', input: { ...input, new_source: text } };
  const whole = { old_string: toLf(proposal.before), new_string: toLf(text) };
  if (toolName === 'MultiEdit') return { kind: 'edited', input: { file_path: proposal.filePath, edits: [{ ...whole, replace_all: false }] } };
  return { kind: 'edited', input: { file_path: proposal.filePath, ...whole, replace_all: false } };
}

export function editsOf(value: unknown): Edit[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((e): e is Json => typeof e === 'object' && e !== null && typeof (e as Json).old_string === 'string' && typeof (e as Json).new_string === 'string')
    .map((e) => ({ oldString: e.old_string as string, newString: e.new_string as string, replaceAll: e.replace_all === true }));
}

/** Applies the edits in order; undefined if one of them does not match. */
export function applyEdits(text: string, edits: readonly Edit[]): string | undefined {
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

/** As the CLI does: on the LF text, written back with CRLF if the file had it. */
function applyAsCli(current: string, edits: readonly Edit[]): string | undefined {
  const crlf = current.includes('\r\n');
  const after = applyEdits(toLf(current), edits.map((e) => ({ ...e, oldString: toLf(e.oldString), newString: toLf(e.newString) })));
  return after === undefined || !crlf ? after : after.replace(/\n/g, '\r\n');
}

function toLf(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

function notebookProposal(input: Json, current: string | undefined): Proposal | undefined {
  const filePath = typeof input.notebook_path === 'string' ? input.notebook_path : undefined;
  if (!filePath || typeof input.new_source !== 'string') return undefined;
  const mode = input.edit_mode === 'insert' || input.edit_mode === 'delete' ? input.edit_mode : 'replace';
  let before = '';
  if (mode !== 'insert' && current !== undefined) {
    try {
      const cells = (JSON.parse(current) as { cells?: Array<{ id?: string; source?: string | string[] }> }).cells ?? [];
      const id = typeof input.cell_id === 'string' ? input.cell_id : undefined;
      const index = /^cell-(\d+)$/.exec(id ?? '');
      const cell = cells.find((c) => c.id === id) ?? (index ? cells[Number(index[1])] : undefined);
      before = Array.isArray(cell?.source) ? cell.source.join('') : (cell?.source ?? '');
    } catch {
      before = '';
    }
  }
  return { filePath, before, after: mode === 'delete' ? '' : input.new_source, cellOnly: true };
}
