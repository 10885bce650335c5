/**
 * The composition root of Shannon's core: one store, one session manager over it, workspace
 * checkpoints and history import — what the extension (globalStorage) and the standalone MCP
 * server (a data directory) both open. Nothing here knows about VS Code or MCP.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AutoCheckpoints } from './checkpoints/autoCheckpoints.js';
import { SessionCheckpoints } from './checkpoints/sessionCheckpoints.js';
import { snapshotRefsOf, type Checkpoints } from './checkpoints/types.js';
import { WorkspaceSnapshots } from './checkpoints/workspaceSnapshots.js';
import { ShannonError, asShannonError, isShannonError } from './errors.js';
import { atomicWriteFile } from './store/files.js';
import { HistoryImporter, type ImportMark } from './history/historyImporter.js';
import { claudeConfigDir } from './history/projectDirs.js';
import { DisposableStore, Emitter, type Disposable, type Event } from './lifecycle.js';
import { SessionCapabilities } from './session/capabilities.js';
import { SessionManager, type SessionManagerOptions } from './session/manager.js';
import type { SessionRecord } from './session/types.js';
import { SessionStore, type PrunePolicy } from './store/index.js';
import { leftoversWarning, ProcessRegistry } from './process/processRegistry.js';
import { SessionWorktrees, sessionFilesFolder, type SessionWorktreesOptions } from './worktrees/sessionWorktrees.js';
import { PlanLimits } from './usage/planLimits.js';

export interface ShannonCoreOptions extends Omit<SessionManagerOptions, 'persistence' | 'beforeTurn' | 'onDidSpawn' | 'onDidInitialize'> {
  /** Where the store, snapshots and import marks live (globalStorage or `--data-dir`). */
  dataDir: string;
  /** sql.js's wasm (the extension passes dist/sql-wasm.wasm). */
  wasmPath?: string;
  /** Snapshot the folder before each turn that can edit files (the host's setting). */
  autoCheckpoint?: () => boolean;
  /** The CLI's config dir for history import; default $CLAUDE_CONFIG_DIR or ~/.claude. */
  claudeConfigDir?: string;
  /** The git executable for snapshots and worktrees. */
  git?: string;
  /** Isolation defaults and the files new worktrees get (settings). */
  worktrees?: Pick<SessionWorktreesOptions, 'defaultIsolation' | 'fileRules'>;
}

export interface HistoryImportResult {
  imported: number;
  failed: Array<{ file: string; error: ShannonError }>;
}

export interface ShannonCore extends Disposable {
  readonly manager: SessionManager;
  readonly store: SessionStore;
  readonly checkpoints: Checkpoints;
  /** Sessions in worktrees of their own, their changes, bringing their work back. */
  readonly worktrees: SessionWorktrees;
  /** The plan's five-hour and weekly limits, as the live sessions' CLI reports them. */
  readonly planLimits: PlanLimits;
  /** Each live session's slash commands and subagents, as its CLI reports them. */
  readonly capabilities: SessionCapabilities;
  /** Problems worth telling the user that did not stop anything (a failed auto-checkpoint, a corrupt store moved aside). */
  readonly onDidWarn: Event<ShannonError>;
  /** Reads the CLI's own transcripts for a folder into the store as past sessions. */
  importHistory(workspaceFolder: string, signal?: AbortSignal): Promise<HistoryImportResult>;
  /** Ends the session if it runs, and removes it, its transcript and its checkpoints' snapshots. */
  deleteSession(sessionId: string): Promise<void>;
  /** Applies the history retention setting; never removes a live or pinned session. */
  prune(policy: PrunePolicy): Promise<{ removed: string[] }>;
  /** Ends every process, then writes everything to disk. */
  close(): Promise<void>;
}

const MARKS_FILE = 'history-import.json';
const PLAN_LIMITS_FILE = 'plan-limits.json';

export async function openShannonCore(options: ShannonCoreOptions): Promise<ShannonCore> {
  const { dataDir, wasmPath, autoCheckpoint, git, worktrees: worktreeOptions, ...managerOptions } = options;
  const store = await SessionStore.open({ dir: dataDir, ...(wasmPath ? { wasmPath } : {}), ...(options.now ? { now: options.now } : {}) });
  const disposables = new DisposableStore();
  const onDidWarn = disposables.add(new Emitter<ShannonError>());
  // Warnings from opening (a corrupt file moved aside) are replayed to the first listener's owner.
  const openWarnings = [...store.warnings];
  disposables.add(store.onDidWarn((w) => onDidWarn.fire(w)));
  // Told to the first listener if it comes late (as the open warnings are).
  const warn = (w: ShannonError) => (onDidWarn.hasListeners ? onDidWarn.fire(w) : openWarnings.push(w));
  // The process trees of live sessions, on disk so that the next start after this host is killed
  // ends what it left running; and that, for hosts that died before.
  const processes = new ProcessRegistry({ dir: path.join(dataDir, 'processes'), onWarn: warn });
  void processes.recover().then((ended) => {
    const warning = leftoversWarning(ended);
    if (warning) warn(warning);
  });

  const snapshots = new WorkspaceSnapshots({ storageDir: dataDir, ...(git ? { git } : {}) });
  let auto: AutoCheckpoints | undefined;
  const autoFailed = (err: unknown) =>
    onDidWarn.fire(
      new ShannonError('CHECKPOINT_FAILED', `No automatic checkpoint for this turn: ${asShannonError(err).message}`, 'The turn ran anyway. Turn off automatic checkpoints if this folder cannot be snapshotted.', { fix: 'turn-off-auto-checkpoint' }),
    );
  const capabilities = disposables.add(new SessionCapabilities());
  const manager = new SessionManager({
    ...managerOptions,
    persistence: store,
    onDidInitialize: (sessionId, response) => capabilities.initialized(sessionId, response),
    onDidSpawn: (sessionId, process) => processes.track(process, { sessionId, label: manager.get(sessionId)?.title }),
    beforeTurn: async (session) => {
      if (!autoCheckpoint?.() || session.options.permissionMode === 'plan') return;
      await auto?.beforeTurn(session).catch(autoFailed);
    },
  });
  disposables.add(
    manager.onDidMessage((e) => {
      if (e.direction === 'in') capabilities.observe(e.sessionId, e.message);
    }),
  );
  const checkpoints = new SessionCheckpoints(store, snapshots, manager);
  disposables.add(checkpoints.track());
  auto = disposables.add(checkpoints.automatic(autoFailed));
  const worktrees = disposables.add(
    new SessionWorktrees({
      storageDir: dataDir,
      sessions: manager,
      ...(git ? { git } : {}),
      transcripts: store,
      ...worktreeOptions,
    }),
  );
  const planLimits = disposables.add(new PlanLimits({ manager, file: path.join(dataDir, PLAN_LIMITS_FILE), ...(options.now ? { now: options.now } : {}) }));

  const configDir = options.claudeConfigDir ?? claudeConfigDir();
  const marksFile = path.join(dataDir, MARKS_FILE);
  const importer = new HistoryImporter({ configDir, marks: await readMarks(marksFile) });

  let closed = false;
  const core: ShannonCore = {
    manager,
    store,
    checkpoints,
    worktrees,
    planLimits,
    capabilities,
    onDidWarn: (listener) => {
      const sub = onDidWarn.event(listener);
      for (const w of openWarnings.splice(0)) listener(w);
      return sub;
    },
    async importHistory(workspaceFolder, signal) {
      const result: HistoryImportResult = { imported: 0, failed: [] };
      // Sessions Shannon ran itself are already stored, richer than the CLI's copy of them.
      const own = new Set(store.listSessions({ workspaceFolder }).filter((s) => s.origin !== 'imported').map((s) => s.cliSessionId));
      for await (const imported of importer.importFolder(workspaceFolder, {
        signal,
        skip: (cliId) => own.has(cliId),
        onError: (file, error) => result.failed.push({ file: file.file, error }),
      })) {
        storeImported(store, imported.record, imported.entries);
        result.imported++;
      }
      await atomicWriteFile(marksFile, JSON.stringify(importer.marks())).catch(() => undefined);
      return result;
    },
    async deleteSession(sessionId) {
      const record = manager.get(sessionId);
      if (!record) return;
      if (manager.liveSession(sessionId)?.hasProcess || record.state === 'queued') await manager.cancel(sessionId);
      const refs = store.listCheckpoints(sessionId).flatMap(snapshotRefsOf);
      manager.forget(sessionId);
      capabilities.forget(sessionId);
      await store.deleteSession(sessionId);
      if (refs.length) await snapshots.forget(sessionFilesFolder(record), refs).catch((err: unknown) => onDidWarn.fire(asShannonError(err, 'CHECKPOINT_FAILED')));
      await worktrees.forgetSession(record).catch((err: unknown) => onDidWarn.fire(asShannonError(err, 'WORKTREE_FAILED')));
    },
    async prune(policy) {
      // Checkpoint rows go with their sessions; their snapshots are freed here.
      const before = store.listCheckpoints();
      const folderOf = new Map(store.listSessions().map((r) => [r.id, sessionFilesFolder(r)]));
      const result = await store.prune(policy);
      const removed = new Set(result.removed);
      const byFolder = new Map<string, string[]>();
      for (const c of before) {
        if (!removed.has(c.sessionId) || !c.snapshotRef) continue;
        const folder = folderOf.get(c.sessionId) ?? '';
        byFolder.set(folder, [...(byFolder.get(folder) ?? []), ...snapshotRefsOf(c)]);
      }
      for (const [folder, refs] of byFolder) {
        if (folder) await snapshots.forget(folder, refs).catch((err: unknown) => onDidWarn.fire(asShannonError(err, 'CHECKPOINT_FAILED')));
      }
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      await manager.shutdown();
      processes.dispose();
      await planLimits.flush();
      disposables.dispose();
      await store.flush().catch((err: unknown) => onDidWarn.fire(asShannonError(err, 'STORE_WRITE_FAILED')));
      store.dispose();
    },
    dispose() {
      if (closed) return;
      closed = true;
      // Processes first, so their last messages reach the store; then the store's final flush.
      try {
        manager.dispose();
        processes.dispose();
        disposables.dispose();
      } finally {
        store.dispose();
      }
    },
  };
  return core;
}

function storeImported(store: SessionStore, record: SessionRecord, entries: ReadonlyArray<{ seq: number } & Parameters<SessionStore['appendMessage']>[0]>): void {
  store.upsertSession(record);
  // Transcripts only grow: a changed file re-imports, and lines already stored keep their seq.
  for (const entry of entries) {
    try {
      store.appendMessage(entry);
    } catch (err) {
      if (!isShannonError(err, 'INVALID_ARGUMENT')) throw err;
    }
  }
}

async function readMarks(file: string): Promise<Record<string, ImportMark>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, ImportMark>;
  } catch {
    return {};
  }
}
