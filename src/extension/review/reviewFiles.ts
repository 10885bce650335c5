/**
 * The editable right side of a review diff: an in-memory file system (`shannon-review:`), so
 * the user can change the proposal in a real editor (undo, formatting, language features) and
 * nothing touches the disk until Accept. The path is the file's own (the editor picks the
 * language from it); the query keeps two reviews of one file apart.
 */
import * as vscode from 'vscode';

export const REVIEW_SCHEME = 'shannon-review';

export class ReviewFiles implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly files = new Map<string, { data: Uint8Array; mtime: number }>();
  private readonly onDidChangeFileEmitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.onDidChangeFileEmitter.event;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerFileSystemProvider(REVIEW_SCHEME, this, { isCaseSensitive: true });
  }

  uriFor(filePath: string, key: string): vscode.Uri {
    const posix = filePath.replace(/\\/g, '/');
    return vscode.Uri.from({ scheme: REVIEW_SCHEME, path: posix.startsWith('/') ? posix : `/${posix}`, query: `review=${key}` });
  }

  put(uri: vscode.Uri, text: string): void {
    this.files.set(uri.toString(), { data: new TextEncoder().encode(text), mtime: Date.now() });
    this.onDidChangeFileEmitter.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  /** The text as the user left it: the open editor's (saved or not), else what was put. */
  textOf(uri: vscode.Uri): string | undefined {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    const file = this.files.get(uri.toString());
    return file ? new TextDecoder().decode(file.data) : undefined;
  }

  remove(uri: vscode.Uri): void {
    this.files.delete(uri.toString());
  }

  // ---- vscode.FileSystemProvider -------------------------------------------------------------

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const file = this.require(uri);
    return { type: vscode.FileType.File, ctime: file.mtime, mtime: file.mtime, size: file.data.byteLength };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    return this.require(uri).data;
  }

  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    // Saving the right side keeps the user's version here; Accept reads it.
    if (!this.files.has(uri.toString())) throw vscode.FileSystemError.NoPermissions('This review is over: the change was already answered.');
    this.files.set(uri.toString(), { data: content, mtime: Date.now() });
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('A review holds single files only.');
  }

  delete(uri: vscode.Uri): void {
    this.files.delete(uri.toString());
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions('A review file cannot be renamed.');
  }

  dispose(): void {
    this.registration.dispose();
    this.onDidChangeFileEmitter.dispose();
    this.files.clear();
  }

  private require(uri: vscode.Uri): { data: Uint8Array; mtime: number } {
    const file = this.files.get(uri.toString());
    if (!file) throw vscode.FileSystemError.FileNotFound(uri);
    return file;
  }
}
