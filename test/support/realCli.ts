/**
 * Running the pinned real `claude` CLI hermetically: its own HOME and config dir, talking only to
 * a FakeAnthropicApi on 127.0.0.1.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FakeAnthropicApi } from './fakeAnthropic.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * node_modules/.bin/claude links to @anthropic-ai/claude-code/bin/claude.exe, which the package's
 * postinstall replaces with the native binary (a hard link of the platform package's `claude`).
 * Spawning it directly skips Node entirely: `--version` in ~0.2 s.
 */
export const CLAUDE_BIN: string = (() => {
  const candidates = [
    path.join(REPO_ROOT, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
    path.join(REPO_ROOT, 'node_modules', '@anthropic-ai', `claude-code-${process.platform}-${process.arch}`, 'claude'),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
})();

export interface HermeticClaudeEnv {
  env: Record<string, string>;
  home: string;
  configDir: string;
  /** Where the CLI writes session transcripts for a session run in `cwd`. */
  transcriptsDir(cwd: string): string;
  dispose(): Promise<void>;
}

/**
 * `extraEnv` is merged last, e.g. `{ CLAUDE_CODE_MAX_RETRIES: '0' }` to make scripted 5xx errors fail fast
 * (the CLI otherwise retries up to 10 times with backoff).
 */
export async function hermeticClaudeEnv(api: FakeAnthropicApi, extraEnv: Record<string, string> = {}): Promise<HermeticClaudeEnv> {
  const home = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-home-')));
  const configDir = path.join(home, '.claude');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: process.env.USER ?? 'shannon',
    LANG: 'C.UTF-8',
    TMPDIR: tmpdir(),
    SHELL: '/bin/bash',
    TERM: 'dumb',
    CLAUDE_CONFIG_DIR: configDir,
    ANTHROPIC_BASE_URL: api.url,
    ANTHROPIC_API_KEY: 'sk-ant-fake-key-for-tests',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    NO_PROXY: '127.0.0.1,localhost',
    ...extraEnv,
  };
  return {
    env,
    home,
    configDir,
    transcriptsDir: (cwd: string) => path.join(configDir, 'projects', cwd.replace(/[^a-zA-Z0-9]/g, '-')),
    dispose: () => rm(home, { recursive: true, force: true, maxRetries: 5 }),
  };
}

/**
 * The same environment as a claude.ai (Pro/Max) login instead of an API key: the CLI reads a
 * login token from CLAUDE_CODE_OAUTH_TOKEN (sent to the fake as `Authorization: Bearer`), and
 * with the `user:profile` scope it reports plan limits (`rate_limit_event`, `get_usage`).
 */
export function claudeAiLoginEnv(env: Record<string, string>): Record<string, string | undefined> {
  return { ...env, ANTHROPIC_API_KEY: undefined, CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-fake-login-for-tests', CLAUDE_CODE_OAUTH_SCOPES: 'user:inference user:profile' };
}

export async function tempWorkspace(): Promise<{ dir: string; dispose(): Promise<void> }> {
  // realpath: on some systems tmpdir() is a symlink and the CLI reports the resolved cwd.
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-ws-')));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true, maxRetries: 5 }) };
}

/** The flags the Agent SDK passes for a bidirectional stream-json session. */
export const STREAM_JSON_ARGS: readonly string[] = [
  '-p',
  '--input-format',
  'stream-json',
  '--output-format',
  'stream-json',
  '--verbose',
  '--permission-prompt-tool',
  'stdio',
];

export interface TranscriptLine {
  /** ms since spawn */
  t: number;
  dir: 'in' | 'out' | 'err' | 'exit';
  msg: any;
}

/**
 * A raw CLI process for tests and fixture capture: stdout parsed into JSON lines, stdin written as
 * JSON lines, everything logged with timings. Deliberately not Shannon's engine.
 */
export class CliRun {
  readonly messages: any[] = [];
  readonly log: TranscriptLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly started = Date.now();
  private readonly waiters = new Set<() => void>();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        let msg: any;
        try {
          msg = JSON.parse(line);
        } catch {
          msg = { type: '(non-json)', line };
        }
        this.messages.push(msg);
        this.log.push({ t: this.elapsed(), dir: 'out', msg });
        this.notify();
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.stderr += d;
      this.log.push({ t: this.elapsed(), dir: 'err', msg: d });
    });
    child.stdin.on('error', () => {}); // EPIPE after exit is not a test failure by itself
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.log.push({ t: this.elapsed(), dir: 'exit', msg: { code, signal } });
        this.notify();
        resolve({ code, signal });
      });
    });
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  elapsed(): number {
    return Date.now() - this.started;
  }

  send(msg: unknown): void {
    this.log.push({ t: this.elapsed(), dir: 'in', msg });
    this.child.stdin.write(JSON.stringify(msg) + '\n');
  }

  sendUser(text: string): void {
    this.send({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: '' });
  }

  private nextRequestId = 0;
  /** Sends a control_request and resolves with its control_response. */
  async control(request: Record<string, unknown>, timeoutMs = 15_000): Promise<any> {
    const request_id = `req_test_${++this.nextRequestId}`;
    this.send({ type: 'control_request', request_id, request });
    return this.waitFor((m) => m.type === 'control_response' && m.response?.request_id === request_id, timeoutMs);
  }

  /** Resolves with the first message (seen so far or later) at index >= `from` matching `pred`. */
  waitFor(pred: (m: any) => boolean, timeoutMs = 30_000, from = 0): Promise<any> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = from; i < this.messages.length; i++) {
          if (pred(this.messages[i])) {
            resolve(this.messages[i]);
            return true;
          }
        }
        if (this.exitInfo) {
          reject(new Error(`claude exited (${JSON.stringify(this.exitInfo)}) before the awaited message. stderr: ${this.stderr.slice(-2000)}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = (): void => {
        if (check()) done();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms; last messages: ${JSON.stringify(this.messages.slice(-3)).slice(0, 2000)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits for the next `result` message after the ones already seen. */
  nextResult(timeoutMs = 30_000): Promise<any> {
    return this.waitFor((m) => m.type === 'result', timeoutMs, this.messages.length);
  }

  endInput(): void {
    this.log.push({ t: this.elapsed(), dir: 'in', msg: '(stdin EOF)' });
    this.child.stdin.end();
  }

  /** Ends stdin, waits a little for a clean exit, then kills. Always safe to call. */
  async dispose(graceMs = 3_000): Promise<void> {
    if (this.hasExited) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

export function spawnClaude(env: Record<string, string>, cwd: string, extraArgs: readonly string[] = [], baseArgs: readonly string[] = STREAM_JSON_ARGS): CliRun {
  const child = spawn(CLAUDE_BIN, [...baseArgs, ...extraArgs], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  return new CliRun(child);
}
