/**
 * The core as the standalone `shannon-mcp` runs it: openShannonCore on the data directory (the
 * same store format the extension keeps in globalStorage), and the MCP policy for a server with
 * no person at hand (permission asks denied unless the client answers them).
 */
import { ClaudeLocator, type ClaudeBinary } from '../core/cli/locate.js';
import { claudeConfigDir } from '../core/history/projectDirs.js';
import { DisposableStore } from '../core/lifecycle.js';
import type { SessionManager } from '../core/session/manager.js';
import type { PermissionMode } from '../core/session/types.js';
import type { Isolation } from '../core/worktrees/types.js';
import type { ProcessPriority } from '../core/process/priority.js';
import { openShannonCore, type ShannonCore } from '../core/shannon.js';
import type { SessionStore } from '../core/store/index.js';
import { folderHolding } from '../core/workspacePaths.js';
import type { McpPolicy, PermissionAnswerer, ShannonMcpDeps } from './deps.js';
import { applyPermissionPolicy } from './permissionPolicy.js';

export interface StandaloneOptions {
  dataDir: string;
  /** An explicit `claude`; otherwise $SHANNON_CLAUDE_PATH, PATH, then the usual install places. */
  claudePath?: string;
  maxConcurrent?: number;
  permissions?: Exclude<PermissionAnswerer, 'host'>;
  maxPermissionMode?: PermissionMode;
  /** The rules callers may pre-approve in allowed_tools (`--allow-tools`); default READ_ONLY_TOOLS. */
  allowedTools?: readonly string[];
  /** The folder used when a caller gives no cwd (default: the first workspace folder). */
  defaultCwd?: string;
  /**
   * The folders sessions may work in (`--workspace`): a cwd must lie inside one, by real path,
   * and the session belongs to it. None: any directory, as its own workspace folder.
   */
  workspaceFolders?: readonly string[];
  /** How sessions a caller starts without `isolation` are isolated. Default `auto`. */
  isolation?: Isolation;
  /** sql.js's wasm; default: beside the bundle if there, else the package's. */
  wasmPath?: string;
  /** The environment `claude` is looked up in (PATH, SHANNON_CLAUDE_PATH). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Extra environment for every `claude` process, over this process's own. */
  claudeEnvironment?: Record<string, string | undefined>;
  /** The CPU priority of every `claude` process and what it runs (`--priority`; default below normal). */
  processPriority?: ProcessPriority;
  /** How long `claude` gets to exit after stdin closes / SIGTERM (the manager's defaults otherwise). */
  stop?: { stdinGraceMs?: number; termGraceMs?: number };
  log(message: string): void;
}

export interface Standalone {
  deps: ShannonMcpDeps;
  core: ShannonCore;
  manager: SessionManager;
  store: SessionStore;
  /** Ends every session's process and flushes the store. */
  dispose(): Promise<void>;
}

export async function openStandalone(options: StandaloneOptions): Promise<Standalone> {
  const env = options.env ?? process.env;
  // The core's locator: explicit path, $SHANNON_CLAUDE_PATH, PATH, the installers' places; cached.
  const locator = new ClaudeLocator({ env, explicitPathName: '--claude' });
  // One lookup at a time: parallel create_session calls share it (each would run `claude --version`).
  let locating: Promise<ClaudeBinary> | undefined;
  const locateClaude = (): Promise<ClaudeBinary> =>
    (locating ??= locator.locate({ ...(options.claudePath ? { explicitPath: options.claudePath } : {}) }).finally(() => (locating = undefined)));
  const core = await openShannonCore({
    dataDir: options.dataDir,
    ...(options.wasmPath ? { wasmPath: options.wasmPath } : {}),
    resolveBinary: async () => (await locateClaude()).path,
    maxConcurrentPerFolder: options.maxConcurrent ?? 3,
    ...(options.claudeEnvironment ? { environment: () => options.claudeEnvironment! } : {}),
    ...(options.processPriority ? { processPriority: () => options.processPriority! } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    // A standalone cwd can be any directory (a home folder): no snapshot before every turn.
    autoCheckpoint: () => false,
    worktrees: { defaultIsolation: () => options.isolation ?? 'auto' },
  });
  const folders = options.workspaceFolders ?? [];
  const disposables = new DisposableStore();
  disposables.add(core.onDidWarn((w) => options.log(w.toUserString())));
  const policy = (): McpPolicy => ({
    permissions: options.permissions ?? 'deny',
    ...(options.maxPermissionMode ? { maxPermissionMode: options.maxPermissionMode } : {}),
    ...(options.allowedTools ? { allowedTools: options.allowedTools } : {}),
  });
  disposables.add(applyPermissionPolicy(core.manager, policy));

  const deps: ShannonMcpDeps = {
    sessions: core.manager,
    transcripts: core.store,
    history: core.store,
    checkpoints: core.checkpoints,
    worktrees: core.worktrees,
    locateClaude,
    workspaceFolderFor: (cwd) => (folders.length ? folderHolding(cwd, folders) : cwd),
    defaultCwd: () => options.defaultCwd ?? folders[0],
    policy,
    log: options.log,
    claudeConfigDir: () => claudeConfigDir({ ...env, ...options.claudeEnvironment }),
  };
  return {
    deps,
    core,
    manager: core.manager,
    store: core.store,
    async dispose() {
      disposables.dispose();
      await core.close();
    },
  };
}
