/**
 * One Claude Code session: its record, its state machine, and (while live) the `claude` process
 * that runs it. A session outlives its processes: resume starts a new process for the same
 * session; the record keeps the CLI session id that makes that possible.
 */
import { randomUUID } from 'node:crypto';
import { ShannonError, asShannonError } from '../errors.js';
import type { DecodeErrorInfo } from '../jsonl/decoder.js';
import { DisposableStore, Emitter, type Disposable, type Event } from '../lifecycle.js';
import type { ProcessExit } from '../process/claudeProcess.js';
import type { ControlRequestBody } from '../protocol/control.js';
import { toolUses } from '../transcript/blocks.js';
import { isKept, toEntry } from '../transcript/entry.js';
import { classifyMessage, userTurn, type InboundMessage, type JsonObject, type SDKResultMessage } from '../protocol/messages.js';
import { formatToolRule, parsePermissionAsk, rulesAllowed, toPermissionResult, type PermissionAsk, type PermissionDecision } from './permissions.js';
import { RunContext, type RunOwner } from './runContext.js';
import type { DecodeErrorEvent, LaunchSpec, PermissionSettledEvent, Prompt, SessionMessageEvent, SessionPersistence, StateChange, StderrEvent, TurnEndEvent } from './sessionEvents.js';
import { assertTransition } from './stateMachine.js';
import { TurnLedger } from './turnLedger.js';
import { isTerminal, PERMISSION_MODES, type PermissionMode, type QueueWait, type SessionRecord, type SessionState } from './types.js';

export type { DecodeErrorEvent, LaunchSpec, PermissionSettledEvent, Prompt, SessionMessageEvent, SessionPersistence, StateChange, StderrEvent, TurnEndEvent };

/** A prompt on its way to the CLI, with the uuid that names its turn (and its transcript line). */
interface TurnInput {
  content: Prompt;
  uuid: string;
}

const turnInput = (content: Prompt, uuid?: string): TurnInput => ({ content, uuid: uuid ?? randomUUID() });

export class Session implements Disposable, RunOwner {
  private readonly onDidChangeStateEmitter = new Emitter<StateChange>();
  readonly onDidChangeState: Event<StateChange> = this.onDidChangeStateEmitter.event;
  private readonly onDidChangeEmitter = new Emitter<SessionRecord>();
  /** Any change of the record: state, metrics, CLI session id, title. */
  readonly onDidChange: Event<SessionRecord> = this.onDidChangeEmitter.event;
  private readonly onDidMessageEmitter = new Emitter<SessionMessageEvent>();
  readonly onDidMessage: Event<SessionMessageEvent> = this.onDidMessageEmitter.event;
  private readonly onDidDecodeErrorEmitter = new Emitter<DecodeErrorEvent>();
  readonly onDidDecodeError: Event<DecodeErrorEvent> = this.onDidDecodeErrorEmitter.event;
  private readonly onDidWriteStderrEmitter = new Emitter<StderrEvent>();
  readonly onDidWriteStderr: Event<StderrEvent> = this.onDidWriteStderrEmitter.event;
  private readonly onDidRequestPermissionEmitter = new Emitter<PermissionAsk>();
  readonly onDidRequestPermission: Event<PermissionAsk> = this.onDidRequestPermissionEmitter.event;
  private readonly onDidSettlePermissionEmitter = new Emitter<PermissionSettledEvent>();
  readonly onDidSettlePermission: Event<PermissionSettledEvent> = this.onDidSettlePermissionEmitter.event;
  private readonly onDidEndTurnEmitter = new Emitter<TurnEndEvent>();
  readonly onDidEndTurn: Event<TurnEndEvent> = this.onDidEndTurnEmitter.event;

  private readonly disposables = new DisposableStore();
  private run: RunContext | undefined;
  private readonly queuedPrompts: TurnInput[] = [];
  private readonly allowedForSession = new Set<string>();
  private readonly pendingAsks = new Map<string, { ask: PermissionAsk; answer(d: PermissionDecision): void }>();
  private readonly turns: TurnLedger;
  private disposed = false;

  private readonly now: () => number;
  private readonly persistence: SessionPersistence | undefined;

  constructor(
    private record: SessionRecord,
    options: { now?: () => number; persistence?: SessionPersistence } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.persistence = options.persistence;
    this.turns = new TurnLedger(record.metrics.turns);
    this.disposables.add(this.onDidChangeStateEmitter);
    this.disposables.add(this.onDidChangeEmitter);
    this.disposables.add(this.onDidMessageEmitter);
    this.disposables.add(this.onDidDecodeErrorEmitter);
    this.disposables.add(this.onDidWriteStderrEmitter);
    this.disposables.add(this.onDidRequestPermissionEmitter);
    this.disposables.add(this.onDidSettlePermissionEmitter);
    this.disposables.add(this.onDidEndTurnEmitter);
  }

  get id(): string {
    return this.record.id;
  }

  get state(): SessionState {
    return this.record.state;
  }

  get workspaceFolder(): string {
    return this.record.workspaceFolder;
  }

  /** A copy of the record: safe to keep, send, store. */
  get info(): SessionRecord {
    return structuredClone(this.record);
  }

  /** A `claude` process runs (or is starting) for this session. */
  get hasProcess(): boolean {
    return this.run !== undefined;
  }

  get pid(): number | undefined {
    return this.run?.process.pid;
  }

  /** Permission asks still waiting for an answer (a UI opened late shows these). */
  get pendingPermissions(): PermissionAsk[] {
    return [...this.pendingAsks.values()].map((p) => p.ask);
  }

  get queuedPromptCount(): number {
    return this.queuedPrompts.length;
  }

  /** Replaces launch options before a (re)start: resume/fork bookkeeping lives in the manager. */
  updateRecord(patch: Partial<Pick<SessionRecord, 'options' | 'title' | 'model' | 'pinned' | 'error' | 'sharedWithMcp' | 'worktree'>>): void {
    Object.assign(this.record, patch);
    this.touch();
  }

  /** Waiting in its folder's queue for a busy slot; `wait` says for what (updated as the queue moves). */
  markQueued(wait: QueueWait): void {
    const was = this.record.waiting;
    if (this.record.state === 'queued' && was?.busy === wait.busy && was.limit === wait.limit && was.position === wait.position) return;
    this.record.waiting = wait;
    if (this.record.state === 'queued') this.touch();
    else this.transition('queued');
  }

  /**
   * Spawns the CLI, says `initialize`, and sends the first prompt if there is one. Resolves once
   * the process has answered `initialize` (it is alive and speaks the protocol).
   */
  async start(spec: LaunchSpec, prompt?: Prompt, promptUuid?: string): Promise<void> {
    if (this.run) throw new ShannonError('SESSION_BUSY', 'This session already has a running Claude Code process.');
    assertTransition(this.record.state, 'starting', this.id);
    this.record.error = undefined;
    this.record.endedAt = undefined;
    this.record.waiting = undefined;
    // Live before anyone hears of `starting`: the manager counts live sessions against the limit.
    const run = new RunContext(this, spec);
    this.run = run;
    this.transition('starting');
    run.startTimers(spec);
    try {
      // Write the prompt right behind initialize: the CLI reads stdin in order.
      const init = run.control.request({ subtype: 'initialize' }, { timeoutMs: spec.controlTimeoutMs ?? 60_000 });
      init.catch(() => undefined); // awaited below; a failed prompt write may come first
      if (prompt !== undefined) {
        this.transition('running');
        await this.writePrompt(run, turnInput(prompt, promptUuid));
      }
      // Awaited apart: an optional call skips evaluating its arguments when there is no hook.
      const initialized = await init;
      spec.onDidInitialize?.(this.id, initialized);
      if (prompt === undefined && this.record.state === 'starting') {
        const queued = this.queuedPrompts.shift();
        if (queued === undefined) this.transition('idle');
        else {
          this.transition('running');
          await this.writePrompt(run, queued);
        }
      }
    } catch (err) {
      // Cancelled or timed out while starting: the state says so, nothing failed.
      if (run.endReason) {
        await run.settled;
        return;
      }
      // A process that died says best why (its exit code, its stderr); a live one that never
      // answered is stopped, and the failure is ours to name.
      const died = await Promise.race([run.process.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 1000).unref())]);
      if (!died) {
        run.failure ??= asShannonError(err, 'SPAWN_FAILED');
        await run.process.stop({ stdinGraceMs: 0, termGraceMs: 1000 });
      }
      await run.settled;
      throw run.failure ?? run.process.exit?.error ?? asShannonError(err, 'SPAWN_FAILED');
    }
  }

  /**
   * Sends a follow-up turn; while a turn runs it waits in a queue and goes next. Resolves with
   * the uuid of the user message that starts the turn (`uuid`, or a new one): the outgoing
   * message event carries it, so a caller can follow exactly this turn.
   */
  async send(prompt: Prompt, uuid?: string): Promise<string> {
    const input = turnInput(prompt, uuid);
    // Waiting for a slot, or suspended (the manager wakes it): the prompt goes out once it has
    // started. Also while a suspension is under way: nothing typed during the hand-over is lost.
    const handingOver = this.run?.endReason === 'suspended';
    if ((!this.run && (this.record.state === 'queued' || this.record.state === 'created' || this.record.state === 'suspended')) || handingOver) {
      this.queuedPrompts.push(input);
      this.touch();
      return input.uuid;
    }
    const run = this.requireRun();
    if (this.record.state === 'idle') {
      this.transition('running');
      await this.writePrompt(run, input);
    } else {
      this.queuedPrompts.push(input);
      this.touch();
    }
    return input.uuid;
  }

  /** Ends the current turn; the session stays usable. */
  async interrupt(): Promise<void> {
    const run = this.requireRun();
    this.queuedPrompts.length = 0;
    if (this.record.state !== 'running' && this.record.state !== 'awaiting_permission') return;
    for (const [, pending] of this.pendingAsks) pending.answer({ behavior: 'deny', message: 'The user interrupted the turn.', interrupt: true });
    await run.control.request({ subtype: 'interrupt' });
  }

  async setPermissionMode(mode: PermissionMode): Promise<void> {
    // The CLI accepts any string here (and then misbehaves): check it ourselves.
    if (!PERMISSION_MODES.includes(mode)) {
      throw new ShannonError('INVALID_ARGUMENT', `"${mode}" is not a permission mode.`, `Use one of: ${PERMISSION_MODES.join(', ')}.`);
    }
    // Suspended: the mode is a flag of the process that wakes it.
    if (this.record.state !== 'suspended') await this.requireRun().control.request({ subtype: 'set_permission_mode', mode });
    this.record.options = { ...this.record.options, permissionMode: mode };
    this.touch();
  }

  async setModel(model: string | undefined): Promise<void> {
    if (this.record.state !== 'suspended') await this.requireRun().control.request({ subtype: 'set_model', ...(model ? { model } : {}) });
    this.record.options = { ...this.record.options, model };
    if (model) this.record.model = model;
    // The fix its error asked for: the card goes; a next failure brings it back.
    if (this.record.error?.code === 'MODEL_NOT_FOUND') this.record.error = undefined;
    this.touch();
  }

  /**
   * Sends any control request to this session's process (`get_usage`, `get_context_usage`, …)
   * and resolves with the CLI's response payload. SESSION_ENDED when there is no process.
   */
  async request(body: ControlRequestBody, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<JsonObject | undefined> {
    return this.requireRun().control.request(body, options);
  }

  respondToPermission(requestId: string, decision: PermissionDecision): void {
    const pending = this.pendingAsks.get(requestId);
    if (!pending) throw new ShannonError('INVALID_ARGUMENT', 'That permission request was already answered or withdrawn.');
    pending.answer(decision);
  }

  /** Ends the process now; the session becomes `cancelled` (or `timed_out`). */
  async cancel(reason: 'cancelled' | 'timed_out' = 'cancelled'): Promise<void> {
    if (this.run?.endReason === 'suspended') this.run.endReason = reason;
    const run = this.run;
    if (!run) {
      // Prompts that waited for a start that will not come are dropped with it.
      this.queuedPrompts.length = 0;
      if (!isTerminal(this.record.state)) this.transition(reason);
      return;
    }
    run.endReason ??= reason;
    await run.process.stop({ stdinGraceMs: 0, termGraceMs: run.spec.stop?.termGraceMs });
    await run.settled;
  }

  /**
   * Lets the CLI finish and exit (stdin EOF, so it writes its whole transcript): the session
   * becomes `completed`, or with `suspended`, stays open for its next message (which resumes it).
   */
  async end(reason: 'completed' | 'suspended' = 'completed'): Promise<void> {
    const run = this.run;
    if (!run) {
      if (this.record.state === 'suspended' && reason === 'completed') this.transition('completed');
      return;
    }
    run.endReason ??= reason;
    await run.process.stop(run.spec.stop);
    await run.settled;
  }

  /** Idle with a process and nothing to say: its process can be ended and woken later. */
  get suspendable(): boolean {
    return this.record.state === 'idle' && this.run !== undefined && this.run.endReason === undefined && this.queuedPrompts.length === 0 && !!this.record.cliSessionId;
  }

  /** Marks a session that never got a process (queue cancelled, spawn refused). */
  fail(error: ShannonError): void {
    this.record.error = { code: error.code, message: error.message, hint: error.hint };
    this.record.endedAt = this.now();
    this.transition('failed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.run?.process.kill();
    this.run?.dispose();
    this.disposables.dispose();
  }

  // ---- internals, used by RunContext -------------------------------------------------------

  /** @internal */
  handleMessage(run: RunContext, raw: JsonObject, rawText?: string): void {
    const message = classifyMessage(raw);
    switch (message.kind) {
      case 'control_response':
        run.control.handleResponse(message.message);
        return; // protocol plumbing, not transcript
      case 'control_request':
        void run.control.handleRequest(message.message);
        return;
      case 'control_cancel_request':
        run.control.handleCancel(message.message.request_id);
        return;
      case 'init':
        this.record.cliSessionId = message.message.session_id;
        this.record.model = message.message.model;
        this.touch();
        break;
      case 'assistant':
        this.record.metrics.toolCalls += toolUses(message.message).length;
        this.turns.sawAssistant(message.message);
        break;
      case 'result':
        this.onResult(run, message.message);
        break;
    }
    this.emitMessage('in', message, rawText);
    if (message.kind === 'result') this.afterResult(run);
  }

  /** @internal */
  handleDecodeError(error: DecodeErrorInfo): void {
    this.onDidDecodeErrorEmitter.fire({ sessionId: this.id, error });
  }

  /** @internal */
  handleStderr(text: string): void {
    this.onDidWriteStderrEmitter.fire({ sessionId: this.id, text });
  }

  /** @internal */
  async handleControlRequest(body: ControlRequestBody, requestId: string, signal: AbortSignal): Promise<JsonObject | undefined> {
    if (body.subtype !== 'can_use_tool') {
      throw new Error(`Shannon does not handle "${body.subtype}" requests.`);
    }
    const ask = parsePermissionAsk(this.id, requestId, body, this.now());
    if (this.allowedForSession.has(ask.toolName)) {
      return toPermissionResult(ask, { behavior: 'allow' }) as JsonObject;
    }
    const decision = await new Promise<PermissionDecision | undefined>((resolve) => {
      const settle = (d: PermissionDecision | undefined) => {
        if (!this.pendingAsks.delete(requestId)) return;
        this.onDidSettlePermissionEmitter.fire({ sessionId: this.id, requestId, decision: d });
        if (this.pendingAsks.size === 0 && this.record.state === 'awaiting_permission') this.transition('running');
        resolve(d);
      };
      this.pendingAsks.set(requestId, { ask, answer: settle });
      signal.addEventListener('abort', () => settle(undefined), { once: true });
      if (this.record.state === 'running') this.transition('awaiting_permission');
      this.onDidRequestPermissionEmitter.fire(ask);
    });
    if (!decision) return undefined; // withdrawn: not answered
    // An approved plan: ExitPlanMode puts the mode from before planning back unless the mode has
    // left `plan` already, and the CLI ignores a setMode answer here (fixtures README).
    if (decision.behavior === 'allow' && decision.mode) await this.setPermissionMode(decision.mode).catch(() => undefined);
    const rules = rulesAllowed(ask, decision);
    for (const rule of rules) if (rule.content === undefined) this.allowedForSession.add(rule.tool);
    if (rules.length) {
      // Kept with the record: a process that wakes a suspended session is started with them.
      const allowed = this.record.options.allowedTools ?? [];
      const added = rules.map(formatToolRule).filter((r) => !allowed.includes(r));
      if (added.length) this.record.options = { ...this.record.options, allowedTools: [...allowed, ...added] };
    }
    return toPermissionResult(ask, decision) as JsonObject;
  }

  /** @internal */
  handleExit(run: RunContext, exit: ProcessExit): void {
    if (this.run !== run) return;
    this.run = undefined;
    run.dispose();
    const failure = run.failure ?? run.failureFromExit(exit);
    const suspended = run.endReason === 'suspended' && !failure;
    // A suspended session keeps what was typed during the hand-over: it goes out when it wakes.
    if (!suspended) this.queuedPrompts.length = 0;
    for (const [, pending] of this.pendingAsks) {
      this.onDidSettlePermissionEmitter.fire({ sessionId: this.id, requestId: pending.ask.requestId });
    }
    this.pendingAsks.clear();
    if (!suspended) this.record.endedAt = this.now();
    const next: SessionState = run.endReason === 'cancelled' || run.endReason === 'timed_out' ? run.endReason : failure ? 'failed' : suspended ? 'suspended' : 'completed';
    if (next === 'failed' && failure) this.record.error = { code: failure.code, message: failure.message, hint: failure.hint };
    if (next === 'timed_out') {
      this.record.error = { code: 'TIMED_OUT', message: 'The session ran past its time limit, so its process was ended.', hint: 'Resume the session to continue it.' };
    }
    if (!isTerminal(this.record.state)) this.transition(next);
    else this.touch();
  }

  /** @internal */
  timeoutFired(run: RunContext, kind: 'session' | 'idle'): void {
    if (this.run !== run) return;
    // Idle past the idle timeout: the process goes, the session stays (its next message wakes it).
    if (kind === 'idle') void this.end('suspended');
    else void this.cancel('timed_out');
  }

  private onResult(run: RunContext, result: SDKResultMessage): void {
    const ended = this.turns.end(this.id, result, this.record.metrics, run.costSoFar, this.record.model, this.now());
    run.noteResult(result);
    // A failed turn leaves its error on the session until a turn succeeds; a stop changes nothing.
    if (ended.error) this.record.error = ended.error;
    else if (ended.ending === 'completed') this.record.error = undefined;
    this.persistence?.recordTurn(ended.event.metrics);
    this.onDidEndTurnEmitter.fire(ended.event);
  }

  /** The end of the turn the prompt `promptUuid` started, if it has ended (recent turns only). */
  turnEnded(promptUuid: string): TurnEndEvent | undefined {
    return this.turns.turnEnded(promptUuid);
  }

  private afterResult(run: RunContext): void {
    if (this.run !== run || isTerminal(this.record.state)) return;
    const next = this.queuedPrompts.shift();
    if (next !== undefined) {
      if (this.record.state !== 'running') this.transition('running');
      else this.touch();
      void this.writePrompt(run, next).catch(() => undefined);
      return;
    }
    if (this.record.state !== 'idle') this.transition('idle');
  }

  private async writePrompt(run: RunContext, input: TurnInput): Promise<void> {
    await run.spec.beforeTurn?.(this.info).catch(() => undefined);
    const message = userTurn(input.content, input.uuid);
    this.turns.started(input.uuid);
    await run.process.write(message);
    this.emitMessage('out', classifyMessage(message));
  }

  /** Keeps the message (partial fragments are only shown, never kept), then tells listeners. */
  private emitMessage(direction: 'in' | 'out', message: InboundMessage, rawText?: string): void {
    const at = this.now();
    const entry = this.persistence && isKept(message) ? this.persistence.appendMessage(toEntry(this.id, direction, message, at, rawText)) : undefined;
    this.onDidMessageEmitter.fire({ sessionId: this.id, direction, message, at, ...(entry ? { entry } : {}) });
  }

  /** Where the prompt sent under `uuid` is: its turn runs now, it waits in this session's queue, or neither. */
  promptState(uuid: string): 'in_flight' | 'queued' | undefined {
    if (this.turns.isInFlight(uuid)) return 'in_flight';
    return this.queuedPrompts.some((p) => p.uuid === uuid) ? 'queued' : undefined;
  }

  private requireRun(): RunContext {
    if (this.run) return this.run;
    throw new ShannonError(
      'SESSION_ENDED',
      `Session "${this.record.title}" is ${this.record.state}: it has no running Claude Code process.`,
      this.record.cliSessionId ? 'Resume the session to continue it.' : 'Start a new session.',
    );
  }

  private transition(to: SessionState): void {
    const from = this.record.state;
    if (from === to) return;
    assertTransition(from, to, this.id);
    this.record.state = to;
    this.run?.onStateChanged(to);
    this.record.updatedAt = this.now();
    this.onDidChangeStateEmitter.fire({ sessionId: this.id, from, to });
    this.changed();
  }

  private touch(): void {
    this.record.updatedAt = this.now();
    this.changed();
  }

  /** The record changed: kept first, then announced (listeners read the store and find it). */
  private changed(): void {
    const info = this.info;
    this.persistence?.upsertSession(info);
    this.onDidChangeEmitter.fire(info);
  }

  /** Says the session exists (a new one, or a stored one brought back to life): kept, announced. */
  announce(): void {
    this.changed();
  }
}
