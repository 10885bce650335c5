/**
 * Activation wires Shannon's services together and returns: no store is opened, no process is
 * spawned and no file is read here. The core (sql.js store + session manager) opens right after,
 * on its own; the views wait for it, showing VS Code's progress bar meanwhile.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ShannonError } from '../core/errors.js';
import type { SessionRecord } from '../core/session/types.js';
import { fixAction } from './model/fixActions.js';
import { Attention } from './attention.js';
import { ChangesView } from './changesView.js';
import { ClaudeBinaryService, type ClaudeStatus } from './claudeBinary.js';
import { registerCommands } from './commands/index.js';
import { ContextKeys } from './contextKeys.js';
import { SessionContextKeys } from './sessionContextKeys.js';
import type { ShannonCore } from './core.js';
import type { ClaudeLocator } from '../core/cli/locate.js';
import { ShannonMcpProvider, MCP_PROVIDER_ID, type StartMcpServer } from './mcpProvider.js';
import { mcpAccessOf } from './model/mcpAccess.js';
import { safeChannel } from './model/safeChannel.js';
import { engineLimits, prunePolicy, runDefaults, worktreeFileRules, type ShannonSettings } from './model/settings.js';
import { EditorContext } from './context/editorContext.js';
import { SessionPanelManager } from './webview/sessionPanelManager.js';
import { PermissionPrompts } from './permissionPrompts.js';
import { EditReviews } from './review/editReviews.js';
import { TurnReviews } from './review/turnReview.js';
import { SessionOutputChannels } from './sessionOutput.js';
import { SessionsTree, type TreeSnapshotItem } from './sessionsTree.js';
import { Settings } from './settings.js';
import { ShannonStatusBar, type StatusFigures } from './statusBar.js';
import { TouchedFileDecorations } from './touchedFiles.js';
import { WorkspaceTrustGate } from './trust.js';
import { ContextMeters } from './usage/contextMeters.js';
import { UsageDashboard } from './usage/usageDashboard.js';

/** History retention runs this long after startup, never during it. */
const PRUNE_DELAY_MS = 60_000;
/** Importing the CLI's own transcripts waits until the window has settled. */
const IMPORT_DELAY_MS = 3_000;

/**
 * What `activate` returns (`extensions.getExtension('shannon.shannon').exports`): enough for
 * other extensions to find sessions, and for the in-host tests to look inside.
 */
export interface ShannonApi {
  /** How long `activate` took, in ms. */
  readonly activationMs: number;
  /** Resolves with the ms from activation start to the store being open and the views filled. */
  whenReady(): Promise<number>;
  sessions(): SessionRecord[];
  /** @internal for the in-host tests */
  readonly testing: {
    core(): Promise<ShannonCore>;
    settings(): ShannonSettings;
    treeRecords(): SessionRecord[];
    treeSnapshot(): Promise<TreeSnapshotItem[]>;
    /** Where the extension's log files (its LogOutputChannels) are written. */
    logDir: string;
    statusBar(): { text: string; figures: StatusFigures | undefined; tooltip: string; background: string | undefined };
    usageDashboardOpen(): boolean;
    claudeStatus(): ClaudeStatus;
    mcp(): { provideCount: number; endpoint(): Promise<{ url: string; token: string } | undefined> } | undefined;
    openOutputChannels(): string[];
    /** The Changes view: which session it shows, and its files. */
    changes(): { sessionId: string | undefined; files: string[]; message: string | undefined };
    /** The Sessions view's badge. */
    attention(): { count: number; badge: vscode.ViewBadge | undefined };
    /** Files decorated as changed by a live session, with the sessions' ids. */
    touchedFiles(): Record<string, string[]>;
  };
}

export function activate(context: vscode.ExtensionContext): ShannonApi {
  const started = performance.now();
  const subscriptions = context.subscriptions;

  const log = safeChannel(vscode.window.createOutputChannel('Shannon', { log: true }));
  const contextKeys = new ContextKeys();
  const settings = new Settings();
  const trust = new WorkspaceTrustGate();
  // One locator for the window: it caches what it found per explicit path. Loaded when first
  // asked (after activation returns), not with the activation bundle.
  let locator: Promise<ClaudeLocator> | undefined;
  const findClaude = () => (locator ??= import('../core/cli/locate.js').then(({ ClaudeLocator }) => new ClaudeLocator({ explicitPathName: 'shannon.claudePath' })));
  const claude = new ClaudeBinaryService(findClaude, settings, trust, contextKeys, log);
  const outputs = new SessionOutputChannels();
  const tree = new SessionsTree(Date.now, (record) => mcpAccessOf(record, settings.current));
  const statusBar = new ShannonStatusBar();
  // The session webview panels (src/extension/webview), made once `core` exists below.
  let panels!: SessionPanelManager;
  const contextMeters = new ContextMeters(() => panels);
  const reviews = new EditReviews(settings, () => panels.diffs);
  const turnReviews = new TurnReviews({
    checkpoints: () => core().then((c) => c.checkpoints),
    autoCheckpoint: () => settings.current.autoCheckpoint,
    setTurnDiffActive: (active) => contextKeys.set('shannon.turnDiff', active),
    log,
  });
  const permissions = new PermissionPrompts(() => panels, () => reviews);
  const changes = new ChangesView(contextKeys);
  const sessionKeys = new SessionContextKeys(contextKeys);
  const attention = new Attention(tree.view, () => panels, settings);
  const touchedFiles = new TouchedFileDecorations();
  subscriptions.push(log, settings, trust, claude, outputs, tree, statusBar, permissions, reviews, turnReviews, changes, attention, contextMeters, sessionKeys, touchedFiles);

  // ---- the core, opened once, after activation returns -------------------------------------
  let coreInstance: ShannonCore | undefined;
  let deactivated = false;
  let opening: Promise<ShannonCore> | undefined;
  // Imported, not required at load: the store (sql.js), the engine and the MCP server are
  // evaluated after activation has returned, so a window start pays only for the views.
  const core = (): Promise<ShannonCore> =>
    (opening ??= import('./core.js').then(({ openShannonCore }) => openShannonCore({
      dataDir: process.env.SHANNON_DATA_DIR || context.globalStorageUri.fsPath,
      wasmPath: path.join(context.extensionPath, 'dist', 'sql-wasm.wasm'),
      resolveBinary: () => claude.resolve(),
      environment: () => settings.current.environment,
      processPriority: () => settings.current.processPriority,
      defaults: () => runDefaults(settings.current),
      maxConcurrentPerFolder: () => engineLimits(settings.current).maxConcurrentPerFolder,
      sessionTimeoutMs: () => engineLimits(settings.current).sessionTimeoutMs,
      idleTimeoutMs: () => engineLimits(settings.current).idleTimeoutMs,
      autoCheckpoint: () => settings.current.autoCheckpoint,
      worktrees: { defaultIsolation: () => settings.current.isolation, fileRules: () => worktreeFileRules(settings.current) },
    })).then((c) => {
      if (deactivated) {
        c.dispose();
        throw new Error('Shannon was deactivated while its store was opening.');
      }
      openCore = c;
      return (coreInstance = c);
    }));
  // Made during activation: its serializer must be registered before VS Code restores panels.
  panels = new SessionPanelManager({
    extensionUri: context.extensionUri,
    core,
    log,
    settings: () => ({ showPartialMessages: settings.current.showPartialMessages }),
    onDidChangeSettings: settings.onDidChange,
    context: (id) => contextMeters.current(id),
    review: reviews,
    turnEdits: turnReviews,
    mentions: (cwd, query) => editorContext.mentions(cwd, query),
  });
  const editorContext = new EditorContext({ core, panels: () => panels, trust, log });
  subscriptions.push(editorContext);
  // Also made during activation, for its serializer.
  const usage = new UsageDashboard({ extensionUri: context.extensionUri, core, panels: () => panels, settings, log });
  subscriptions.push(panels, usage);
  subscriptions.push({
    dispose() {
      deactivated = true;
      // Synchronous: ends every claude process and writes what the store holds.
      coreInstance?.dispose();
    },
  });

  subscriptions.push(...registerCommands({ core, trust, claude, tree, changes, outputs, panels: () => panels, settings, log, usage: () => usage, turnReviews }));
  // The Changes view follows the session selected in the Sessions view.
  subscriptions.push(
    tree.view.onDidChangeSelection((e) => {
      const node = e.selection[0];
      if (node?.kind === 'session') {
        attention.seen(node.record.id);
        void changes.show(node.record.id).catch(() => undefined);
      }
    }),
  );

  // ---- MCP for VS Code's agent mode --------------------------------------------------------
  let mcp: ShannonMcpProvider | undefined;
  if (typeof vscode.lm?.registerMcpServerDefinitionProvider === 'function') {
    // The MCP SDK (with zod, ajv, hono) loads when VS Code first asks for Shannon's server.
    const startMcp: StartMcpServer = (deps, options) => import('../mcp/http.js').then((m) => m.startShannonMcpHttpServer(deps, options));
    mcp = new ShannonMcpProvider(core, startMcp, settings, trust, claude, context.globalState, log);
    subscriptions.push(mcp, vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, mcp));
  }

  // ---- after activation: open the store, fill the views, look for claude -------------------
  const ready = new Promise<number>((resolve, reject) => {
    setImmediate(() => {
      core().then(
        (c) => {
          wire(c);
          resolve(performance.now() - started);
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          log.error(`Shannon's store did not open: ${message}`);
          contextKeys.set('shannon.failed', true);
          tree.fail();
          if (!deactivated) void vscode.window.showErrorMessage(`Shannon could not open its session history: ${message}`, 'Show Log').then((c) => c && log.show());
          reject(err);
        },
      );
      if (trust.isTrusted) void claude.check();
    });
  });
  ready.catch(() => undefined);

  function wire(c: ShannonCore): void {
    subscriptions.push(c.onDidWarn((w) => void warn(w)));
    tree.attach(c);
    outputs.attach(c);
    permissions.attach(c);
    reviews.attach(c);
    statusBar.attach(c, { warnAtPercent: () => settings.current.usage.warnAtPercent, onDidChangeSettings: settings.onDidChange });
    contextMeters.attach(c);
    changes.attach(c);
    sessionKeys.attach(c);
    attention.attach(c);
    touchedFiles.attach(c);
    scheduleLeftoverCheck(c);
    contextKeys.set('shannon.ready', true);
    schedulePrune(c);
    scheduleImport(c);
  }

  /** The CLI's own past sessions for the open folders, read in the background after startup. */
  function scheduleImport(c: ShannonCore): void {
    const run = async (folders: readonly vscode.WorkspaceFolder[]) => {
      for (const folder of folders) {
        try {
          const { imported, failed } = await c.importHistory(folder.uri.fsPath);
          if (imported) log.info(`imported ${imported} Claude Code session(s) of ${folder.name} from the CLI's history`);
          for (const f of failed) log.warn(`history import: ${f.file}: ${f.error.message}`);
        } catch (err) {
          log.warn(`history import of ${folder.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    const timer = setTimeout(() => void run(vscode.workspace.workspaceFolders ?? []), IMPORT_DELAY_MS);
    subscriptions.push(
      { dispose: () => clearTimeout(timer) },
      vscode.workspace.onDidChangeWorkspaceFolders((e) => void run(e.added)),
    );
  }

  /** Worktrees a crash (or a pruned session) left behind are mentioned once, after startup. */
  function scheduleLeftoverCheck(c: ShannonCore): void {
    const timer = setTimeout(() => {
      void c.worktrees.leftovers().then(
        async (leftovers) => {
          if (!leftovers.length || deactivated) return;
          log.info(`${leftovers.length} leftover worktree(s): ${leftovers.map((l) => l.path).join(', ')}`);
          const review = 'Review…';
          const n = leftovers.length;
          if ((await vscode.window.showInformationMessage(`Shannon found ${n} worktree${n === 1 ? '' : 's'} that no session uses (left by a crash or a removed session).`, review)) === review) {
            await vscode.commands.executeCommand('shannon.pruneWorktrees');
          }
        },
        (err: unknown) => log.warn(`looking for leftover worktrees failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }, IMPORT_DELAY_MS * 2);
    subscriptions.push({ dispose: () => clearTimeout(timer) });
  }

  async function warn(problem: ShannonError): Promise<void> {
    log.warn(problem.toUserString());
    const action = fixAction(problem.fix);
    const choice = await vscode.window.showWarningMessage(`Shannon: ${problem.toUserString()}`, ...(action ? [action.label] : []), 'Show Log');
    if (action && choice === action.label) await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
    else if (choice) log.show();
  }

  function schedulePrune(c: ShannonCore): void {
    const prune = async () => {
      const policy = prunePolicy(settings.current);
      if (policy.maxAgeDays === undefined && policy.maxBytes === undefined) return;
      try {
        const { removed } = await c.prune(policy);
        if (removed.length) log.info(`history retention removed ${removed.length} old session(s)`);
      } catch (err) {
        log.warn(`history retention failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const timer = setTimeout(() => void prune(), PRUNE_DELAY_MS);
    subscriptions.push(
      { dispose: () => clearTimeout(timer) },
      settings.onDidChange((e) => {
        if (e.changed.has('history.maxAgeDays') || e.changed.has('history.maxSizeMB')) void prune();
      }),
    );
  }

  settings.onDidChange((e) => {
    // Which sessions MCP clients may steer follows the cap: the tree's share items follow it.
    if (e.changed.has('mcp.allowedTools') || e.changed.has('mcp.maxPermissionMode')) tree.refreshAll();
  }, undefined, subscriptions);
  trust.onDidGrant(() => void claude.check(), undefined, subscriptions);
  contextKeys.set('shannon.ready', false);

  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  void ready.then((ms) => log.info(`ready in ${ms.toFixed(1)} ms (store open, views filled)`), () => undefined);

  return {
    activationMs,
    whenReady: () => ready,
    sessions: () => coreInstance?.manager.list() ?? [],
    testing: {
      core,
      settings: () => settings.current,
      treeRecords: () => tree.records(),
      treeSnapshot: () => tree.snapshot(),
      logDir: context.logUri.fsPath,
      statusBar: () => ({ text: statusBar.text, figures: statusBar.figures, tooltip: statusBar.tooltip, background: statusBar.background }),
      usageDashboardOpen: () => usage.isOpen,
      claudeStatus: () => claude.status,
      mcp: () => (mcp ? { provideCount: mcp.provideCount, endpoint: () => mcp.endpoint() } : undefined),
      openOutputChannels: () => outputs.openSessionIds(),
      changes: () => ({ sessionId: changes.current, files: changes.currentChanges?.files.map((f) => f.path) ?? [], message: changes.view.message }),
      attention: () => ({ count: attention.count, badge: tree.view.badge }),
      touchedFiles: () => touchedFiles.snapshot(),
    },
  };
}

/** The open core, for deactivate: module state, as there is one activation per host. */
let openCore: ShannonCore | undefined;

/**
 * Ends sessions the gentle way (stdin EOF: the CLI finishes writing its transcript, so the
 * session can be resumed after the reload) and flushes the store. VS Code waits for this
 * before disposing context.subscriptions, whose synchronous dispose is the fallback.
 */
export async function deactivate(): Promise<void> {
  const c = openCore;
  openCore = undefined;
  await c?.close();
}
