/**
 * The Sessions view: renders SessionTreeModel's nodes, and turns the engine's and the store's
 * change events into refreshes of just the nodes they touched, batched (100 ms) so a streaming
 * session repaints one row a few times a second instead of the whole tree on every message.
 */
import * as vscode from 'vscode';
import type { SessionRecord } from '../core/session/types.js';
import type { ShannonCore } from './core.js';
import { GROUP_LABELS, formatAge, sessionDescription, sessionIcon, sessionTooltip, checkpointTooltip, STATE_LABELS, formatCost, type StateGroup } from './model/format.js';
import type { McpAccess } from './model/mcpAccess.js';
import { SessionTreeModel, sessionContextValue, type FolderRef, type Refresh, type TreeNode } from './model/sessionTreeModel.js';

export const SESSIONS_VIEW_ID = 'shannon.sessions';
const REFRESH_DELAY_MS = 100;
/** Ages in descriptions ("5m") are redrawn this often while the view is visible. */
const AGE_TICK_MS = 60_000;

const GROUP_ICONS: Readonly<Record<StateGroup, string>> = {
  running: 'run-all',
  awaiting: 'bell',
  queued: 'clock',
  idle: 'comment-discussion',
  finished: 'history',
};

export interface TreeSnapshotItem {
  id: string;
  label: string;
  description?: string;
  icon?: string;
  contextValue?: string;
  children: TreeSnapshotItem[];
}

export class SessionsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly onDidChangeTreeDataEmitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData: vscode.Event<TreeNode | TreeNode[] | undefined> = this.onDidChangeTreeDataEmitter.event;
  readonly view: vscode.TreeView<TreeNode>;
  private readonly model = new SessionTreeModel();
  private readonly disposables: vscode.Disposable[] = [this.onDidChangeTreeDataEmitter];
  private core: ShannonCore | undefined;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private pending: Set<TreeNode> | 'all' | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    /** Whether a session is shared with MCP, or could be (the cap comes from the settings). */
    private readonly mcpAccess: (record: SessionRecord) => McpAccess = () => undefined,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.view = vscode.window.createTreeView(SESSIONS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.view.onDidChangeVisibility((e) => this.tickAges(e.visible)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()),
    );
    this.tickAges(this.view.visible);
  }

  /** Starts showing the core's sessions and following their changes. */
  attach(core: ShannonCore): void {
    this.core = core;
    const { manager, store } = core;
    this.disposables.push(
      manager.onDidChangeSession((record) => this.schedule(this.model.apply([record]))),
      store.onDidChange((change) => this.onStoreChange(change.sessionIds, change.external)),
    );
    this.reload();
    this.markReady();
  }

  /** The core did not open: show the (empty) tree and its welcome view instead of a progress bar. */
  fail(): void {
    this.markReady();
    this.onDidChangeTreeDataEmitter.fire(undefined);
  }

  /** The sessions the tree currently shows (for tests and pickers). */
  records(): SessionRecord[] {
    return this.model.records();
  }

  /** Selects and reveals a session's item. */
  async reveal(sessionId: string, options: { focus?: boolean; select?: boolean } = {}): Promise<void> {
    await this.ready;
    this.flush();
    const node = this.model.session(sessionId);
    if (node) await this.view.reveal(node, { select: options.select ?? true, focus: options.focus ?? false, expand: false });
  }

  /**
   * What the view shows, as VS Code would render it (labels, descriptions, icons, context
   * values), walked through the provider itself: the in-host tests assert on this.
   */
  async snapshot(depth = 4): Promise<TreeSnapshotItem[]> {
    const walk = async (node: TreeNode | undefined, level: number): Promise<TreeSnapshotItem[]> => {
      const out: TreeSnapshotItem[] = [];
      for (const child of await this.getChildren(node)) {
        const item = this.getTreeItem(child);
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        out.push({
          id: item.id ?? '',
          label,
          description: typeof item.description === 'string' ? item.description : undefined,
          icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined,
          contextValue: item.contextValue,
          children: level < depth && item.collapsibleState !== vscode.TreeItemCollapsibleState.None ? await walk(child, level + 1) : [],
        });
      }
      return out;
    };
    return walk(undefined, 1);
  }

  /** Redraws every item (what they show depends on a setting that changed). */
  refreshAll(): void {
    this.schedule({ all: true });
  }

  showMore(folder: string): void {
    this.schedule(this.model.showMore(folder));
  }

  // ---- TreeDataProvider -------------------------------------------------------------------

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    // Until the store is open VS Code shows the view's progress bar, not an empty tree.
    await this.ready;
    if (!node) return this.model.roots();
    if (node.kind === 'session') {
      const checkpoints = this.core?.store.listCheckpoints(node.record.id) ?? [];
      return this.model.checkpointNodes(
        checkpoints.map((c) => ({ id: c.id, sessionId: c.sessionId, label: c.label, createdAt: c.createdAt })),
      );
    }
    return this.model.children(node);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.model.parent(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const now = this.now();
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.tooltip = node.folder.path;
        item.contextValue = 'folder';
        return item;
      }
      case 'group': {
        const count = this.model.children(node).filter((c) => c.kind === 'session').length + (this.hiddenIn(node) ?? 0);
        const item = new vscode.TreeItem(GROUP_LABELS[node.group], vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = String(count);
        item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[node.group]);
        item.contextValue = `group group-${node.group}`;
        return item;
      }
      case 'session': {
        const r = node.record;
        const checkpoints = this.model.checkpointCount(r.id);
        const item = new vscode.TreeItem(r.title, checkpoints > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = sessionDescription(r, now);
        const mcp = this.mcpAccess(r);
        const tooltip = new vscode.MarkdownString(sessionTooltip(r, now, mcp), true);
        item.tooltip = tooltip;
        const icon = sessionIcon(r);
        item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
        item.contextValue = sessionContextValue(r, mcp);
        item.accessibilityInformation = { label: `${r.title}, ${STATE_LABELS[r.state]}${r.error && r.state !== 'failed' ? `, ${r.error.message}` : ''}, ${formatCost(r.metrics.costUsd)}, updated ${formatAge(r.updatedAt, now)}` };
        item.command = { command: 'shannon.openTranscript', title: 'Open Transcript', arguments: [{ sessionId: r.id }] };
        return item;
      }
      case 'checkpoint': {
        const c = node.checkpoint;
        const item = new vscode.TreeItem(c.label || 'Checkpoint', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = formatAge(c.createdAt, now);
        item.tooltip = new vscode.MarkdownString(checkpointTooltip(c));
        item.iconPath = new vscode.ThemeIcon('bookmark');
        item.contextValue = 'checkpoint';
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`Show ${node.hidden} more…`, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'more';
        item.command = { command: 'shannon.showMoreSessions', title: 'Show More', arguments: [node.folder] };
        return item;
      }
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.ageTimer);
    for (const d of this.disposables) d.dispose();
  }

  // ---- internals --------------------------------------------------------------------------

  private hiddenIn(node: TreeNode): number | undefined {
    const last = this.model.children(node).at(-1);
    return last?.kind === 'more' ? last.hidden : undefined;
  }

  private folders(): FolderRef[] {
    return (vscode.workspace.workspaceFolders ?? []).map((f) => ({ path: f.uri.fsPath, name: f.name }));
  }

  private reload(): void {
    if (!this.core) return;
    const records = this.core.manager.list();
    this.model.reset(records, this.folders());
    for (const c of this.core.store.listCheckpoints()) this.model.setCheckpointCount(c.sessionId, this.model.checkpointCount(c.sessionId) + 1);
    this.schedule({ all: true });
  }

  private onStoreChange(sessionIds: readonly string[], external: boolean): void {
    const core = this.core;
    if (!core) return;
    const changed: SessionRecord[] = [];
    const removed: string[] = [];
    for (const id of sessionIds) {
      this.schedule(this.model.setCheckpointCount(id, core.store.listCheckpoints(id).length));
      // Our own session changes come through the manager (fresher); the store tells us about
      // other windows' sessions and about deletions (the store is the truth for those).
      const record = core.store.getSession(id) ? core.manager.get(id) : undefined;
      if (!record) removed.push(id);
      else if (external || !this.model.session(id)) changed.push(record);
    }
    this.schedule(this.model.apply(changed));
    this.schedule(this.model.remove(removed));
  }

  private schedule(refresh: Refresh): void {
    if (refresh.all) this.pending = 'all';
    else if (refresh.nodes.length && this.pending !== 'all') {
      this.pending ??= new Set();
      for (const n of refresh.nodes) this.pending.add(n);
    } else return;
    this.timer ??= setTimeout(() => this.flush(), REFRESH_DELAY_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    if (pending === 'all') this.onDidChangeTreeDataEmitter.fire(undefined);
    else this.onDidChangeTreeDataEmitter.fire(this.withoutDescendants([...pending]));
  }

  /** A refreshed node redraws its subtree: firing its descendants too would be wasted work. */
  private withoutDescendants(nodes: TreeNode[]): TreeNode[] {
    const set = new Set(nodes);
    return nodes.filter((n) => {
      for (let p = this.model.parent(n); p; p = this.model.parent(p)) if (set.has(p)) return false;
      return true;
    });
  }

  private tickAges(visible: boolean): void {
    clearInterval(this.ageTimer);
    this.ageTimer = undefined;
    if (!visible) return;
    this.ageTimer = setInterval(() => {
      if (this.model.size > 0) this.schedule({ all: true });
    }, AGE_TICK_MS);
  }
}
