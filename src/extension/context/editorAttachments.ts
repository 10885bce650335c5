/**
 * The editor's state as attachments for a message: the selection, a file, its problems. And
 * which editor that is: while the session panel has the focus VS Code has no active text
 * editor, so the last one the user was in is remembered.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { mentionOf, problemsText, selectionText, type Attachment, type ProblemLine } from '../../shared/attachments';

export class RecentEditor implements vscode.Disposable {
  private last: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly subscription = vscode.window.onDidChangeActiveTextEditor((e) => {
    if (e && isFileLike(e.document.uri)) this.last = e;
  });

  /** The active text editor, or the last one the user was in (if still open). */
  get editor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active && isFileLike(active.document.uri)) return active;
    return this.last && !this.last.document.isClosed ? this.last : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

const isFileLike = (uri: vscode.Uri) => uri.scheme === 'file' || uri.scheme === 'untitled';

/** How the session in `cwd` names `uri`: relative inside its folder, absolute outside. */
export function sessionPath(uri: vscode.Uri, cwd: string): string {
  const rel = path.relative(cwd, uri.fsPath);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : uri.fsPath;
}

export function fileAttachment(uri: vscode.Uri, cwd: string): Attachment {
  const file = sessionPath(uri, cwd);
  return { kind: 'file', label: path.basename(uri.fsPath), mention: mentionOf(file) };
}

/** The selection (the cursor's line when nothing is selected); unsaved text goes as text, saved as a line-range mention. */
export function selectionAttachment(editor: vscode.TextEditor, cwd: string): Attachment {
  const doc = editor.document;
  const sel = editor.selection;
  // A selection that ends at column 0 of a line does not take that line.
  const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
  const lines = { start: sel.start.line + 1, end: endLine + 1 };
  const file = doc.isUntitled ? doc.uri.path : sessionPath(doc.uri, cwd);
  const label = `${path.basename(file)}:${lines.start === lines.end ? lines.start : `${lines.start}-${lines.end}`}`;
  if (doc.isDirty || doc.isUntitled) {
    const range = sel.isEmpty ? doc.lineAt(sel.start.line).range : new vscode.Range(sel.start.line, 0, endLine, doc.lineAt(endLine).text.length);
    return { kind: 'selection', label, text: selectionText(file, lines, doc.getText(range), doc.languageId) };
  }
  return { kind: 'selection', label, mention: mentionOf(file, lines) };
}

const SEVERITY: Record<vscode.DiagnosticSeverity, ProblemLine['severity']> = { 0: 'error', 1: 'warning', 2: 'info', 3: 'hint' };

/** The file's problems (or the ones given), undefined when it has none. */
export function problemsAttachment(uri: vscode.Uri, cwd: string, diagnostics: readonly vscode.Diagnostic[] = vscode.languages.getDiagnostics(uri)): Attachment | undefined {
  if (!diagnostics.length) return undefined;
  const file = sessionPath(uri, cwd);
  const problems = diagnostics.map((d) => ({
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    severity: SEVERITY[d.severity],
    message: d.message,
    source: d.source,
    code: typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code),
  }));
  const n = problems.length;
  return { kind: 'problems', label: `${n} problem${n === 1 ? '' : 's'} in ${path.basename(uri.fsPath)}`, text: problemsText(file, problems) };
}
