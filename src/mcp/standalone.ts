/**
 * The core as the standalone `shannon-mcp` runs it: openShannonCore on the data directory (the
 * same store format the extension keeps in globalStorage), and the MCP policy for a server with
 * no person at hand (permission asks denied unless the client answers them).
 */
import { ClaudeLocator } from '../core/cli/locate.js';
import { isShannonError, ShannonError } from '../core/errors.js';
import { DisposableStore } from '../core/lifecycle.js';
import type { SessionManager } from '../core/session/manager.js';
import type { PermissionMode } from '../core/session/types.js';
import type { Isolation } from '../core/worktrees/types.js';
import { openShannonCore, type ShannonCore } from '../core/shannon.js';
import type { SessionStore } from '../core/store/index.js';
import type { ClaudeBinaryInfo, PermissionAnswerer, ShannonMcpDeps } from './deps.js';
import { applyPermissionPolicy } from './permissionPolicy.js';

export interface StandaloneOptions {
  dataDir: string;
  /** An explicit `claude`; otherwise $SHANNON_CLAUDE_PATH, PATH, then the usual install places. */
  claudePath?: string;
  maxConcurrent?: number;
  permissions?: Exclude<PermissionAnswerer, 'host'>;
  maxPermissionMode?: PermissionMode;
  /** The folder used when a caller gives no cwd. */
  defaultCwd?: string;
  /** How sessions a caller starts without `isolation` are isolated. Default `auto`. */
  isolation?: Isolation;
  /** sql.js's wasm; default: beside the bundle if there, else the package's. */
  wasmPath?: string;
  /** The environment `claude` is looked up in (PATH, SHANNON_CLAUDE_PATH). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Extra environment for every `claude` process, over this process's own. */
  claudeEnvironment?: Record<string, string | undefined>;
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
  const locator = new ClaudeLocator({ env });
  const locateClaude = async (): Promise<ClaudeBinaryInfo> => {
    try {
      const found = await locator.locate({ ...(options.claudePath ? { explicitPath: options.claudePath } : {}) });
      return { ...found, source: found.source === 'setting' ? '--claude' : found.source };
    } catch (err) {
      throw isShannonError(err) ? inStandaloneTerms(err) : err;
    }
  };
  const core = await openShannonCore({
    dataDir: options.dataDir,
    ...(options.wasmPath ? { wasmPath: options.wasmPath } : {}),
    resolveBinary: async () => (await locateClaude()).path,
    maxConcurrentPerFolder: options.maxConcurrent ?? 3,
    ...(options.claudeEnvironment ? { environment: () => options.claudeEnvironment! } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    // A standalone cwd can be any directory (a home folder): no snapshot before every turn.
    autoCheckpoint: () => false,
    worktrees: { defaultIsolation: () => options.isolation ?? 'auto' },
  });
  const disposables = new DisposableStore();
  disposables.add(core.onDidWarn((w) => options.log(w.toUserString())));
  const policy = () => ({ permissions: options.permissions ?? 'deny', ...(options.maxPermissionMode ? { maxPermissionMode: options.maxPermissionMode } : {}) });
  disposables.add(applyPermissionPolicy(core.manager, policy));

  const deps: ShannonMcpDeps = {
    sessions: core.manager,
    transcripts: core.store,
    history: core.store,
    checkpoints: core.checkpoints,
    worktrees: core.worktrees,
    locateClaude,
    // Standalone, every directory is its own workspace folder.
    workspaceFolderFor: (cwd) => cwd,
    defaultCwd: () => options.defaultCwd,
    policy,
    log: options.log,
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


/** The locator speaks of the extension's setting; here the explicit path is the `--claude` option. */
function inStandaloneTerms(err: ShannonError): ShannonError {
  const rename = (text: string) => text.replaceAll('`shannon.claudePath`', '`--claude`').replace(/clear `--claude`/g, 'leave out `--claude`');
  return new ShannonError(err.code, rename(err.message), err.hint === undefined ? undefined : rename(err.hint), { cause: err });
}
