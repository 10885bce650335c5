/**
 * One supervised `claude` process: stdin as JSON lines with backpressure, stdout decoded as JSON
 * lines, stderr kept in a bounded ring, and an exit that is always classified and always fires.
 *
 * The process runs in its own process group (execa `killDescendants`), so a stop reaches the
 * tools it started too (Bash commands, MCP servers): no orphan survives a cancel or a dispose.
 */
import { execa, type ResultPromise } from 'execa';
import { ShannonError } from '../errors.js';
import { JsonlDecoder, type DecodeErrorInfo } from '../jsonl/decoder.js';
import { Emitter, type Disposable, type Event } from '../lifecycle.js';
import { ByteRingBuffer } from './ringBuffer.js';

export interface ClaudeProcessOptions {
  binary: string;
  args: string[];
  cwd: string;
  /** Added to (and overriding) the host's environment. */
  env?: Record<string, string | undefined>;
  /** Longest stdout line accepted before it becomes a decode error. */
  maxLineBytes?: number;
  /** How much stderr to keep for error reports. */
  stderrLimitBytes?: number;
}

export type ExitKind = 'normal' | 'error' | 'signal' | 'spawn_failed';

export interface ProcessExit {
  kind: ExitKind;
  code?: number;
  signal?: string;
  /** True when Shannon asked the process to stop (cancel, timeout, dispose). */
  requested: boolean;
  stderrTail: string;
  /** For `error`, `signal` and `spawn_failed`: what to tell the user. */
  error?: ShannonError;
}

export interface StopOptions {
  /** Wait this long after closing stdin before SIGTERM. */
  stdinGraceMs?: number;
  /** Wait this long after SIGTERM before SIGKILL. */
  termGraceMs?: number;
}

const DEFAULT_STDERR_LIMIT = 64 * 1024;

/** One stdout line: the decoded message, and its text as the CLI printed it (what the store keeps). */
export interface ReceivedMessage {
  message: Record<string, unknown>;
  text: string;
}

export class ClaudeProcess implements Disposable {
  private readonly onDidReceiveMessageEmitter = new Emitter<ReceivedMessage>();
  readonly onDidReceiveMessage: Event<ReceivedMessage> = this.onDidReceiveMessageEmitter.event;
  private readonly onDidDecodeErrorEmitter = new Emitter<DecodeErrorInfo>();
  readonly onDidDecodeError: Event<DecodeErrorInfo> = this.onDidDecodeErrorEmitter.event;
  private readonly onDidWriteStderrEmitter = new Emitter<string>();
  readonly onDidWriteStderr: Event<string> = this.onDidWriteStderrEmitter.event;
  private readonly onDidExitEmitter = new Emitter<ProcessExit>();
  readonly onDidExit: Event<ProcessExit> = this.onDidExitEmitter.event;

  /** Settles once, with the classified exit; never rejects. */
  readonly exited: Promise<ProcessExit>;

  private readonly subprocess: ResultPromise<{ buffer: false; reject: false }>;
  private readonly stderr: ByteRingBuffer;
  private stopRequested = false;
  private exitInfo: ProcessExit | undefined;
  private stdinClosed = false;
  private stopping: Promise<ProcessExit> | undefined;

  constructor(private readonly options: ClaudeProcessOptions) {
    this.stderr = new ByteRingBuffer(options.stderrLimitBytes ?? DEFAULT_STDERR_LIMIT);
    const decoder = new JsonlDecoder({
      maxLineBytes: options.maxLineBytes,
      onMessage: (message, _line, text) => this.onDidReceiveMessageEmitter.fire({ message, text }),
      onError: (error) => this.onDidDecodeErrorEmitter.fire(error),
    });

    this.subprocess = execa(options.binary, options.args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      killDescendants: true,
      // Shannon escalates itself (stop()); execa's own timer would race it.
      forceKillAfterDelay: false,
      // If the host exits, its children go with it.
      cleanup: true,
      windowsHide: true,
    });

    const { stdin, stdout, stderr } = this.subprocess;
    // EPIPE after the child died surfaces through `exited`; an unhandled 'error' would crash the host.
    stdin?.on('error', () => {
      this.stdinClosed = true;
    });
    stdout?.on('data', (chunk: Buffer) => decoder.write(chunk));
    stdout?.on('error', () => undefined);
    stderr?.on('data', (chunk: Buffer) => {
      this.stderr.push(chunk);
      this.onDidWriteStderrEmitter.fire(chunk.toString('utf8'));
    });
    stderr?.on('error', () => undefined);

    const stdoutDone = stdout ? new Promise<void>((resolve) => stdout.once('close', resolve)) : Promise.resolve();
    this.exited = this.subprocess.then(async (result) => {
      // Every byte of stdout is decoded before the exit is announced.
      await Promise.race([stdoutDone, delay(2000)]);
      decoder.end();
      this.stdinClosed = true;
      // Reap anything the CLI left behind in its group (background tool processes).
      this.subprocess.kill('SIGKILL');
      const exit = this.classify(result);
      this.exitInfo = exit;
      this.onDidExitEmitter.fire(exit);
      return exit;
    });
  }

  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exit(): ProcessExit | undefined {
    return this.exitInfo;
  }

  stderrTail(): string {
    return this.stderr.text();
  }

  /** Writes one JSON line, waiting for the pipe to drain when the CLI reads slowly. */
  async write(message: unknown): Promise<void> {
    const stdin = this.subprocess.stdin;
    if (!stdin || this.stdinClosed || stdin.destroyed || stdin.writableEnded) {
      throw new ShannonError('STDIN_CLOSED', 'The Claude Code process no longer accepts input.', 'Resume the session to continue it in a new process.');
    }
    const line = JSON.stringify(message) + '\n';
    await new Promise<void>((resolve, reject) => {
      const ok = stdin.write(line, (err) => {
        if (err) reject(new ShannonError('STDIN_CLOSED', `Could not write to the Claude Code process: ${err.message}`, 'Resume the session to continue it in a new process.', { cause: err }));
        else if (ok) resolve();
      });
      if (!ok) stdin.once('drain', resolve);
    });
  }

  /** Ends input: the CLI finishes the current turn and exits. */
  closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    this.subprocess.stdin?.end();
  }

  /**
   * Close stdin → grace → SIGTERM to the group → grace → SIGKILL to the group.
   * Resolves when the process has exited; safe to call many times.
   */
  stop(options: StopOptions = {}): Promise<ProcessExit> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    if (this.stopping) return this.stopping;
    this.stopRequested = true;
    const stdinGrace = options.stdinGraceMs ?? 1500;
    const termGrace = options.termGraceMs ?? 3000;
    this.stopping = (async () => {
      this.closeStdin();
      if (await this.exitsWithin(stdinGrace)) return this.exited;
      this.subprocess.kill('SIGTERM');
      if (await this.exitsWithin(termGrace)) return this.exited;
      this.subprocess.kill('SIGKILL');
      return this.exited;
    })();
    return this.stopping;
  }

  /** Stops at once (SIGKILL to the group): for dispose, where nobody waits. */
  kill(): void {
    if (this.exitInfo) return;
    this.stopRequested = true;
    this.stdinClosed = true;
    this.subprocess.kill('SIGKILL');
  }

  dispose(): void {
    this.kill();
    this.onDidReceiveMessageEmitter.dispose();
    this.onDidDecodeErrorEmitter.dispose();
    this.onDidWriteStderrEmitter.dispose();
    // onDidExit stays until the exit has fired so owners learn how it ended.
    void this.exited.then(() => this.onDidExitEmitter.dispose());
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    if (ms <= 0) return this.exitInfo !== undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.exited.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private classify(result: { exitCode?: number; signal?: string; failed: boolean; code?: string; originalMessage?: string; message?: string }): ProcessExit {
    const stderrTail = this.stderr.text();
    const requested = this.stopRequested;
    const base = { requested, stderrTail };
    const tail = stderrTail.trim() ? ` Its last output: ${excerpt(stderrTail)}` : '';

    if (result.exitCode === undefined && result.signal === undefined && result.failed) {
      const code = result.code ?? 'unknown';
      const why =
        code === 'ENOENT'
          ? `"${this.options.binary}" does not exist, or the working folder "${this.options.cwd}" is missing.`
          : code === 'EACCES'
            ? `"${this.options.binary}" is not executable.`
            : (result.originalMessage ?? result.message ?? code);
      return {
        kind: 'spawn_failed',
        ...base,
        error: new ShannonError('SPAWN_FAILED', `Could not start Claude Code: ${why}`, 'Check the `shannon.claudePath` setting or run "Shannon: Select Claude Binary".'),
      };
    }
    if (result.signal) {
      return {
        kind: 'signal',
        signal: result.signal,
        ...base,
        error: requested
          ? undefined
          : new ShannonError('PROCESS_CRASHED', `Claude Code was killed by ${result.signal}.${tail}`, 'Resume the session to continue where it stopped.'),
      };
    }
    if (result.exitCode === 0) return { kind: 'normal', code: 0, ...base };
    return {
      kind: 'error',
      code: result.exitCode,
      ...base,
      error: new ShannonError('PROCESS_EXITED', `Claude Code exited with code ${result.exitCode}.${tail}`, 'See "Shannon: Show Output" for the full log; resume the session to try again.'),
    };
  }
}

function excerpt(text: string, max = 400): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(t.length - max)}` : t;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
