/**
 * Everything that lives exactly as long as one `claude` process: the process, its control
 * channel, its timers, and what Shannon learned about it (why it ends, what it cost so far).
 */
import { ShannonError } from '../errors.js';
import type { DecodeErrorInfo } from '../jsonl/decoder.js';
import { DisposableStore, type Disposable } from '../lifecycle.js';
import type { ClaudeProcess, ProcessExit } from '../process/claudeProcess.js';
import { ControlChannel, type ControlRequestBody } from '../protocol/control.js';
import type { JsonObject, SDKResultMessage } from '../protocol/messages.js';
import type { LaunchSpec } from './sessionEvents.js';
import type { SessionState } from './types.js';

export type EndReason = 'cancelled' | 'timed_out' | 'completed' | 'suspended';

/** What a run reports to its session (Session implements it). */
export interface RunOwner {
  readonly id: string;
  handleMessage(run: RunContext, raw: JsonObject, rawText?: string): void;
  handleDecodeError(error: DecodeErrorInfo): void;
  handleStderr(text: string): void;
  handleControlRequest(body: ControlRequestBody, requestId: string, signal: AbortSignal): Promise<JsonObject | undefined>;
  handleExit(run: RunContext, exit: ProcessExit): void;
  timeoutFired(run: RunContext, kind: 'session' | 'idle'): void;
}

/** Everything that lives exactly as long as one `claude` process. */
export class RunContext implements Disposable {
  readonly process: ClaudeProcess;
  readonly control: ControlChannel;
  readonly settled: Promise<void>;
  endReason: EndReason | undefined;
  /** Why Shannon gave up on a process that is still alive (e.g. it never answered initialize). */
  failure: ShannonError | undefined;
  /** `total_cost_usd` is cumulative per process; per-turn cost is the difference. */
  costSoFar = 0;
  /** Set while the last turn ended in error: the CLI will then exit 1. */
  lastResultErrors: string[] | undefined;
  private readonly disposables = new DisposableStore();
  private sessionTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: RunOwner,
    readonly spec: LaunchSpec,
  ) {
    this.process = spec.spawn({ binary: spec.binary, args: spec.args, cwd: spec.cwd, env: spec.env, priority: spec.priority, maxLineBytes: spec.maxLineBytes });
    spec.onDidSpawn?.(session.id, this.process);
    this.control = new ControlChannel(
      (message) => this.process.write(message),
      (body, id, signal) => session.handleControlRequest(body, id, signal),
      spec.controlTimeoutMs ?? 30_000,
    );
    this.disposables.add(this.process.onDidReceiveMessage((m) => session.handleMessage(this, m.message, m.text)));
    this.disposables.add(this.process.onDidDecodeError((e) => session.handleDecodeError(e)));
    this.disposables.add(this.process.onDidWriteStderr((text) => session.handleStderr(text)));
    this.settled = this.process.exited.then((exit) => {
      this.control.close(exit.error ?? new ShannonError('SESSION_ENDED', 'The Claude Code process has ended.'));
      session.handleExit(this, exit);
    });
  }

  startTimers(spec: LaunchSpec): void {
    if (spec.sessionTimeoutMs && spec.sessionTimeoutMs > 0) {
      this.sessionTimer = setTimeout(() => this.session.timeoutFired(this, 'session'), spec.sessionTimeoutMs);
    }
  }

  onStateChanged(state: SessionState): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const idleMs = this.spec.idleTimeoutMs ?? 0;
    if (state === 'idle' && idleMs > 0) {
      this.idleTimer = setTimeout(() => this.session.timeoutFired(this, 'idle'), idleMs);
    }
  }

  /** A turn ended: the process's running cost, and whether the CLI will exit 1 for it. */
  noteResult(result: SDKResultMessage): void {
    this.costSoFar = result.total_cost_usd ?? this.costSoFar;
    this.lastResultErrors = result.is_error ? ('errors' in result && Array.isArray(result.errors) ? result.errors : [String((result as { result?: unknown }).result ?? result.subtype)]) : undefined;
  }

  /**
   * The CLI exits 1 when its last turn ended in error and 143 on SIGTERM: after Shannon asked it
   * to stop, neither is a failure. Exiting on its own (stdin still open) always is, and the
   * last error result says why better than the exit code.
   */
  failureFromExit(exit: ProcessExit): ShannonError | undefined {
    if (!exit.error) return undefined;
    if (exit.requested && (exit.kind === 'signal' || exit.code === 143 || exit.code === 137 || (exit.code === 1 && this.lastResultErrors !== undefined))) {
      return undefined;
    }
    if (this.lastResultErrors?.length) {
      return new ShannonError('PROCESS_EXITED', `Claude Code stopped: ${this.lastResultErrors.join('; ')}`, exit.error.hint);
    }
    return exit.error;
  }

  dispose(): void {
    clearTimeout(this.sessionTimer);
    clearTimeout(this.idleTimer);
    this.control.dispose();
    this.disposables.dispose();
    this.process.dispose();
  }
}
