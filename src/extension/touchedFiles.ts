/**
 * Files a live session has changed get a badge in the Explorer and on editor tabs, its tooltip
 * naming the session. The store indexes every edit tool call as it is appended (see
 * core/store/touchedFiles.ts); this follows the manager's events and reads that index, so the
 * paths decorated are the ones "Sessions That Touched This File" finds. Ended sessions lose their
 * badges: the command still finds them.
 */
import * as vscode from 'vscode';
import { isLive, type SessionRecord } from '../core/session/types.js';
import { editsFiles } from '../core/store/touchedFiles.js';
import { realPathOf } from '../core/workspacePaths.js';
import type { ShannonCore } from './core.js';

/** The badge (at most two characters): C for Claude. */
export const TOUCHED_BADGE = 'C';

export class TouchedFileDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Live session → the files it touched (absolute, real). */
  private readonly bySession = new Map<string, readonly string[]>();
  /** File → the live sessions that touched it. */
  private readonly byFile = new Map<string, Set<string>>();
  private core: ShannonCore | undefined;

  constructor() {
    this.disposables.push(vscode.window.registerFileDecorationProvider(this));
  }

  attach(core: ShannonCore): void {
    this.core = core;
    const m = core.manager;
    this.disposables.push(
      m.onDidMessage((e) => {
        if (e.entry && editsFiles(e.entry)) this.refresh(e.sessionId);
      }),
      m.onDidChangeSession((r) => this.sessionChanged(r)),
      core.store.onDidChange((change) => {
        for (const id of change.sessionIds) if (!core.store.getSession(id)) this.forget(id);
      }),
    );
    for (const r of m.list()) if (isLive(r.state)) this.refresh(r.id);
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file' || this.byFile.size === 0) return undefined;
    // The index holds real paths; a folder opened through a link shows other ones.
    const ids = this.byFile.get(uri.fsPath) ?? this.byFile.get(realPathOf(uri.fsPath) ?? uri.fsPath);
    if (!ids?.size) return undefined;
    const names = [...ids].map((id) => {
      const record = this.core?.manager.get(id);
      // Its change is in its own worktree until brought back: this file is the user's copy.
      return `"${record?.title ?? id}"${record?.worktree?.isolation === 'worktree' ? ' (in its worktree)' : ''}`;
    });
    return new vscode.FileDecoration(TOUCHED_BADGE, `Changed by session${names.length === 1 ? '' : 's'} ${names.join(', ')}`);
  }

  /** Files decorated now, with the sessions behind each (tests). */
  snapshot(): Record<string, string[]> {
    return Object.fromEntries([...this.byFile].map(([file, ids]) => [file, [...ids]]));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private sessionChanged(record: SessionRecord): void {
    if (!isLive(record.state)) this.forget(record.id);
    else if (this.bySession.has(record.id)) this.changed.fire(this.bySession.get(record.id)!.map((f) => vscode.Uri.file(f))); // its title may have changed
    else this.refresh(record.id);
  }

  private refresh(sessionId: string): void {
    const files = this.core?.store.filesTouchedBy(sessionId) ?? [];
    if (files.length === 0) return;
    this.forget(sessionId, false);
    this.bySession.set(sessionId, files);
    for (const f of files) {
      let ids = this.byFile.get(f);
      if (!ids) this.byFile.set(f, (ids = new Set()));
      ids.add(sessionId);
    }
    this.changed.fire(files.map((f) => vscode.Uri.file(f)));
  }

  private forget(sessionId: string, fire = true): void {
    const files = this.bySession.get(sessionId);
    if (!files) return;
    this.bySession.delete(sessionId);
    for (const f of files) {
      const ids = this.byFile.get(f);
      ids?.delete(sessionId);
      if (ids?.size === 0) this.byFile.delete(f);
    }
    if (fire) this.changed.fire(files.map((f) => vscode.Uri.file(f)));
  }
}
