/**
 * One supervised `claude` process: stdin as JSON lines with backpressure, stdout decoded as JSON
 * lines, stderr kept in a bounded ring, and an exit that is always classified and always fires.
 *
 * Ending it ends its whole process tree. The CLI runs every Bash command in a session of its
 * own (`setsid`), out of reach of a signal to the CLI's process group, and reparented to init
 * once the CLI is gone. So the CLI gets a marker in its environment that every descendant
 * inherits, the tree is watched while the CLI lives (trackedTree.ts: pid + start time of every
 * descendant seen), walked again before any signal and ended member by member (processTree.ts);
 * what the CLI leaves behind when it exits on its own is ended too.
 */
import { randomBytes } from 'node:crypto';
import { ShannonError } from '../errors.js';
import { JsonlDecoder, type DecodeErrorInfo } from '../jsonl/decoder.js';
import { LAUNCHER_LOST, launch, type ChildEnd, type ChildPipes, type LaunchedChild, type SpawnVia } from './launcher.js';
import { Emitter, type Disposable, type Event } from '../lifecycle.js';
import { TREE_MARKER_VARIABLE, type ProcessIdentity, type TreeEnd, type TreeMarker } from './processTree.js';
import { DEFAULT_PROCESS_PRIORITY, niceness, type ProcessPriority } from './priority.js';
import { ByteRingBuffer } from './ringBuffer.js';
import { TrackedTree, type TrackedTreeOptions } from './trackedTree.js';

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
  /** How often the process tree is looked at while the CLI runs. */
  tree?: TrackedTreeOptions;
  /** Through the launcher (launcher.ts; the default off Windows) or straight from the host. */
  spawnVia?: SpawnVia;
  /** Its CPU priority and its descendants' (priority.ts); default below normal. */
  priority?: ProcessPriority;
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
const DEFAULT_TERM_GRACE_MS = 3000;

/**
 * The last owner of every tree: when the host exits (process.exit, the end of the event loop)
 * with processes still running, they are killed synchronously, as nothing can be awaited then.
 */
const liveProcesses = new Set<ClaudeProcess>();
const killAllOnHostExit = () => {
  for (const p of liveProcesses) p.kill();
};
function holdUntilExit(p: ClaudeProcess): void {
  if (liveProcesses.size === 0) process.on('exit', killAllOnHostExit);
  liveProcesses.add(p);
}
function release(p: ClaudeProcess): void {
  if (liveProcesses.delete(p) && liveProcesses.size === 0) process.off('exit', killAllOnHostExit);
}

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
  private readonly onDidChangeTreeEmitter = new Emitter<readonly ProcessIdentity[]>();
  /** The CLI started or lost a descendant (see `tree`). */
  readonly onDidChangeTree: Event<readonly ProcessIdentity[]> = this.onDidChangeTreeEmitter.event;

  /** Settles once, with the classified exit; never rejects. */
  readonly exited: Promise<ProcessExit>;

  private readonly child: LaunchedChild;
  /** The pid and pipes, once the process runs (the launcher hands them over shortly after). */
  private pipes: ChildPipes | undefined;
  private readonly running: Promise<ChildPipes | undefined>;
  private readonly stderr: ByteRingBuffer;
  private stopRequested = false;
  private exitInfo: ProcessExit | undefined;
  private stdinClosed = false;
  private stopping: Promise<ProcessExit> | undefined;
  private tracked: TrackedTree | undefined;
  private ending: Promise<TreeEnd> | undefined;
  private killed = false;
  private termGraceMs = DEFAULT_TERM_GRACE_MS;

  constructor(private readonly options: ClaudeProcessOptions) {
    this.stderr = new ByteRingBuffer(options.stderrLimitBytes ?? DEFAULT_STDERR_LIMIT);
    const decoder = new JsonlDecoder({
      maxLineBytes: options.maxLineBytes,
      onMessage: (message, _line, text) => this.onDidReceiveMessageEmitter.fire({ message, text }),
      onError: (error) => this.onDidDecodeErrorEmitter.fire(error),
    });

    // Every descendant inherits it: how the tree is found even where parent links are gone.
    const marker = randomBytes(16).toString('hex');
    this.child = launch(
      {
        file: options.binary,
        args: options.args,
        cwd: options.cwd,
        env: { ...process.env, ...options.env, [TREE_MARKER_VARIABLE]: marker },
        niceness: niceness(options.priority ?? DEFAULT_PROCESS_PRIORITY),
      },
      options.spawnVia,
    );
    this.running = this.child.started.then((pipes) => {
      if (pipes) this.attach(pipes, marker, decoder);
      return pipes;
    });
    this.exited = this.child.ended.then(async (result) => {
      const pipes = await this.running;
      // Every byte of stdout is decoded before the exit is announced.
      if (pipes) await Promise.race([new Promise<void>((resolve) => (pipes.stdout.destroyed ? resolve() : pipes.stdout.once('close', resolve))), delay(2000)]);
      decoder.end();
      this.stdinClosed = true;
      await this.endLeftovers();
      const exit = this.classify(result);
      this.exitInfo = exit;
      release(this);
      this.onDidExitEmitter.fire(exit);
      return exit;
    });
  }

  /** The process runs: watch its tree, read its output, hold it until the host exits. */
  private attach(pipes: ChildPipes, marker: string, decoder: JsonlDecoder): void {
    this.pipes = pipes;
    this.tracked = TrackedTree.forRoot(pipes.pid, marker, this.options.tree);
    this.tracked.onDidChange((members) => this.onDidChangeTreeEmitter.fire(members));
    holdUntilExit(this);
    // Ended before it ran (dispose right after the start): it goes now.
    if (this.killed) this.tracked.endSync();
    else this.onDidChangeTreeEmitter.fire(this.tracked.members);

    const { stdin, stdout, stderr } = pipes;
    // EPIPE after the child died surfaces through `exited`; an unhandled 'error' would crash the host.
    stdin.on('error', () => {
      this.stdinClosed = true;
    });
    if (this.stdinClosed) stdin.end();
    stdout.on('data', (chunk: Buffer) => {
      decoder.write(chunk);
      // Tools start right after the CLI says so: look at the tree soon.
      this.tracked?.nudge();
    });
    stdout.on('error', () => undefined);
    stderr.on('data', (chunk: Buffer) => {
      this.stderr.push(chunk);
      this.onDidWriteStderrEmitter.fire(chunk.toString('utf8'));
    });
    stderr.on('error', () => undefined);
  }

  /** Undefined until the process runs (and for one that never ran). */
  get pid(): number | undefined {
    return this.pipes?.pid;
  }

  /** The CLI (until it exits) and every descendant seen, each with its start time. */
  get tree(): readonly ProcessIdentity[] {
    return this.tracked?.members ?? [];
  }

  /** What every process of the tree carries in its environment (Linux finds them by it). */
  get treeMarker(): TreeMarker | undefined {
    return this.tracked?.marker;
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
    const stdin = this.pipes?.stdin ?? (await this.running)?.stdin;
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
    // (Not running yet: attach() ends it on arrival.)
    this.pipes?.stdin.end();
  }

  /**
   * Close stdin → grace → SIGTERM to every process of the tree → grace → SIGKILL to what is
   * left → again for children born meanwhile. Resolves when the process has exited and its tree
   * is gone; safe to call many times.
   */
  stop(options: StopOptions = {}): Promise<ProcessExit> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    if (this.stopping) return this.stopping;
    this.stopRequested = true;
    const stdinGrace = options.stdinGraceMs ?? 1500;
    this.termGraceMs = options.termGraceMs ?? DEFAULT_TERM_GRACE_MS;
    this.stopping = (async () => {
      this.closeStdin();
      if (await this.exitsWithin(stdinGrace)) return this.exited;
      await this.endTree();
      return this.exited;
    })();
    return this.stopping;
  }

  /** Stops at once (SIGKILL to the whole tree, synchronously): for dispose, where nobody waits. */
  kill(): void {
    if (this.exitInfo || this.killed) return;
    this.killed = true;
    this.stopRequested = true;
    this.stdinClosed = true;
    if (this.tracked?.root.start) this.tracked.endSync();
    else this.child.kill('SIGKILL');
  }

  dispose(): void {
    this.kill();
    this.onDidReceiveMessageEmitter.dispose();
    this.onDidDecodeErrorEmitter.dispose();
    this.onDidWriteStderrEmitter.dispose();
    // onDidExit stays until the exit has fired so owners learn how it ended.
    void this.exited.then(() => {
      this.onDidExitEmitter.dispose();
      this.onDidChangeTreeEmitter.dispose();
    });
  }

  /** TERM, grace, KILL to the tree while the CLI runs; one at a time. */
  private endTree(): Promise<TreeEnd | undefined> {
    if (!this.tracked) {
      this.child.kill('SIGKILL');
      return Promise.resolve(undefined);
    }
    this.ending ??= this.tracked.end({ graceMs: this.termGraceMs }).finally(() => (this.ending = undefined));
    return this.ending;
  }

  /**
   * After the CLI exited: what it left running (tools in their own sessions, background
   * commands) is ended before the exit is told, found from the members seen while it lived.
   */
  private async endLeftovers(): Promise<void> {
    const tracked = this.tracked;
    if (!tracked) return;
    tracked.rootExited();
    await this.ending?.catch(() => undefined);
    try {
      await tracked.end({ graceMs: this.termGraceMs });
    } catch {
      // The table could not be read: nothing more can be found.
    } finally {
      tracked.dispose();
    }
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

  private classify(result: ChildEnd): ProcessExit {
    const stderrTail = this.stderr.text();
    const requested = this.stopRequested;
    const base = { requested, stderrTail };
    const tail = stderrTail.trim() ? ` Its last output: ${excerpt(stderrTail)}` : '';

    if (result.code === LAUNCHER_LOST) {
      return {
        kind: 'error',
        ...base,
        error: new ShannonError('PROCESS_CRASHED', `Claude Code's session was cut off: ${result.message ?? 'its launcher ended'}.${tail}`, 'Resume the session to continue where it stopped.'),
      };
    }
    if (result.exitCode === undefined && result.signal === undefined && result.failed) {
      const code = result.code ?? 'unknown';
      const why =
        code === 'ENOENT'
          ? `"${this.options.binary}" does not exist, or the working folder "${this.options.cwd}" is missing.`
          : code === 'EACCES'
            ? `"${this.options.binary}" is not executable.`
            : (result.message ?? code);
      return {
        kind: 'spawn_failed',
        ...base,
        error: new ShannonError('SPAWN_FAILED', `Could not start Claude Code: ${why}`, 'Point Shannon at a working claude binary.', { fix: 'choose-claude' }),
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
      error: new ShannonError('PROCESS_EXITED', `Claude Code exited with code ${result.exitCode}.${tail}`, "The session's log has the full output; resume the session to try again.", { fix: 'show-log' }),
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
