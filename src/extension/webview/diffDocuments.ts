/**
 * Read-only virtual documents for the diff editor (`shannon-diff:` URIs): the two sides of an
 * Edit/Write/MultiEdit. The path of the URI is the file's, so the editor picks the language
 * from its extension; the query tells the sides (and successive diffs of one file) apart.
 */
import * as vscode from 'vscode';
import type { DiffSides } from './diffSides';

export const DIFF_SCHEME = 'shannon-diff';
/** Diffs kept openable; older ones show as empty documents. */
const KEEP = 64;

export class DiffDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private next = 1;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, this);
  }

  put(sides: DiffSides): { left: vscode.Uri; right: vscode.Uri } {
    const id = this.next++;
    const uri = (side: 'before' | 'after') => vscode.Uri.from({ scheme: DIFF_SCHEME, path: toPosixPath(sides.filePath), query: `${side}=${id}` });
    const left = uri('before');
    const right = uri('after');
    this.contents.set(left.toString(), sides.before);
    this.contents.set(right.toString(), sides.after);
    while (this.contents.size > KEEP * 2) this.contents.delete(this.contents.keys().next().value!);
    return { left, right };
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}

function toPosixPath(p: string): string {
  const s = p.replace(/\\/g, '/');
  return s.startsWith('/') ? s : `/${s}`;
}
