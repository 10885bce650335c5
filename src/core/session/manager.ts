/**
 * SessionManager: creates, steers and ends Claude Code sessions, per workspace folder, with a
 * concurrency limit and a FIFO queue per folder. It owns every live Session and every process;
 * `dispose()` ends them all. Persistence is pluggable (the store), so the manager runs the same
 * in the extension host, in the standalone MCP server and in plain Node tests.
 */
import { randomUUID } from 'node:crypto';
import { buildClaudeArgs } from '../cli/args.js';
import { ShannonError, asShannonError } from '../errors.js';
import { DisposableStore, Emitter, nextEvent, type Disposable, type Event } from '../lifecycle.js';
import type { StopOptions } from '../process/claudeProcess.js';
import type { PermissionAsk, PermissionDecision } from './permissions.js';
import { Session, type DecodeErrorEvent, type PermissionSettledEvent, type Prompt, type SessionMessageEvent, type StderrEvent, type TurnEndEvent } from './session.js';
import { emptyMetrics, isTerminal, type ClaudeRunOptions, type SessionRecord, type SessionState, type SessionWorktree, type TranscriptEntry, type TurnMetrics } from './types.js';

/** Where sessions, messages and turns are kept (the store implements it). */
export interface SessionPersistence {
  upsertSession(record: SessionRecord): void;
  getSession(id: string): SessionRecord | undefined;
  listSessions(filter?: SessionFilter): SessionRecord[];
  appendMessage(entry: Omit<TranscriptEntry, 'seq'>): TranscriptEntry;
  recordTurn(metrics: TurnMetrics): void;
}

export interface SessionFilter {
  workspaceFolder?: string;
  states?: SessionState[];
  limit?: number;
}

export interface SessionManagerOptions {
  /** The `claude` executable; throws a ShannonError (CLAUDE_NOT_FOUND, …) when there is none. */
  resolveBinary(): Promise<string>;
  /** Extra environment for every `claude` process (the `shannon.environment` setting). */
  environment?(): Record<string, string | undefined>;
  /** Defaults under every session's own options (settings: model, permission mode, tools…). */
  defaults?(): ClaudeRunOptions;
  maxConcurrentPerFolder?: number | (() => number);
  sessionTimeoutMs?: number | (() => number);
  idleTimeoutMs?: number | (() => number);
  maxLineBytes?: number;
  controlTimeoutMs?: number;
  stop?: StopOptions;
  persistence?: SessionPersistence;
  /** Runs before each prompt reaches the CLI (auto-checkpoints). Errors are the hook's to report. */
  beforeTurn?(session: SessionRecord): Promise<void>;
  now?: () => number;
}

export interface CreateSessionRequest {
  prompt?: Prompt;
  /** The uuid of the first prompt's user message (see Session.send). */
  promptUuid?: string;
  workspaceFolder: string;
  /** Defaults to the workspace folder. */
  cwd?: string;
  options?: ClaudeRunOptions;
  title?: string;
  origin?: SessionRecord['origin'];
  /** Where it works and what its changes are measured from (src/core/worktrees makes it). */
  worktree?: SessionWorktree;
}

/** A session as create() returns it: with the uuid of its first prompt, to wait for that turn. */
export type StartedSession = SessionRecord & { promptUuid?: string };

export interface MessageEvent extends SessionMessageEvent {
  entry?: TranscriptEntry;
}

interface QueuedStart {
  session: Session;
  prompt: Prompt | undefined;
  promptUuid?: string;
}

const value = (v: number | (() => number) | undefined, fallback: number) => (typeof v === 'function' ? v() : (v ?? fallback));

export class SessionManager implements Disposable {
  private readonly onDidChangeSessionEmitter = new Emitter<SessionRecord>();
  readonly onDidChangeSession: Event<SessionRecord> = this.onDidChangeSessionEmitter.event;
  private readonly onDidMessageEmitter = new Emitter<MessageEvent>();
  readonly onDidMessage: Event<MessageEvent> = this.onDidMessageEmitter.event;
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

  private readonly sessions = new Map<string, { session: Session; subscriptions: DisposableStore }>();
  private readonly queues = new Map<string, QueuedStart[]>();
  /** Slots taken by queued sessions whose start is under way (binary lookup) but not spawned yet. */
  private readonly reserved = new Map<string, number>();
  private readonly disposables = new DisposableStore();
  private disposed = false;
  private readonly now: () => number;

  constructor(private readonly options: SessionManagerOptions) {
    this.now = options.now ?? Date.now;
    for (const emitter of [
      this.onDidChangeSessionEmitter,
      this.onDidMessageEmitter,
      this.onDidDecodeErrorEmitter,
      this.onDidWriteStderrEmitter,
      this.onDidRequestPermissionEmitter,
      this.onDidSettlePermissionEmitter,
      this.onDidEndTurnEmitter,
    ]) {
      this.disposables.add(emitter);
    }
  }

  /**
   * Creates a session and starts it, or queues it when the folder is at its limit. Resolves
   * with the record once the session is running or queued; a missing binary rejects at once.
   */
  async create(request: CreateSessionRequest): Promise<StartedSession> {
    this.assertAlive();
    const binary = await this.options.resolveBinary();
    const now = this.now();
    const options = { ...this.options.defaults?.(), ...stripUndefined(request.options ?? {}) };
    const record: SessionRecord = {
      id: randomUUID(),
      workspaceFolder: request.workspaceFolder,
      cwd: request.cwd ?? request.workspaceFolder,
      title: request.title?.trim() || titleFrom(request.prompt) || 'New session',
      model: options.model,
      options,
      state: 'created',
      createdAt: now,
      updatedAt: now,
      metrics: emptyMetrics(),
      origin: request.origin ?? 'shannon',
      ...(request.worktree ? { worktree: request.worktree } : {}),
    };
    validateOptions(options);
    const session = this.adopt(record);
    const promptUuid = request.prompt !== undefined ? (request.promptUuid ?? randomUUID()) : undefined;
    await this.enqueue(session, binary, request.prompt, promptUuid);
    return { ...session.info, ...(promptUuid ? { promptUuid } : {}) };
  }

  /** Sends a follow-up turn to a live session (queued behind a running turn); resolves with its uuid. */
  send(sessionId: string, prompt: Prompt, uuid?: string): Promise<string> {
    return this.requireSession(sessionId).send(prompt, uuid);
  }

  async interrupt(sessionId: string): Promise<void> {
    await this.requireSession(sessionId).interrupt();
  }

  /** Ends a session's process (or takes it out of the queue). */
  async cancel(sessionId: string): Promise<void> {
    const session = this.requireSession(sessionId);
    this.removeFromQueue(session);
    await session.cancel('cancelled');
  }

  /** Continues a finished session in a new process (`--resume <CLI session id>`). */
  async resume(sessionId: string, prompt?: Prompt, promptUuid?: string): Promise<StartedSession> {
    this.assertAlive();
    const session = this.sessionFor(sessionId);
    const record = session.info;
    if (!isTerminal(record.state) && record.state !== 'created') {
      throw new ShannonError('SESSION_BUSY', `Session "${record.title}" is ${record.state}; only a finished session can be resumed.`, 'Send it a message instead.');
    }
    if (!record.cliSessionId) {
      throw new ShannonError('INVALID_ARGUMENT', `Session "${record.title}" never reached Claude Code, so there is nothing to resume.`, 'Start a new session.');
    }
    refuseDiscardedWorktree(record);
    const binary = await this.options.resolveBinary();
    session.updateRecord({ options: { ...record.options, resume: record.cliSessionId, forkSession: false, resumeAt: undefined, sessionId: undefined } });
    const uuid = prompt !== undefined ? (promptUuid ?? randomUUID()) : undefined;
    await this.enqueue(session, binary, prompt, uuid);
    return { ...session.info, ...(uuid ? { promptUuid: uuid } : {}) };
  }

  /**
   * A new session that starts from another's conversation (`--resume <id> --fork-session`),
   * optionally cut at an assistant message (`--resume-session-at`).
   */
  async fork(sessionId: string, request: { prompt?: Prompt; promptUuid?: string; resumeAt?: string; title?: string; options?: ClaudeRunOptions } = {}): Promise<StartedSession> {
    this.assertAlive();
    const parent = this.get(sessionId);
    if (!parent) throw notFound(sessionId);
    if (!parent.cliSessionId) {
      throw new ShannonError('INVALID_ARGUMENT', `Session "${parent.title}" never reached Claude Code, so there is nothing to fork.`, 'Start a new session.');
    }
    refuseDiscardedWorktree(parent);
    const binary = await this.options.resolveBinary();
    const now = this.now();
    const options: ClaudeRunOptions = {
      ...parent.options,
      ...stripUndefined(request.options ?? {}),
      resume: parent.cliSessionId,
      forkSession: true,
      resumeAt: request.resumeAt,
      sessionId: undefined,
    };
    validateOptions(options);
    const record: SessionRecord = {
      id: randomUUID(),
      workspaceFolder: parent.workspaceFolder,
      cwd: parent.cwd,
      title: request.title?.trim() || `${parent.title} (fork)`,
      model: parent.model,
      options,
      state: 'created',
      createdAt: now,
      updatedAt: now,
      metrics: emptyMetrics(),
      parentId: parent.id,
      origin: parent.origin === 'imported' ? 'shannon' : parent.origin,
      // A fork works in its parent's files: the same worktree.
      ...(parent.worktree ? { worktree: parent.worktree } : {}),
    };
    const session = this.adopt(record);
    const promptUuid = request.prompt !== undefined ? (request.promptUuid ?? randomUUID()) : undefined;
    await this.enqueue(session, binary, request.prompt, promptUuid);
    return { ...session.info, ...(promptUuid ? { promptUuid } : {}) };
  }

  /** Replaces a session's worktree field (live or stored), persisted and announced like any change. */
  setWorktree(sessionId: string, worktree: SessionWorktree | undefined): void {
    this.sessionFor(sessionId).updateRecord({ worktree });
  }

  /** Drops a finished session from memory (after it was deleted from the store). */
  forget(sessionId: string): void {
    const entry = this.sessions.get(sessionId);
    if (!entry) return;
    if (entry.session.isLive) throw new ShannonError('SESSION_BUSY', 'A running session cannot be forgotten.', 'Cancel it first.');
    this.sessions.delete(sessionId);
    entry.session.dispose();
    entry.subscriptions.dispose();
  }

  /** Lets a live session finish and exit normally. */
  async end(sessionId: string): Promise<void> {
    await this.requireSession(sessionId).end();
  }

  async setPermissionMode(sessionId: string, mode: NonNullable<ClaudeRunOptions['permissionMode']>): Promise<void> {
    await this.requireSession(sessionId).setPermissionMode(mode);
  }

  async setModel(sessionId: string, model: string | undefined): Promise<void> {
    await this.requireSession(sessionId).setModel(model);
  }

  respondToPermission(sessionId: string, requestId: string, decision: PermissionDecision): void {
    this.requireSession(sessionId).respondToPermission(requestId, decision);
  }

  pendingPermissions(sessionId?: string): PermissionAsk[] {
    const all = [...this.sessions.values()].map((s) => s.session);
    return all.filter((s) => !sessionId || s.id === sessionId).flatMap((s) => s.pendingPermissions);
  }

  get(sessionId: string): SessionRecord | undefined {
    return this.sessions.get(sessionId)?.session.info ?? this.options.persistence?.getSession(sessionId);
  }

  /** Live and stored sessions, newest first. */
  list(filter: SessionFilter = {}): SessionRecord[] {
    const byId = new Map<string, SessionRecord>();
    for (const record of this.options.persistence?.listSessions({ workspaceFolder: filter.workspaceFolder, states: filter.states }) ?? []) {
      byId.set(record.id, record);
    }
    for (const { session } of this.sessions.values()) byId.set(session.id, session.info);
    let records = [...byId.values()].filter(
      (r) => (!filter.workspaceFolder || r.workspaceFolder === filter.workspaceFolder) && (!filter.states || filter.states.includes(r.state)),
    );
    records.sort((a, b) => b.updatedAt - a.updatedAt);
    if (filter.limit !== undefined) records = records.slice(0, filter.limit);
    return records;
  }

  /** The live Session object (for owners that need its events); undefined for stored-only sessions. */
  liveSession(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId)?.session;
  }

  /**
   * Resolves at the end of a turn: the one `promptUuid` (from send/create/resume) started, even
   * if it has already ended, or else the session's next one. Rejects if the session ends first or
   * `signal` aborts.
   */
  async waitForTurn(sessionId: string, signal?: AbortSignal, promptUuid?: string): Promise<TurnEndEvent> {
    const session = this.requireSession(sessionId);
    const done = promptUuid ? session.turnEnded(promptUuid) : undefined;
    if (done) return done;
    const ended = nextEvent(session.onDidChangeState, (e) => isTerminal(e.to), signal).then((e) => {
      const info = session.info;
      throw new ShannonError(
        info.error?.code === 'TIMED_OUT' ? 'TIMED_OUT' : 'SESSION_ENDED',
        info.error?.message ?? `The session ended (${e.to}) before the turn finished.`,
        info.error?.hint,
      );
    });
    try {
      return await Promise.race([nextEvent(session.onDidEndTurn, (e) => !promptUuid || e.promptUuid === promptUuid, signal), ended]);
    } finally {
      ended.catch(() => undefined);
    }
  }

  /** Live sessions per workspace folder (the concurrency limit counts these). */
  liveCount(workspaceFolder: string): number {
    let n = this.reserved.get(workspaceFolder) ?? 0;
    for (const { session } of this.sessions.values()) {
      if (session.info.workspaceFolder === workspaceFolder && session.isLive) n++;
    }
    return n;
  }

  queuedCount(workspaceFolder: string): number {
    return this.queues.get(workspaceFolder)?.length ?? 0;
  }

  /**
   * Ends every live session the gentle way (stdin EOF lets the CLI finish writing its
   * transcript, so the session can be resumed later), escalating per the stop options.
   */
  async shutdown(): Promise<void> {
    this.queues.clear();
    await Promise.all([...this.sessions.values()].filter(({ session }) => session.isLive).map(({ session }) => session.end().catch(() => undefined)));
    this.dispose();
  }

  /** Ends everything at once (SIGKILL to every process group): for when nobody can wait. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.queues.clear();
    for (const { session, subscriptions } of this.sessions.values()) {
      // Killed synchronously: dispose has nobody to wait for it.
      session.dispose();
      subscriptions.dispose();
    }
    this.sessions.clear();
    this.disposables.dispose();
  }

  // ---- internals --------------------------------------------------------------------------

  private adopt(record: SessionRecord): Session {
    const session = new Session(record, this.now);
    const subs = new DisposableStore();
    const persist = this.options.persistence;
    subs.add(
      session.onDidChange((info) => {
        persist?.upsertSession(info);
        this.onDidChangeSessionEmitter.fire(info);
        if (!session.isLive) this.pump(info.workspaceFolder);
      }),
    );
    subs.add(
      session.onDidMessage((e) => {
        const raw = e.message.message as unknown as Record<string, unknown>;
        const entry = persist?.appendMessage({
          sessionId: e.sessionId,
          at: e.at,
          direction: e.direction,
          type: typeof raw.type === 'string' ? raw.type : 'unknown',
          subtype: typeof raw.subtype === 'string' ? raw.subtype : undefined,
          uuid: typeof raw.uuid === 'string' ? raw.uuid : undefined,
          raw,
        });
        this.onDidMessageEmitter.fire({ ...e, entry });
      }),
    );
    subs.add(session.onDidDecodeError((e) => this.onDidDecodeErrorEmitter.fire(e)));
    subs.add(session.onDidWriteStderr((e) => this.onDidWriteStderrEmitter.fire(e)));
    subs.add(session.onDidRequestPermission((e) => this.onDidRequestPermissionEmitter.fire(e)));
    subs.add(session.onDidSettlePermission((e) => this.onDidSettlePermissionEmitter.fire(e)));
    subs.add(
      session.onDidEndTurn((e) => {
        persist?.recordTurn(e.metrics);
        this.onDidEndTurnEmitter.fire(e);
      }),
    );
    this.sessions.set(record.id, { session, subscriptions: subs });
    persist?.upsertSession(session.info);
    this.onDidChangeSessionEmitter.fire(session.info);
    return session;
  }

  /**
   * Starts now if the folder has room, else waits in the folder's FIFO queue (the promise then
   * resolves at once: the start happens in pump() when a slot frees).
   */
  private async enqueue(session: Session, binary: string, prompt: Prompt | undefined, promptUuid?: string): Promise<void> {
    const folder = session.info.workspaceFolder;
    const queue = this.queues.get(folder) ?? [];
    if (this.liveCount(folder) < this.limit() && queue.length === 0) {
      await this.launch(session, binary, prompt, promptUuid);
      return;
    }
    session.markQueued();
    queue.push({ session, prompt, promptUuid });
    this.queues.set(folder, queue);
  }

  private limit(): number {
    return Math.max(1, value(this.options.maxConcurrentPerFolder, 3));
  }

  private pump(folder: string): void {
    if (this.disposed) return;
    const queue = this.queues.get(folder);
    while (queue?.length && this.liveCount(folder) < this.limit()) {
      const next = queue.shift()!;
      this.reserved.set(folder, (this.reserved.get(folder) ?? 0) + 1);
      const release = once(() => this.reserved.set(folder, (this.reserved.get(folder) ?? 1) - 1));
      this.options
        .resolveBinary()
        .then((binary) => this.launch(next.session, binary, next.prompt, next.promptUuid, release))
        .catch((err: unknown) => {
          release();
          if (!isTerminal(next.session.state)) next.session.fail(asShannonError(err));
        });
    }
    if (queue && !queue.length) this.queues.delete(folder);
  }

  private async launch(session: Session, binary: string, prompt: Prompt | undefined, promptUuid?: string, releaseReservation: () => void = () => undefined): Promise<void> {
    const record = session.info;
    const folder = record.workspaceFolder;
    try {
      const args = buildClaudeArgs(record.options);
      // From here the session's own process counts against the limit.
      releaseReservation();
      const started = session.start(
        {
          binary,
          args,
          cwd: record.cwd,
          env: this.options.environment?.(),
          maxLineBytes: this.options.maxLineBytes,
          controlTimeoutMs: this.options.controlTimeoutMs,
          stop: this.options.stop,
          sessionTimeoutMs: value(this.options.sessionTimeoutMs, 0),
          idleTimeoutMs: value(this.options.idleTimeoutMs, 0),
          beforeTurn: this.options.beforeTurn,
        },
        prompt,
        promptUuid,
      );
      await started;
    } catch (err) {
      releaseReservation();
      const error = asShannonError(err, 'SPAWN_FAILED');
      if (!isTerminal(session.state)) session.fail(error);
      this.pump(folder);
      throw error;
    }
  }

  private removeFromQueue(session: Session): void {
    const queue = this.queues.get(session.info.workspaceFolder);
    const index = queue?.findIndex((q) => q.session === session) ?? -1;
    if (queue && index >= 0) queue.splice(index, 1);
  }

  private requireSession(sessionId: string): Session {
    const entry = this.sessions.get(sessionId);
    if (entry) return entry.session;
    if (this.options.persistence?.getSession(sessionId)) {
      const record = this.options.persistence.getSession(sessionId)!;
      throw new ShannonError('SESSION_ENDED', `Session "${record.title}" is ${record.state}: it has no running Claude Code process.`, 'Resume the session to continue it.');
    }
    throw notFound(sessionId);
  }

  /** The Session object for any known session, loading a stored one on demand. */
  private sessionFor(sessionId: string): Session {
    const entry = this.sessions.get(sessionId);
    if (entry) return entry.session;
    const stored = this.options.persistence?.getSession(sessionId);
    if (!stored) throw notFound(sessionId);
    return this.adopt(stored);
  }

  private assertAlive(): void {
    if (this.disposed) throw new ShannonError('SESSION_ENDED', 'Shannon is shutting down.');
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function notFound(sessionId: string): ShannonError {
  return new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${sessionId}".`, 'List the sessions to find the right id.');
}

/** A session whose worktree was discarded has no directory to run in. */
function refuseDiscardedWorktree(record: SessionRecord): void {
  if (record.worktree?.removedAt) {
    throw new ShannonError('SESSION_ENDED', `The worktree of "${record.title}" was discarded, so the session cannot run again.`, 'Start a new session; its transcript stays readable.');
  }
}

function titleFrom(prompt: Prompt | undefined): string {
  if (prompt === undefined) return '';
  const text = typeof prompt === 'string' ? prompt : prompt.map((b) => (b.type === 'text' ? b.text : '')).join(' ');
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateOptions(options: ClaudeRunOptions): void {
  // buildClaudeArgs validates every flag; calling it here rejects bad input before a record exists.
  buildClaudeArgs(options);
}
