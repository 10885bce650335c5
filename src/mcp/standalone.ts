/**
 * The core as the standalone `shannon-mcp` runs it: openShannonCore on the data directory (the
 * same store format the extension keeps in globalStorage), and the MCP policy for a server with
 * no person at hand (permission asks denied unless the client answers them).
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError } from '../core/errors.js';
import { DisposableStore } from '../core/lifecycle.js';
import type { SessionManager } from '../core/session/manager.js';
import type { PermissionMode } from '../core/session/types.js';
import { openShannonCore, type ShannonCore } from '../core/shannon.js';
import type { SessionStore } from '../core/store/index.js';
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
  core: ShannonCore;
  manager: SessionManager;
  store: SessionStore;
  /** Ends every session's process and flushes the store. */
  dispose(): Promise<void>;
}

export async function openStandalone(options: StandaloneOptions): Promise<Standalone> {
  const env = options.env ?? process.env;
  const locateClaude = cached(() => locate(options.claudePath, env));
  const core = await openShannonCore({
    dataDir: options.dataDir,
    ...(options.wasmPath ? { wasmPath: options.wasmPath } : {}),
    resolveBinary: async () => (await locateClaude()).path,
    maxConcurrentPerFolder: options.maxConcurrent ?? 3,
    ...(options.claudeEnvironment ? { environment: () => options.claudeEnvironment! } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    // A standalone cwd can be any directory (a home folder): no snapshot before every turn.
    autoCheckpoint: () => false,
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
