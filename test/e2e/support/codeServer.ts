/**
 * A real VS Code for end-to-end tests: code-server (pinned by scripts/setup-e2e.sh) with a fresh
 * user-data-dir and extensions-dir per start, the extension under test installed from its .vsix,
 * on a free 127.0.0.1 port without auth. The extension host is a child of this server and
 * inherits its environment: pass ANTHROPIC_BASE_URL, HOME, CLAUDE_CONFIG_DIR… through `env`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { killGroupOnExit, killTree, ProcessTreeWatcher } from './processTree';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const CODE_SERVER_VERSION = '4.139.1';
const CODE_SERVER_ENTRY = path.join(REPO_ROOT, '.tools', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** code-server refuses any Node but 24; the repo's own Node 24 (scripts/node-env.sh). */
const NODE_24 = path.join(REPO_ROOT, '.tools', 'node', 'node_modules', 'node', 'bin', 'node');

export interface CodeServerOptions {
  /** The extension under test. */
  vsixPath: string;
  /** More .vsix files to install beside it (the in-host test runner, say). */
  extraVsixPaths?: string[];
  /** The folder the workbench opens. */
  folder: string;
  /** Merged over the harness defaults in User/settings.json. */
  settings?: Record<string, unknown>;
  /** Merged over this process's environment; the extension host inherits it. */
  env?: Record<string, string>;
  /** How long to wait for the server to answer. Default 60 s. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  userDataDir: string;
  extensionsDir: string;
  /** Everything the server printed so far (stdout and stderr, interleaved). */
  logs(): string;
  /** The extension host's own logs (exthost.log and output channels), concatenated with headers. */
  extensionHostLogs(): string;
  /** Kills the whole process tree (server, extension host, whatever they spawned) and removes the temp dirs. */
  stop(): Promise<void>;
}

/** Settings every e2e start gets: a trusted folder, and nothing that reaches out or pops up. */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  // 1.139 opens the Chat view in the secondary side bar by default: more to render, less to see.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
};

export class CodeServerError extends Error {
  constructor(
    readonly code: 'CODE_SERVER_MISSING' | 'INSTALL_EXTENSION_FAILED' | 'START_FAILED',
    message: string,
    readonly hint: string,
  ) {
    super(`${message}\n  hint: ${hint}`);
    this.name = 'CodeServerError';
  }
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  for (const [what, file] of [['code-server', CODE_SERVER_ENTRY], ['Node 24', NODE_24]] as const) {
    if (!existsSync(file)) {
      throw new CodeServerError('CODE_SERVER_MISSING', `${what} is not installed (${file} missing)`, 'run `bash scripts/setup-e2e.sh`');
    }
  }
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-cs-')));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const xdg = path.join(root, 'xdg');
  await Promise.all([userDataDir, extensionsDir, xdg].map((d) => mkdir(d, { recursive: true })));
  await mkdir(path.join(userDataDir, 'User'), { recursive: true });
  await writeFile(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...opts.settings }, null, 2),
  );
  const env = serverEnv(root, xdg, opts.env);
  const keep = process.env.SHANNON_E2E_KEEP === '1';
  const cleanup = async () => {
    if (!keep) await rm(root, { recursive: true, force: true });
  };

  try {
    await installExtensions([opts.vsixPath, ...(opts.extraVsixPaths ?? [])], userDataDir, extensionsDir, env);
  } catch (e) {
    await cleanup();
    throw e;
  }

  const child = spawn(
    NODE_24,
    [
      CODE_SERVER_ENTRY,
      // Port 0: the kernel picks a free port and code-server prints it; no race with a probe.
      '--bind-addr', '127.0.0.1:0',
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      opts.folder,
    ],
    // Own process group: stop() can signal the server and everything it spawned at once.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.on('error', (e) => {
    output += `\n[harness] could not run code-server: ${String(e)}\n`;
  });
  const watcher = new ProcessTreeWatcher(child.pid ?? -1);
  const forgetGroup = child.pid !== undefined ? killGroupOnExit(child.pid, () => keep || rmSync(root, { recursive: true, force: true })) : () => false;
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await killTree(child, watcher);
      forgetGroup();
      await cleanup();
    })());

  try {
    const url = await waitForListening(child, () => output, opts.startTimeoutMs ?? 60_000);
    await waitForHealthy(url, () => output, opts.startTimeoutMs ?? 60_000);
    return {
      url,
      userDataDir,
      extensionsDir,
      logs: () => output,
      extensionHostLogs: () => readExtensionHostLogs(userDataDir),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function serverEnv(root: string, xdg: string, extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A test started from a VS Code terminal carries that window's IPC hooks: the server would
    // talk to the wrong VS Code. code-server also reads PASSWORD and friends.
    if (v === undefined || k.startsWith('VSCODE_') || ['PASSWORD', 'HASHED_PASSWORD', 'CODE_SERVER_CONFIG'].includes(k)) continue;
    env[k] = v;
  }
  env.PATH = `${path.dirname(NODE_24)}:${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`;
  // code-server keeps a config.yaml and a little state under XDG dirs: keep them per start.
  env.XDG_CONFIG_HOME = path.join(xdg, 'config');
  env.XDG_DATA_HOME = path.join(xdg, 'data');
  env.XDG_CACHE_HOME = path.join(xdg, 'cache');
  env.CODE_SERVER_CONFIG = path.join(root, 'config.yaml');
  return { ...env, ...extra };
}

async function installExtensions(vsixPaths: string[], userDataDir: string, extensionsDir: string, env: Record<string, string>): Promise<void> {
  for (const vsix of vsixPaths) {
    if (!existsSync(vsix)) {
      throw new CodeServerError('INSTALL_EXTENSION_FAILED', `no .vsix at ${vsix}`, 'build it first (see test/e2e/README.md)');
    }
  }
  const args = [CODE_SERVER_ENTRY, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const vsix of vsixPaths) args.push('--install-extension', vsix);
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    execFile(NODE_24, args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
  const notInstalled = vsixPaths.filter((v) => !out.includes(`Extension '${path.basename(v)}' was successfully installed.`));
  if (code !== 0 || notInstalled.length > 0) {
    throw new CodeServerError('INSTALL_EXTENSION_FAILED', `installing ${notInstalled.join(', ') || vsixPaths.join(', ')} failed (exit ${code}):\n${out}`, 'check the .vsix manifest (engines.vscode, publisher, name)');
  }
}

async function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
    if (m) return m[1]!;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new CodeServerError('START_FAILED', `code-server exited (${child.exitCode ?? child.signalCode}) before listening:\n${output()}`, 'run the command by hand: see test/e2e/README.md');
    }
    await delay(50);
  }
  throw new CodeServerError('START_FAILED', `code-server did not listen within ${timeoutMs} ms:\n${output()}`, 'is the machine loaded? raise startTimeoutMs');
}

async function waitForHealthy(url: string, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    await delay(100);
  }
  throw new CodeServerError('START_FAILED', `code-server at ${url} did not answer /healthz within ${timeoutMs} ms (${last}):\n${output()}`, 'see the server output above');
}

function readExtensionHostLogs(userDataDir: string): string {
  const logsDir = path.join(userDataDir, 'logs');
  if (!existsSync(logsDir)) return '';
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.log') && /exthost|output_/.test(p)) files.push(p);
    }
  };
  walk(logsDir);
  return files
    .sort()
    .map((f) => `===== ${path.relative(logsDir, f)}\n${readFileSync(f, 'utf8')}`)
    .join('\n');
}
