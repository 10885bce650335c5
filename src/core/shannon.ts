/**
 * The composition root of Shannon's core: one store, one session manager over it, workspace
 * checkpoints and history import — what the extension (globalStorage) and the standalone MCP
 * server (a data directory) both open. Nothing here knows about VS Code or MCP.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointService, type Checkpoint } from './checkpoints/checkpointService.js';
import { WorkspaceSnapshots, type SnapshotChange } from './checkpoints/workspaceSnapshots.js';
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

/** A checkpoint as every UI shows it: the row, where its files belong, how many were kept. */
export interface CheckpointInfo extends Checkpoint {
  workspaceFolder: string;
  label: string;
  files: number;
}

export interface Checkpoints {
  /** One checkpoint, or undefined when there is none with that id. */
  get(checkpointId: string): CheckpointInfo | undefined;
  create(sessionId: string, label?: string, signal?: AbortSignal): Promise<CheckpointInfo>;
  list(sessionId: string): Promise<CheckpointInfo[]>;
  /** What restoring would change; changes nothing. */
  preview(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: CheckpointInfo; changes: SnapshotChange[] }>;
  /** Files back as they were, and a new session forked at that conversation point. */
  restore(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: CheckpointInfo; restored: string[]; removed: string[]; sessionId: string }>;
  /** A file's bytes at the checkpoint (null: it did not exist then), for a diff editor. */
  fileAt(checkpointId: string, file: string): Promise<Uint8Array | null>;
  delete(checkpointId: string): Promise<void>;
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
  let checkpoints: CoreCheckpoints | undefined;
  const capabilities = disposables.add(new SessionCapabilities());
  const manager = new SessionManager({
    ...managerOptions,
    persistence: store,
    onDidInitialize: (sessionId, response) => capabilities.initialized(sessionId, response),
    onDidSpawn: (sessionId, process) => processes.track(process, { sessionId, label: manager.get(sessionId)?.title }),
    beforeTurn: async (session) => {
      if (!autoCheckpoint?.() || session.options.permissionMode === 'plan') return;
      try {
        await checkpoints!.create(session.id, `Before turn ${session.metrics.turns + 1}`);
      } catch (err) {
        onDidWarn.fire(
          new ShannonError('CHECKPOINT_FAILED', `No automatic checkpoint before this turn: ${asShannonError(err).message}`, 'The turn ran anyway. Turn off automatic checkpoints if this folder cannot be snapshotted.', { fix: 'turn-off-auto-checkpoint' }),
        );
      }
    },
  });
  disposables.add(
    manager.onDidMessage((e) => {
      if (e.direction === 'in') capabilities.observe(e.sessionId, e.message);
    }),
  );
  checkpoints = new CoreCheckpoints(store, snapshots, manager);
  disposables.add(checkpoints.track());
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
      const refs = store.listCheckpoints(sessionId).flatMap((c) => (c.snapshotRef ? [c.snapshotRef] : []));
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
        byFolder.set(folder, [...(byFolder.get(folder) ?? []), c.snapshotRef]);
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

/** Checkpoints tied to the live conversation point of each session. */
class CoreCheckpoints implements Checkpoints {
  private readonly service: CheckpointService;
  /** The last assistant message and transcript seq per session, kept from the message stream. */
  private readonly points = new Map<string, { messageUuid?: string; seq: number }>();
  private readonly files = new Map<string, number>();

  constructor(
    private readonly store: SessionStore,
    private readonly snapshots: WorkspaceSnapshots,
    private readonly manager: SessionManager,
  ) {
    this.service = new CheckpointService({
      snapshots,
      // A session's files are in its worktree when it has one: that is the folder snapshotted.
      store: {
        addCheckpoint: (c) => store.addCheckpoint(c),
        getCheckpoint: (id) => store.getCheckpoint(id),
        listCheckpoints: (id) => store.listCheckpoints(id),
        deleteCheckpoint: (id) => store.deleteCheckpoint(id),
        getSession: (id) => {
          const r = manager.get(id);
          return r && { workspaceFolder: sessionFilesFolder(r) };
        },
      },
      sessions: {
        startSession: async (request) => {
          const parent = manager.get(request.parentId);
          const record = request.options.resume
            ? await manager.fork(request.parentId, { ...(request.title ? { title: request.title } : {}), ...(request.options.resumeAt ? { resumeAt: request.options.resumeAt } : {}) })
            : await manager.create({
                workspaceFolder: parent?.workspaceFolder ?? request.workspaceFolder,
                cwd: parent?.cwd,
                options: parent?.options,
                title: request.title ?? `${parent?.title ?? 'Session'} (restored)`,
                ...(parent?.worktree ? { worktree: parent.worktree } : {}),
              });
          return { sessionId: record.id };
        },
      },
    });
  }

  track(): Disposable {
    return this.manager.onDidMessage((e) => {
      if (!e.entry) return;
      const point = this.points.get(e.sessionId) ?? { seq: -1 };
      point.seq = e.entry.seq;
      if (e.message.kind === 'assistant') point.messageUuid = e.message.message.uuid;
      this.points.set(e.sessionId, point);
    });
  }

  async create(sessionId: string, label?: string, signal?: AbortSignal): Promise<CheckpointInfo> {
    const session = this.manager.get(sessionId);
    if (!session) throw new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${sessionId}".`, 'List the sessions to find the right id.');
    const point = this.points.get(sessionId) ?? (await this.pointFromTranscript(sessionId));
    const { checkpoint, snapshot } = await this.service.create(
      {
        sessionId,
        workspaceFolder: sessionFilesFolder(session),
        cliSessionId: session.cliSessionId,
        messageUuid: point.messageUuid,
        seq: point.seq,
        label: label?.trim() || `Checkpoint after turn ${session.metrics.turns}`,
      },
      signal,
    );
    this.files.set(checkpoint.id, snapshot.files);
    return this.info(checkpoint, sessionFilesFolder(session));
  }

  async list(sessionId: string): Promise<CheckpointInfo[]> {
    const session = this.manager.get(sessionId);
    const folder = session ? sessionFilesFolder(session) : '';
    return (await this.service.list(sessionId)).map((c) => this.info(c, folder));
  }

  async preview(checkpointId: string, signal?: AbortSignal) {
    const { checkpoint, changes } = await this.service.preview(checkpointId, signal);
    return { checkpoint: this.info(checkpoint, this.folderOf(checkpoint)), changes };
  }

  async restore(checkpointId: string, signal?: AbortSignal) {
    const result = await this.service.restore(checkpointId, signal);
    return { checkpoint: this.info(result.checkpoint, this.folderOf(result.checkpoint)), restored: result.restored, removed: result.removed, sessionId: result.sessionId };
  }

  get(checkpointId: string): CheckpointInfo | undefined {
    const checkpoint = this.store.getCheckpoint(checkpointId);
    return checkpoint && this.info(checkpoint, this.folderOf(checkpoint));
  }

  async fileAt(checkpointId: string, file: string): Promise<Uint8Array | null> {
    const checkpoint = this.store.getCheckpoint(checkpointId);
    if (!checkpoint?.snapshotRef) throw new ShannonError('INVALID_ARGUMENT', `No checkpoint ${checkpointId}.`);
    return this.snapshots.fileAt(this.folderOf(checkpoint), checkpoint.snapshotRef, file);
  }

  delete(checkpointId: string): Promise<void> {
    return this.service.delete(checkpointId);
  }

  private folderOf(checkpoint: Checkpoint): string {
    const session = this.manager.get(checkpoint.sessionId);
    return session ? sessionFilesFolder(session) : '';
  }

  private info(checkpoint: Checkpoint, workspaceFolder: string): CheckpointInfo {
    return { ...checkpoint, workspaceFolder, label: checkpoint.label ?? '', files: this.files.get(checkpoint.id) ?? 0 };
  }

  private async pointFromTranscript(sessionId: string): Promise<{ messageUuid?: string; seq: number }> {
    const [last] = (await this.store.readTranscriptTail(sessionId, { limit: 1 })).entries;
    const [lastAssistant] = (await this.store.readTranscriptTail(sessionId, { limit: 1, filter: (e) => e.type === 'assistant' && !!e.uuid })).entries;
    return { seq: last?.seq ?? -1, ...(lastAssistant?.uuid ? { messageUuid: lastAssistant.uuid } : {}) };
  }
}
