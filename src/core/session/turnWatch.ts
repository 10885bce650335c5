/**
 * Follows one turn of a session (a `wait`ing MCP tool call, SessionManager.waitForTurn): from the moment our prompt is written
 * to the CLI until its `result`, reporting what the session is doing on the way. It subscribes
 * before the prompt is sent (the session id may not exist yet: events are held until `bind`), so
 * no event of the turn can slip past.
 *
 * "Our" turn is the one that starts with our prompt: a prompt sent to a busy session waits in the
 * session's queue and its turn starts when the CLI takes it up.
 */
import { ShannonError } from '../errors.js';
import { DisposableStore, type Disposable, type Event } from '../lifecycle.js';
import { textOf, toolInputSummary, toolUses } from '../transcript/blocks.js';
import { isStopped } from '../transcript/render.js';
import { StreamAccumulator } from '../transcript/stream.js';
import type { PermissionAsk } from './permissions.js';
import type { SessionMessageEvent, TurnEndEvent } from './session.js';
import { isTerminal, type SessionRecord } from './types.js';

/** What a TurnWatch listens to and asks (the SessionManager). */
export interface TurnSource {
  onDidMessage: Event<SessionMessageEvent>;
  onDidEndTurn: Event<TurnEndEvent>;
  onDidChangeSession: Event<SessionRecord>;
  onDidRequestPermission: Event<PermissionAsk>;
  get(sessionId: string): SessionRecord | undefined;
  pendingPermissions(sessionId?: string): PermissionAsk[];
  interrupt(sessionId: string): Promise<void>;
  promptState(sessionId: string, uuid: string): 'in_flight' | 'queued' | 'ended' | undefined;
  turnEnded(sessionId: string, promptUuid: string): TurnEndEvent | undefined;
}

export type TurnStatus =
  /** The turn ended normally. */
  | 'completed'
  /** The turn ended in error (API error, max turns…); the session is still usable. */
  | 'error'
  /** Someone interrupted the turn; the session is still usable. */
  | 'interrupted'
  /** The session waits for a permission answer that this caller is expected to give. */
  | 'awaiting_permission'
  /** The wait timed out; the turn carries on. */
  | 'timed_out'
  /** The session's process ended (cancelled, failed, timed out) before the turn finished. */
  | 'session_ended'
  /** An interrupt cleared the session's queue before our prompt was taken up. */
  | 'dropped'
  /** The caller cancelled the wait; the turn was interrupted. */
  | 'cancelled';

export interface TurnOutcome {
  status: TurnStatus;
  /** The turn's final text, or the assistant text so far. */
  text: string;
  /** The turn's end (its metrics and the CLI's `result`), when it ended. */
  end?: TurnEndEvent;
  subtype?: string;
  errors?: string[];
  /** Transcript seq of our prompt: `get_session_output` from here reads this turn. */
  cursor?: number;
  /** Seq after the last entry seen. */
  nextCursor?: number;
  pendingPermissions?: PermissionAsk[];
  /** What was going on at the end (a tool in use, a permission ask). */
  activity?: string;
}

export interface WaitOptions {
  /** Infinity: no time limit. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** When `signal` aborts, interrupt our turn too (default true: a cancelled MCP call stops its turn). */
  interruptOnAbort?: boolean;
  /** Return `awaiting_permission` as soon as the session asks (the caller answers asks). */
  stopOnPermissionAsk?: boolean;
  /** What the session is doing, whenever that changes. */
  onProgress?(message: string): void;
}

type Buffered = { kind: 'message'; e: SessionMessageEvent } | { kind: 'end'; e: TurnEndEvent } | { kind: 'change'; e: SessionRecord } | { kind: 'ask'; e: PermissionAsk };

export class TurnWatch implements Disposable {
  private readonly subscriptions = new DisposableStore();
  private sessionId: string | undefined;
  private buffer: Buffered[] = [];
  private promptSeen = false;
  private sawLive = false;
  private cursor: number | undefined;
  private nextCursor: number | undefined;
  private text = '';
  private readonly stream = new StreamAccumulator();
  private tool: string | undefined;
  private ask: string | undefined;
  private pendingEnd: TurnEndEvent | undefined;
  private outcome: TurnOutcome | undefined;
  private settle: ((o: TurnOutcome) => void) | undefined;
  private options: WaitOptions | undefined;

  /**
   * `promptUuid`: the turn that starts with the prompt sent under this uuid (about to be sent;
   * see SessionManager.send). Undefined: the turn in flight now (e.g. after answering its
   * permission ask).
   */
  constructor(
    private readonly sessions: TurnSource,
    private readonly promptUuid: string | undefined,
  ) {
    this.promptSeen = promptUuid === undefined;
    this.subscriptions.add(sessions.onDidMessage((e) => this.take({ kind: 'message', e })));
    this.subscriptions.add(sessions.onDidEndTurn((e) => this.take({ kind: 'end', e })));
    this.subscriptions.add(sessions.onDidChangeSession((e) => this.take({ kind: 'change', e })));
    this.subscriptions.add(sessions.onDidRequestPermission((e) => this.take({ kind: 'ask', e })));
  }

  /** From now on only this session's events count; those held so far are replayed. */
  bind(sessionId: string): void {
    this.sessionId = sessionId;
    const held = this.buffer;
    this.buffer = [];
    for (const item of held) this.take(item);
    // Bound after the prompt went out (a caller that subscribed late): ask where it is.
    if (!this.promptSeen && this.promptUuid) {
      const state = this.sessions.promptState(sessionId, this.promptUuid);
      if (state === 'in_flight') this.promptSeen = true;
      const end = state === 'ended' ? this.sessions.turnEnded(sessionId, this.promptUuid) : undefined;
      if (end) {
        this.promptSeen = true;
        this.finish(end.result.is_error ? (isStopped(end.result as unknown as Record<string, unknown>) ? 'interrupted' : 'error') : 'completed', { end, subtype: end.result.subtype });
      }
    }
  }

  /** Resolves with how the turn ended, or what is known when the wait stops early. */
  wait(options: WaitOptions): Promise<TurnOutcome> {
    if (!this.sessionId) throw new Error('TurnWatch.wait before bind');
    this.options = options;
    if (this.outcome) return Promise.resolve(this.outcome);
    return new Promise<TurnOutcome>((resolve) => {
      this.settle = resolve;
      if (Number.isFinite(options.timeoutMs)) {
        const timer = setTimeout(() => this.finish('timed_out'), Math.max(0, options.timeoutMs));
        this.subscriptions.add({ dispose: () => clearTimeout(timer) });
      }
      const signal = options.signal;
      if (signal) {
        const onAbort = () => {
          // Only our own turn is interrupted: a prompt still queued behind another turn runs later.
          if (options.interruptOnAbort !== false && this.promptSeen && this.sessionId) void this.sessions.interrupt(this.sessionId).catch(() => undefined);
          this.finish('cancelled');
        };
        if (signal.aborted) onAbort();
        else {
          signal.addEventListener('abort', onAbort, { once: true });
          this.subscriptions.add({ dispose: () => signal.removeEventListener('abort', onAbort) });
        }
      }
      this.checkState(this.sessions.get(this.sessionId!));
    });
  }

  dispose(): void {
    this.subscriptions.dispose();
  }

  private take(item: Buffered): void {
    if (this.outcome) return;
    if (this.sessionId === undefined) {
      this.buffer.push(item);
      return;
    }
    const id = item.kind === 'change' ? item.e.id : item.e.sessionId;
    if (id !== this.sessionId) return;
    switch (item.kind) {
      case 'message':
        this.onMessage(item.e);
        break;
      case 'end':
        if (this.promptSeen) this.pendingEnd = item.e;
        break;
      case 'change':
        this.checkState(item.e);
        break;
      case 'ask':
        if (this.promptSeen) {
          this.ask = `waiting for permission to use ${item.e.toolName}${item.e.title ? ` (${item.e.title})` : ''}`;
          this.progress();
        }
        break;
    }
  }

  private onMessage(e: SessionMessageEvent): void {
    if (e.entry) this.nextCursor = e.entry.seq + 1;
    const m = e.message;
    if (!this.promptSeen) {
      if (e.direction === 'out' && m.kind === 'user' && m.message.uuid === this.promptUuid) {
        this.promptSeen = true;
        this.cursor = e.entry?.seq;
        this.progress('Claude Code took up the prompt');
      }
      return;
    }
    if (e.direction !== 'in') return;
    switch (m.kind) {
      case 'assistant': {
        const raw = m.message as unknown as Record<string, unknown>;
        this.stream.complete(raw);
        // Subagents' messages (parent_tool_use_id set) are the Task tool's business, not the reply.
        const text = m.message.parent_tool_use_id ? '' : textOf(m.message.message.content).text;
        if (text) this.text += (this.text ? '\n' : '') + text;
        const last = toolUses(raw).at(-1);
        if (last) this.tool = `using ${last.name}${describeInput(last.name, last.input)}`;
        this.progress();
        break;
      }
      case 'stream_event': {
        const delta = this.stream.push(m.message as unknown as Record<string, unknown>);
        if (delta?.block === 'text') this.progress();
        break;
      }
      case 'user':
        if (this.tool) {
          this.tool = undefined;
          this.ask = undefined;
          this.progress();
        }
        break;
      case 'result': {
        const end = this.pendingEnd;
        const result = m.message;
        const status = isStopped(result as unknown as Record<string, unknown>) ? 'interrupted' : result.is_error ? 'error' : 'completed';
        const finalText = result.subtype === 'success' && typeof result.result === 'string' && result.result ? result.result : this.text;
        this.text = finalText;
        this.finish(status, {
          subtype: result.subtype,
          ...(end ? { end } : {}),
          ...('errors' in result && Array.isArray(result.errors) && result.errors.length ? { errors: result.errors.map(String) } : {}),
        });
        break;
      }
      default:
        break;
    }
  }

  private checkState(record: SessionRecord | undefined): void {
    if (!record || this.outcome) return;
    // A resumed session still shows its old terminal state until its new process starts.
    if (!isTerminal(record.state)) this.sawLive = true;
    if (isTerminal(record.state)) {
      if (this.promptSeen || this.sawLive) this.finish('session_ended');
    } else if (record.state === 'idle' && !this.promptSeen && this.promptUuid && !this.sessions.promptState(record.id, this.promptUuid)) {
      // Idle, and our prompt is neither running nor waiting: an interrupt cleared it.
      this.finish('dropped');
    } else if (record.state === 'awaiting_permission' && this.promptSeen && this.options?.stopOnPermissionAsk) {
      this.finish('awaiting_permission', { pendingPermissions: this.sessions.pendingPermissions(record.id) });
    }
  }

  private progress(message?: string): void {
    const now = message ?? this.activity();
    if (now) this.options?.onProgress?.(now);
  }

  private activity(): string {
    if (this.ask) return this.ask;
    const streaming = this.stream.streamingText();
    const sofar = (this.text + (streaming ? (this.text ? '\n' : '') + streaming : '')).trim();
    const tail = sofar.length > 300 ? `…${sofar.slice(-299)}` : sofar;
    if (this.tool) return tail ? `${this.tool}. So far: ${tail}` : this.tool;
    return tail ? `Writing: ${tail}` : 'working';
  }

  private finish(status: TurnStatus, extra: Partial<TurnOutcome> = {}): void {
    if (this.outcome) return;
    const activity = status === 'completed' ? undefined : this.ask ?? this.tool;
    const streaming = status === 'completed' ? '' : this.stream.streamingText();
    this.outcome = {
      status,
      text: (this.text + (streaming ? (this.text ? '\n' : '') + streaming : '')).trim(),
      ...(this.cursor !== undefined ? { cursor: this.cursor } : {}),
      ...(this.nextCursor !== undefined ? { nextCursor: this.nextCursor } : {}),
      ...(activity ? { activity } : {}),
      ...extra,
    };
    this.subscriptions.dispose();
    this.settle?.(this.outcome);
  }
}

function describeInput(name: string, input: Record<string, unknown>): string {
  const hint = toolInputSummary(name, input);
  return hint ? `: ${hint.length > 120 ? `${hint.slice(0, 119)}…` : hint}` : '';
}

/**
 * Resolves at the end of a turn: the one `promptUuid` (from send/create/resume) started, even
 * if it has already ended, or else the session's next one. Rejects if the session ends first or
 * `signal` aborts.
 */
export async function waitForTurnEnd(sessions: TurnSource, sessionId: string, signal?: AbortSignal, promptUuid?: string): Promise<TurnEndEvent> {
  const watch = new TurnWatch(sessions, promptUuid);
  try {
    watch.bind(sessionId);
    const outcome = await watch.wait({ timeoutMs: Number.POSITIVE_INFINITY, ...(signal ? { signal, interruptOnAbort: false } : {}) });
    if (outcome.end) return outcome.end;
    if (outcome.status === 'cancelled') throw signal?.reason ?? new ShannonError('CANCELLED', 'The wait was cancelled.');
    const info = sessions.get(sessionId);
    throw new ShannonError(
      info?.error?.code === 'TIMED_OUT' ? 'TIMED_OUT' : 'SESSION_ENDED',
      info?.error?.message ?? `The session ended (${info?.state ?? outcome.status}) before the turn finished.`,
      info?.error?.hint,
    );
  } finally {
    watch.dispose();
  }
}
