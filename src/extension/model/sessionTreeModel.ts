/**
 * The Sessions tree as data: workspace folder → state group → session → checkpoints. Pure (no
 * `vscode`): the tree view adapter renders these nodes, and this model says which nodes a batch
 * of session changes touched, so the view refreshes those and nothing else (no flicker, kept
 * expansion and selection).
 *
 * Node objects are stable: the same session is the same object for as long as it is shown,
 * because VS Code matches refreshed elements by identity.
 */
import type { Checkpoint } from '../../core/checkpoints/types.js';
import type { SessionRecord } from '../../core/session/types.js';
import { isBusy, isLive, isTerminal } from '../../core/session/types.js';
import { STATE_GROUPS, stateGroup, type StateGroup } from './format.js';
import type { McpAccess } from './mcpAccess.js';

export interface FolderRef {
  /** File system path: what `SessionRecord.workspaceFolder` holds. */
  path: string;
  name: string;
}

export interface FolderNode {
  readonly kind: 'folder';
  readonly id: string;
  readonly folder: FolderRef;
}

export interface GroupNode {
  readonly kind: 'group';
  readonly id: string;
  readonly folder: string;
  readonly group: StateGroup;
}

export interface SessionNode {
  readonly kind: 'session';
  readonly id: string;
  record: SessionRecord;
}

/** What a checkpoint's row shows. */
export type CheckpointRow = Pick<Checkpoint, 'id' | 'sessionId' | 'label' | 'createdAt' | 'files' | 'changedFiles'>;

export interface CheckpointNode {
  readonly kind: 'checkpoint';
  readonly id: string;
  checkpoint: CheckpointRow;
}

/** "Show N more…" at the end of a long Finished group. */
export interface MoreNode {
  readonly kind: 'more';
  readonly id: string;
  readonly folder: string;
  hidden: number;
}

export type TreeNode = FolderNode | GroupNode | SessionNode | CheckpointNode | MoreNode;

/** What the view must refresh: everything, or these nodes (each with its subtree). */
export type Refresh = { all: true } | { all: false; nodes: TreeNode[] };

const NOTHING: Refresh = { all: false, nodes: [] };
const ALL: Refresh = { all: true };

export const FINISHED_PAGE_SIZE = 50;

/**
 * Words in the tree item's `contextValue`, matched by `when` clauses in package.json
 * (`viewItem =~ /\blive\b/`): what can be done to the session now, and whether it can be shared
 * with MCP (`mcpUnshared`) or is (`mcpShared`).
 */
export function sessionContextValue(record: SessionRecord, mcp?: McpAccess): string {
  const words = ['session', `state-${record.state}`];
  if (mcp === 'shared') words.push('mcpShared');
  if (mcp === 'unshared') words.push('mcpUnshared');
  const s = record.state;
  if (isLive(s) && s !== 'queued') words.push('live');
  if (s === 'queued') words.push('queued');
  if (isBusy(s)) words.push('busy');
  // A failed turn's fix as a menu word: `fix-choose-model` shows Change Model on the item.
  if (record.error && isLive(s)) words.push('hasError', ...(record.error.fix ? [`fix-${record.error.fix}`] : []));
  if (s === 'idle' || s === 'suspended') words.push('canSend');
  // A discarded worktree leaves nowhere to run.
  const runnable = !record.worktree?.removedAt;
  if (isTerminal(s) && record.cliSessionId && runnable) words.push('resumable');
  if (record.cliSessionId && runnable) words.push('forkable');
  if (s !== 'created' && s !== 'queued') words.push('checkpointable');
  const w = record.worktree;
  if (w && !w.removedAt) words.push('hasChanges');
  if (w?.isolation === 'worktree' && !w.removedAt) words.push('isolated');
  return words.join(' ');
}

export class SessionTreeModel {
  private readonly sessions = new Map<string, SessionNode>();
  private readonly folderNodes = new Map<string, FolderNode>();
  private readonly groupNodes = new Map<string, GroupNode>();
  private readonly moreNodes = new Map<string, MoreNode>();
  private readonly finishedLimit = new Map<string, number>();
  private readonly checkpointCounts = new Map<string, number>();
  private openFolders: FolderRef[] = [];
  /** Folder paths shown, in order, as of the last structural computation. */
  private shownFolders: string[] = [];

  constructor(private readonly pageSize = FINISHED_PAGE_SIZE) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Replaces everything: the window's folders and the sessions to show. */
  reset(records: readonly SessionRecord[], folders: readonly FolderRef[]): Refresh {
    this.openFolders = [...folders];
    this.sessions.clear();
    for (const r of records) if (this.isVisible(r)) this.sessions.set(r.id, { kind: 'session', id: `session:${r.id}`, record: r });
    this.shownFolders = this.computeFolders();
    return ALL;
  }

  setFolders(folders: readonly FolderRef[], allRecords: readonly SessionRecord[]): Refresh {
    return this.reset(allRecords, folders);
  }

  /** Sessions created or changed. Returns what to refresh. */
  apply(records: readonly SessionRecord[]): Refresh {
    if (records.length === 0) return NOTHING;
    const before = this.structure();
    const touchedGroups = new Set<string>();
    const touchedSessions = new Set<SessionNode>();
    for (const r of records) {
      const node = this.sessions.get(r.id);
      if (!this.isVisible(r)) {
        if (node) {
          this.sessions.delete(r.id);
          touchedGroups.add(groupKey(node.record.workspaceFolder, stateGroup(node.record.state)));
        }
        continue;
      }
      if (!node) {
        this.sessions.set(r.id, { kind: 'session', id: `session:${r.id}`, record: r });
        touchedGroups.add(groupKey(r.workspaceFolder, stateGroup(r.state)));
        continue;
      }
      const oldKey = groupKey(node.record.workspaceFolder, stateGroup(node.record.state));
      const newKey = groupKey(r.workspaceFolder, stateGroup(r.state));
      node.record = r;
      if (oldKey !== newKey) {
        touchedGroups.add(oldKey);
        touchedGroups.add(newKey);
      } else {
        touchedSessions.add(node);
      }
    }
    return this.refreshFor(before, touchedGroups, touchedSessions);
  }

  remove(sessionIds: readonly string[]): Refresh {
    const before = this.structure();
    const touched = new Set<string>();
    for (const id of sessionIds) {
      const node = this.sessions.get(id);
      if (!node) continue;
      this.sessions.delete(id);
      this.checkpointCounts.delete(id);
      touched.add(groupKey(node.record.workspaceFolder, stateGroup(node.record.state)));
    }
    return this.refreshFor(before, touched, new Set());
  }

  /** Shows the next page of a folder's finished sessions. */
  showMore(folder: string): Refresh {
    this.finishedLimit.set(folder, (this.finishedLimit.get(folder) ?? this.pageSize) + this.pageSize);
    const group = this.groupNodes.get(groupKey(folder, 'finished'));
    return group ? { all: false, nodes: [group] } : ALL;
  }

  /** How many checkpoints a session has: decides whether its item can expand. */
  setCheckpointCount(sessionId: string, count: number): Refresh {
    const old = this.checkpointCounts.get(sessionId) ?? 0;
    if (count === old) return NOTHING;
    if (count === 0) this.checkpointCounts.delete(sessionId);
    else this.checkpointCounts.set(sessionId, count);
    const node = this.sessions.get(sessionId);
    return node ? { all: false, nodes: [node] } : NOTHING;
  }

  checkpointCount(sessionId: string): number {
    return this.checkpointCounts.get(sessionId) ?? 0;
  }

  session(sessionId: string): SessionNode | undefined {
    return this.sessions.get(sessionId);
  }

  records(): SessionRecord[] {
    return [...this.sessions.values()].map((n) => n.record);
  }

  /** Whether folders are a level of their own (only when more than one has sessions). */
  get showsFolders(): boolean {
    return this.shownFolders.length > 1;
  }

  roots(): TreeNode[] {
    if (this.shownFolders.length === 0) return [];
    if (this.showsFolders) return this.shownFolders.map((f) => this.folderNode(f));
    return this.groupsOf(this.shownFolders[0]!);
  }

  /** Children of everything but sessions (whose checkpoints come from the store). */
  children(node: TreeNode): TreeNode[] {
    switch (node.kind) {
      case 'folder':
        return this.groupsOf(node.folder.path);
      case 'group': {
        const members = this.members(node.folder, node.group);
        if (node.group !== 'finished') return members;
        const limit = this.finishedLimit.get(node.folder) ?? this.pageSize;
        if (members.length <= limit) return members;
        const more = this.moreNode(node.folder);
        more.hidden = members.length - limit;
        return [...members.slice(0, limit), more];
      }
      default:
        return [];
    }
  }

  checkpointNodes(checkpoints: readonly CheckpointRow[]): CheckpointNode[] {
    return [...checkpoints].sort((a, b) => b.createdAt - a.createdAt).map((c) => ({ kind: 'checkpoint', id: `checkpoint:${c.id}`, checkpoint: c }));
  }

  parent(node: TreeNode): TreeNode | undefined {
    switch (node.kind) {
      case 'folder':
        return undefined;
      case 'group':
        return this.showsFolders ? this.folderNode(node.folder) : undefined;
      case 'session': {
        const r = node.record;
        return this.groupNode(r.workspaceFolder, stateGroup(r.state));
      }
      case 'more':
        return this.groupNode(node.folder, 'finished');
      case 'checkpoint':
        return this.sessions.get(node.checkpoint.sessionId);
    }
  }

  // ---- internals --------------------------------------------------------------------------

  private isVisible(r: SessionRecord): boolean {
    // A window shows the sessions of its own folders; a window without folders shows them all.
    return this.openFolders.length === 0 || this.openFolders.some((f) => f.path === r.workspaceFolder);
  }

  private computeFolders(): string[] {
    const withSessions = new Set([...this.sessions.values()].map((n) => n.record.workspaceFolder));
    if (this.openFolders.length > 0) return this.openFolders.map((f) => f.path).filter((p) => withSessions.has(p));
    return [...withSessions].sort((a, b) => folderName(a).localeCompare(folderName(b)) || a.localeCompare(b));
  }

  /** Folders shown and the groups each shows: what decides whether a container must be redrawn. */
  private structure(): Map<string, string> {
    const out = new Map<string, string>();
    for (const f of this.shownFolders) out.set(f, this.groupsPresent(f).join(','));
    return out;
  }

  private refreshFor(before: Map<string, string>, touchedGroups: Set<string>, touchedSessions: Set<SessionNode>): Refresh {
    this.shownFolders = this.computeFolders();
    const after = this.structure();
    if ([...before.keys()].join('\n') !== [...after.keys()].join('\n')) return ALL;
    const nodes = new Set<TreeNode>();
    const redrawnFolders = new Set<string>();
    for (const [folder, groups] of after) {
      if (before.get(folder) === groups) continue;
      if (!this.showsFolders) return ALL; // the groups are the roots
      nodes.add(this.folderNode(folder));
      redrawnFolders.add(folder);
    }
    const redrawnGroups = new Set<string>();
    for (const key of touchedGroups) {
      const [folder, group] = splitGroupKey(key);
      if (redrawnFolders.has(folder) || !this.groupsPresent(folder).includes(group)) continue;
      nodes.add(this.groupNode(folder, group));
      redrawnGroups.add(key);
    }
    for (const s of touchedSessions) {
      const r = s.record;
      if (redrawnFolders.has(r.workspaceFolder) || redrawnGroups.has(groupKey(r.workspaceFolder, stateGroup(r.state)))) continue;
      nodes.add(s);
    }
    return nodes.size ? { all: false, nodes: [...nodes] } : NOTHING;
  }

  private groupsPresent(folder: string): StateGroup[] {
    const present = new Set<StateGroup>();
    for (const n of this.sessions.values()) if (n.record.workspaceFolder === folder) present.add(stateGroup(n.record.state));
    return STATE_GROUPS.filter((g) => present.has(g));
  }

  private groupsOf(folder: string): GroupNode[] {
    return this.groupsPresent(folder).map((g) => this.groupNode(folder, g));
  }

  private members(folder: string, group: StateGroup): SessionNode[] {
    const out: SessionNode[] = [];
    for (const n of this.sessions.values()) {
      if (n.record.workspaceFolder === folder && stateGroup(n.record.state) === group) out.push(n);
    }
    // Newest first by creation, not by update: an item does not jump around while it streams.
    return out.sort((a, b) => b.record.createdAt - a.record.createdAt || a.record.id.localeCompare(b.record.id));
  }

  private folderNode(path: string): FolderNode {
    let node = this.folderNodes.get(path);
    if (!node) {
      const open = this.openFolders.find((f) => f.path === path);
      node = { kind: 'folder', id: `folder:${path}`, folder: { path, name: open?.name ?? folderName(path) } };
      this.folderNodes.set(path, node);
    }
    return node;
  }

  private groupNode(folder: string, group: StateGroup): GroupNode {
    const key = groupKey(folder, group);
    let node = this.groupNodes.get(key);
    if (!node) {
      node = { kind: 'group', id: `group:${key}`, folder, group };
      this.groupNodes.set(key, node);
    }
    return node;
  }

  private moreNode(folder: string): MoreNode {
    let node = this.moreNodes.get(folder);
    if (!node) {
      node = { kind: 'more', id: `more:${folder}`, folder, hidden: 0 };
      this.moreNodes.set(folder, node);
    }
    return node;
  }
}

function groupKey(folder: string, group: StateGroup): string {
  return `${group}\u0000${folder}`;
}

function splitGroupKey(key: string): [string, StateGroup] {
  const i = key.indexOf('\u0000');
  return [key.slice(i + 1), key.slice(0, i) as StateGroup];
}

export function folderName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}
