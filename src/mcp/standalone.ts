/**
 * The core as the standalone `shannon-mcp` runs it: a SessionStore in the data directory (the same
 * format the extension keeps in globalStorage), a SessionManager over it, and the MCP policy for a
 * server with no person at hand (permission asks denied unless the client answers them).
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { CheckpointService } from '../core/checkpoints/checkpointService.js';
import { WorkspaceSnapshots } from '../core/checkpoints/workspaceSnapshots.js';
import { ShannonError } from '../core/errors.js';
import { DisposableStore } from '../core/lifecycle.js';
import { SessionManager } from '../core/session/manager.js';
import type { PermissionMode } from '../core/session/types.js';
import { SessionStore } from '../core/store/index.js';
import { forkStarter, mcpCheckpoints } from './checkpoints.js';
import type { ClaudeBinaryInfo, PermissionAnswerer, ShannonMcpDeps } from './deps.js';
import { applyPermissionPolicy } from './permissionPolicy.js';

export interface StandaloneOptions {
  dataDir: string;
  /** An explicit `claude`; otherwise $SHANNON_CLAUDE_PATH, then PATH. */
  claudePath?: string;
  maxConcurrent?: number;
  permissions?: Exclude<PermissionAnswerer, 'host'>;
  maxPermissionMode?: PermissionMode;
  /** The folder used when a caller gives no cwd. */
  defaultCwd?: string;
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
  manager: SessionManager;
  store: SessionStore;
  /** Ends every session's process and flushes the store. */
  dispose(): Promise<void>;
}

export async function openStandalone(options: StandaloneOptions): Promise<Standalone> {
  const env = options.env ?? process.env;
  const store = await SessionStore.open({ dir: options.dataDir, ...(options.wasmPath ? { wasmPath: options.wasmPath } : {}) });
  for (const warning of store.warnings) options.log(`store: ${warning.toUserString()}`);
  const disposables = new DisposableStore();
  disposables.add(store.onDidWarn((w) => options.log(`store: ${w.toUserString()}`)));

  const locateClaude = cached(() => locate(options.claudePath, env));
  const manager = new SessionManager({
    resolveBinary: async () => (await locateClaude()).path,
    persistence: store,
    maxConcurrentPerFolder: options.maxConcurrent ?? 3,
    ...(options.claudeEnvironment ? { environment: () => options.claudeEnvironment! } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
  });
  const policy = () => ({ permissions: options.permissions ?? 'deny', ...(options.maxPermissionMode ? { maxPermissionMode: options.maxPermissionMode } : {}) });
  disposables.add(applyPermissionPolicy(manager, policy));

  const checkpoints = new CheckpointService({
    snapshots: new WorkspaceSnapshots({ storageDir: options.dataDir }),
    store,
    sessions: forkStarter(manager),
  });

  const deps: ShannonMcpDeps = {
    sessions: manager,
    transcripts: store,
    history: store,
    checkpoints: mcpCheckpoints(checkpoints, manager, store),
    locateClaude,
    // Standalone, every directory is its own workspace folder.
    workspaceFolderFor: (cwd) => cwd,
    defaultCwd: () => options.defaultCwd,
    policy,
    log: options.log,
  };
  return {
    deps,
    manager,
    store,
    async dispose() {
      disposables.dispose();
      manager.dispose();
      await store.flush().catch((err: unknown) => options.log(`store: final flush failed: ${String(err)}`));
      store.dispose();
    },
  };
}

function cached<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= fn().catch((err: unknown) => {
      result = undefined; // a fix (installing claude) should be seen on the next call
      throw err;
    });
    return result;
  };
}

/** A deliberately small lookup: explicit path, $SHANNON_CLAUDE_PATH, PATH. */
async function locate(explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<ClaudeBinaryInfo> {
  if (explicit) return probe(path.resolve(explicit), '--claude');
  if (env.SHANNON_CLAUDE_PATH) return probe(env.SHANNON_CLAUDE_PATH, 'SHANNON_CLAUDE_PATH');
  const names = process.platform === 'win32' ? ['claude.exe', 'claude.cmd', 'claude'] : ['claude'];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await access(candidate, fsConstants.X_OK).then(() => true, () => false)) return probe(candidate, 'PATH');
    }
  }
  throw new ShannonError('CLAUDE_NOT_FOUND', 'No `claude` binary was found on PATH.', 'Install Claude Code (npm install -g @anthropic-ai/claude-code) or start shannon-mcp with --claude <path>.');
}

function probe(file: string, source: string): Promise<ClaudeBinaryInfo> {
  return new Promise((resolve, reject) => {
    execFile(file, ['--version'], { timeout: 15_000 }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') reject(new ShannonError('CLAUDE_NOT_FOUND', `There is no file at ${file}.`, 'Check the path given to --claude.'));
        else if (code === 'EACCES') reject(new ShannonError('CLAUDE_NOT_EXECUTABLE', `${file} is not executable.`, `Run chmod +x ${file}, or point --claude at the real binary.`));
        else reject(new ShannonError('CLAUDE_BROKEN', `${file} --version failed: ${err.message}`, 'Reinstall Claude Code.'));
        return;
      }
      const version = /(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
      if (!version) reject(new ShannonError('CLAUDE_BROKEN', `${file} --version printed no version ("${stdout.trim().slice(0, 80)}").`, 'Check that this is the Claude Code CLI.'));
      else resolve({ path: file, version, source });
    });
  });
}
