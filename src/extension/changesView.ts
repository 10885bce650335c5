/**
 * The Changes view: the files a session changed since it began, live while it works (read again
 * after its tool calls, only while the view is visible), each opening VS Code's diff editor
 * (base ↔ the session's file), with Keep and Discard per file and Merge, Apply and Discard Work
 * for the session. It shows the session selected in the Sessions view, or the one asked for.
 */
import * as vscode from 'vscode';
import type { SessionChanges, ChangedFile } from '../core/worktrees/types.js';
import type { ContextKeys } from './contextKeys.js';
import type { ShannonCore } from './core.js';
import { changeContextValue, changeDescription, changesMessage, changesTitle, changeTooltip, fileName, orderedFiles, STATUS_COLORS, STATUS_LETTERS, STATUS_WORDS } from './model/changesModel.js';

export const CHANGES_VIEW_ID = 'shannon.changes';
/** Base versions of files, for the left side of a diff: `shannon-base:/<path>?session=<id>`. */
export const BASE_SCHEME = 'shannon-base';
/** The rows' resource URIs (file icons and status decorations, never confused with real files). */
const CHANGE_SCHEME = 'shannon-change';

export interface ChangeNode {
  kind: 'change';
  sessionId: string;
  file: ChangedFile;
}

export class ChangesView implements vscode.TreeDataProvider<ChangeNode>, vscode.FileDecorationProvider, vscode.Disposable {
  private readonly onDidChangeTreeDataEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.onDidChangeTreeDataEmitter.event;
  private readonly onDidChangeFileDecorationsEmitter = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.onDidChangeFileDecorationsEmitter.event;
  readonly view: vscode.TreeView<ChangeNode>;
  private readonly disposables: vscode.Disposable[] = [this.onDidChangeTreeDataEmitter, this.onDidChangeFileDecorationsEmitter];
  private core: ShannonCore | undefined;
  private sessionId: string | undefined;
  private changes: SessionChanges | undefined;
  private watching: { sessionId: string; dispose(): void } | undefined;

  constructor(private readonly contextKeys: ContextKeys) {
    this.view = vscode.window.createTreeView(CHANGES_VIEW_ID, { treeDataProvider: this, showCollapseAll: false });
    this.disposables.push(
      this.view,
      this.view.onDidChangeVisibility(() => this.follow()),
      vscode.window.registerFileDecorationProvider(this),
      vscode.workspace.registerTextDocumentContentProvider(BASE_SCHEME, { provideTextDocumentContent: (uri) => this.baseContent(uri) }),
    );
    this.render();
  }

  attach(core: ShannonCore): void {
    this.core = core;
    this.disposables.push(
      core.worktrees.onDidChangeChanges((c) => {
        if (c.sessionId === this.sessionId) this.update(c);
      }),
      core.manager.onDidChangeSession((r) => {
        if (r.id === this.sessionId) this.render();
      }),
    );
    this.follow();
  }

  /** The session shown (undefined: none yet). */
  get current(): string | undefined {
    return this.sessionId;
  }

  get currentChanges(): SessionChanges | undefined {
    return this.changes;
  }

  /** Shows a session's changes; `focus` also brings the view forward. */
  async show(sessionId: string, options: { focus?: boolean } = {}): Promise<void> {
    if (sessionId !== this.sessionId) {
      this.sessionId = sessionId;
      this.changes = undefined;
      this.render();
    }
    if (options.focus) await vscode.commands.executeCommand(`${CHANGES_VIEW_ID}.focus`);
    this.follow();
    await this.refresh();
  }

  /** Reads the shown session's changes now. */
  async refresh(): Promise<SessionChanges | undefined> {
    const id = this.sessionId;
    if (!id || !this.core) return undefined;
    const changes = await this.core.worktrees.tracker.refresh(id);
    if (id === this.sessionId) this.update(changes);
    return changes;
  }

  /** The diff editor for one file: its base version ↔ the session's file (editable). */
  async openDiff(sessionId: string, file: ChangedFile): Promise<void> {
    const record = this.core?.manager.get(sessionId);
    const w = record?.worktree;
    if (!w) return;
    const left = baseUri(sessionId, file.path, file.status === 'added');
    const right = file.status === 'deleted' ? baseUri(sessionId, file.path, true) : vscode.Uri.file(`${w.root}/${file.path}`);
    const side = w.isolation === 'worktree' ? (w.branch ?? 'worktree') : 'working tree';
    await vscode.commands.executeCommand('vscode.diff', left, right, `${fileName(file.path)} (${w.base.slice(0, 7)} ↔ ${side})`, { preview: true });
  }

  // ---- TreeDataProvider, FileDecorationProvider ----------------------------------------------

  getChildren(node?: ChangeNode): ChangeNode[] {
    if (node || !this.changes || !this.sessionId) return [];
    const sessionId = this.sessionId;
    return orderedFiles(this.changes.files).map((file) => ({ kind: 'change', sessionId, file }));
  }

  getTreeItem(node: ChangeNode): vscode.TreeItem {
    const { file } = node;
    const item = new vscode.TreeItem(changeUri(node.sessionId, file), vscode.TreeItemCollapsibleState.None);
    item.id = `change:${node.sessionId}:${file.path}`;
    item.label = fileName(file.path);
    item.description = changeDescription(file);
    item.tooltip = changeTooltip(file, this.changes ?? { isolated: false });
    item.iconPath = file.kept ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')) : vscode.ThemeIcon.File;
    item.contextValue = changeContextValue(file);
    item.accessibilityInformation = { label: `${file.path}, ${STATUS_WORDS[file.status]}, ${changeDescription(file)}${file.kept ? ', kept' : ''}` };
    item.command = { command: 'shannon.openChange', title: 'Open Changes', arguments: [node] };
    return item;
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== CHANGE_SCHEME) return undefined;
    const status = new URLSearchParams(uri.query).get('status') as ChangedFile['status'] | null;
    if (!status || !(status in STATUS_LETTERS)) return undefined;
    return { badge: STATUS_LETTERS[status], tooltip: STATUS_WORDS[status], color: new vscode.ThemeColor(STATUS_COLORS[status]) };
  }

  dispose(): void {
    this.watching?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  // ---- internals --------------------------------------------------------------------------

  private update(changes: SessionChanges): void {
    this.changes = changes;
    this.render();
    this.onDidChangeTreeDataEmitter.fire();
  }

  /** Message, description and context keys from what is known now. */
  private render(): void {
    const record = this.sessionId ? this.core?.manager.get(this.sessionId) : undefined;
    this.view.message = changesMessage(this.changes, record);
    this.view.description = changesTitle(record);
    const w = record?.worktree;
    this.contextKeys.set('shannon.changes.isolated', w?.isolation === 'worktree' && !w.removedAt);
    this.contextKeys.set('shannon.changes.hasFiles', (this.changes?.files.length ?? 0) > 0);
  }

  /** Live readings only while the view is on screen. */
  private follow(): void {
    const id = this.sessionId;
    const want = this.core && id && this.view.visible ? id : undefined;
    if (this.watching?.sessionId === want) return;
    this.watching?.dispose();
    this.watching = undefined;
    if (want && this.core) {
      const sub = this.core.worktrees.watch(want);
      this.watching = { sessionId: want, dispose: () => sub.dispose() };
    }
  }

  private async baseContent(uri: vscode.Uri): Promise<string> {
    const query = new URLSearchParams(uri.query);
    const sessionId = query.get('session');
    if (!sessionId || query.get('empty') === '1' || !this.core) return '';
    const bytes = await this.core.worktrees.fileAtBase(sessionId, uri.path.replace(/^\//, ''));
    return bytes === null ? '' : new TextDecoder().decode(bytes);
  }
}

export function baseUri(sessionId: string, file: string, empty = false): vscode.Uri {
  return vscode.Uri.from({ scheme: BASE_SCHEME, path: `/${file}`, query: new URLSearchParams({ session: sessionId, ...(empty ? { empty: '1' } : {}) }).toString() });
}

function changeUri(sessionId: string, file: ChangedFile): vscode.Uri {
  return vscode.Uri.from({ scheme: CHANGE_SCHEME, path: `/${file.path}`, query: new URLSearchParams({ session: sessionId, status: file.status }).toString() });
}
