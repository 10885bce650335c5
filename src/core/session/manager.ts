/**
 * SessionManager: creates, steers and ends Claude Code sessions, per workspace folder, with a
 * concurrency limit and a FIFO queue per folder. It owns every live Session and every process;
 * `dispose()` ends them all. Persistence is pluggable (the store), so the manager runs the same
 * in the extension host, in the standalone MCP server and in plain Node tests.
 */
import { randomUUID } from 'node:crypto';
import { buildClaudeArgs } from '../cli/args.js';
import { ShannonError, asShannonError } from '../errors.js';
import { DisposableStore, EventMultiplexer, Events, type Disposable, type Event } from '../lifecycle.js';
import type { ClaudeProcess, ClaudeProcessOptions, StopOptions } from '../process/claudeProcess.js';
import type { PermissionAsk, PermissionDecision } from './permissions.js';
import { Session, type DecodeErrorEvent, type PermissionSettledEvent, type Prompt, type SessionMessageEvent, type SessionPersistence, type StderrEvent, type TurnEndEvent } from './session.js';
import { TurnWatch } from './turnWatch.js';
import { emptyMetrics, isBusy, isTerminal, type ClaudeRunOptions, type SessionRecord, type SessionState, type SessionWorktree } from './types.js';

export type { SessionPersistence };

export interface SessionFilter {
  workspaceFolder?: string;
  states?: SessionState[];
  limit?: number;
}

export interface SessionManagerOptions {
  /** The `claude` executable; throws a ShannonError (CLAUDE_NOT_FOUND, …) when there is none. */
  resolveBinary(): Promise<string>;
  /** Extra environment for every `claude` process (a host setting). */
  environment?(): Record<string, string | undefined>;
  /** Defaults under every session's own options (settings: model, permission mode, tools…). */
  defaults?(): ClaudeRunOptions;
  /** Sessions with a turn in flight per folder; more new sessions wait in the folder's queue. */
  maxConcurrentPerFolder?: number | (() => number);
  /**
   * Idle `claude` processes kept, across all folders (default 8). Past it, the longest-idle
   * session is suspended: its process ends the gentle way and its next message resumes it.
   */
  maxIdleProcesses?: number | (() => number);
  sessionTimeoutMs?: number | (() => number);
  idleTimeoutMs?: number | (() => number);
  maxLineBytes?: number;
  controlTimeoutMs?: number;
  stop?: StopOptions;
  persistence?: SessionPersistence;
  /** Runs before each prompt reaches the CLI (auto-checkpoints). Errors are the hook's to report. */
  beforeTurn?(session: SessionRecord): Promise<void>;
  /** Told of each `claude` process once spawned (the process registry records its tree). */
  onDidSpawn?(sessionId: string, process: import('../process/claudeProcess.js').ClaudeProcess): void;
  /** Each process's `initialize` response (SessionCapabilities keeps its commands and agents). */
  onDidInitialize?(sessionId: string, response: import('../protocol/messages.js').JsonObject | undefined): void;
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

export type MessageEvent = SessionMessageEvent;

interface QueuedStart {
  session: Session;
  prompt: Prompt | undefined;
  promptUuid?: string;
}

const value = (v: number | (() => number) | undefined, fallback: number) => (typeof v === 'function' ? v() : (v ?? fallback));

export class SessionManager implements Disposable {
  // Every Session's events, relayed: listeners subscribe once and hear all sessions, now and later.
  private readonly changes = new EventMultiplexer<SessionRecord>();
  private readonly messages = new EventMultiplexer<MessageEvent>();
  private readonly decodeErrors = new EventMultiplexer<DecodeErrorEvent>();
  private readonly stderr = new EventMultiplexer<StderrEvent>();
  private readonly asks = new EventMultiplexer<PermissionAsk>();
  private readonly settles = new EventMultiplexer<PermissionSettledEvent>();
  private readonly turnEnds = new EventMultiplexer<TurnEndEvent>();
  /** A session's record changed (state, metrics, CLI session id, title), or a session appeared. */
  readonly onDidChangeSession: Event<SessionRecord> = this.changes.event;
  readonly onDidMessage: Event<MessageEvent> = this.messages.event;
  readonly onDidDecodeError: Event<DecodeErrorEvent> = this.decodeErrors.event;
  readonly onDidWriteStderr: Event<StderrEvent> = this.stderr.event;
  readonly onDidRequestPermission: Event<PermissionAsk> = this.asks.event;
  readonly onDidSettlePermission: Event<PermissionSettledEvent> = this.settles.event;
  readonly onDidEndTurn: Event<TurnEndEvent> = this.turnEnds.event;

  private readonly sessions = new Map<string, { session: Session; subscriptions: DisposableStore }>();
  private readonly queues = new Map<string, QueuedStart[]>();
  /** Slots taken by queued sessions whose start is under way (binary lookup) but not spawned yet. */
  private readonly reserved = new Map<string, number>();
  /** When each idle session with a process became idle: the longest-idle is suspended first. */
  private readonly idleSince = new Map<string, number>();
  /** Suspended sessions being woken (their new process is starting). */
  private readonly waking = new Map<string, Promise<void>>();
  private readonly disposables = new DisposableStore();
  private disposed = false;
  private readonly now: () => number;
  /** Process supervision, loaded with the first session (see LaunchSpec.spawn). */
  private spawner: Promise<(options: ClaudeProcessOptions) => ClaudeProcess> | undefined;
  private spawn: ((options: ClaudeProcessOptions) => ClaudeProcess) | undefined;

  constructor(private readonly options: SessionManagerOptions) {
    this.now = options.now ?? Date.now;
    for (const relay of [this.changes, this.messages, this.decodeErrors, this.stderr, this.asks, this.settles, this.turnEnds]) this.disposables.add(relay);
  }

  /** One session's events only. */
  eventsOf(sessionId: string): {
    onDidChange: Event<SessionRecord>;
    onDidMessage: Event<MessageEvent>;
    onDidEndTurn: Event<TurnEndEvent>;
    onDidRequestPermission: Event<PermissionAsk>;
  } {
    return {
      onDidChange: Events.filter(this.onDidChangeSession, (r) => r.id === sessionId),
      onDidMessage: Events.filter(this.onDidMessage, (e) => e.sessionId === sessionId),
      onDidEndTurn: Events.filter(this.onDidEndTurn, (e) => e.sessionId === sessionId),
      onDidRequestPermission: Events.filter(this.onDidRequestPermission, (e) => e.sessionId === sessionId),
    };
  }

  /**
   * Creates a session and starts it, or queues it when the folder is at its limit. Resolves
   * with the record once the session is running or queued; a missing binary rejects at once.
   */
  async create(request: CreateSessionRequest): Promise<StartedSession> {
    this.assertAlive();
    const binary = await this.readyToLaunch();
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

  /**
   * Sends a follow-up turn to a live session (queued behind a running turn); resolves with its
   * uuid. A suspended session wakes for it: a new process resumes the same conversation. A
   * message to a session you already have never waits for a slot.
   */
  async send(sessionId: string, prompt: Prompt, uuid?: string): Promise<string> {
    const session = this.get(sessionId)?.state === 'suspended' ? this.sessionFor(sessionId) : this.requireSession(sessionId);
    const sent = await session.send(prompt, uuid);
    if (session.state === 'suspended') await this.wake(session);
    return sent;
  }

  /** Starts a queued session now, past its folder's limit (the person asked for it). */
  async startNow(sessionId: string): Promise<void> {
    const session = this.requireSession(sessionId);
    const entry = this.takeFromQueue(session);
    if (!entry) return;
    await this.launch(session, await this.readyToLaunch(), entry.prompt, entry.promptUuid);
  }

  async interrupt(sessionId: string): Promise<void> {
    await this.requireSession(sessionId).interrupt();
  }

  /** Ends a session's process (or takes it out of the queue). */
  async cancel(sessionId: string): Promise<void> {
    const session = this.get(sessionId)?.state === 'suspended' ? this.sessionFor(sessionId) : this.requireSession(sessionId);
    this.takeFromQueue(session);
    await session.cancel('cancelled');
  }

  /** Continues a finished session in a new process (`--resume <CLI session id>`). */
  async resume(sessionId: string, prompt?: Prompt, promptUuid?: string): Promise<StartedSession> {
    this.assertAlive();
    const session = this.sessionFor(sessionId);
    const record = session.info;
    if (record.state === 'suspended') {
      // Open already: resuming it is waking it, with the prompt if there is one.
      const uuid = prompt !== undefined ? await this.send(sessionId, prompt, promptUuid) : (await this.wake(session), undefined);
      return { ...session.info, ...(uuid ? { promptUuid: uuid } : {}) };
    }
    if (!isTerminal(record.state) && record.state !== 'created') {
      throw new ShannonError('SESSION_BUSY', `Session "${record.title}" is ${record.state}; only a finished session can be resumed.`, 'Send it a message instead.');
    }
    if (!record.cliSessionId) {
      throw new ShannonError('INVALID_ARGUMENT', `Session "${record.title}" never reached Claude Code, so there is nothing to resume.`, 'Start a new session.');
    }
    refuseDiscardedWorktree(record);
    const binary = await this.readyToLaunch();
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
    const binary = await this.readyToLaunch();
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
      // The same conversation with the same options: shared with MCP if its parent was.
      ...(parent.sharedWithMcp ? { sharedWithMcp: true } : {}),
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
    if (entry.session.hasProcess) throw new ShannonError('SESSION_BUSY', 'A running session cannot be forgotten.', 'Cancel it first.');
    this.sessions.delete(sessionId);
    entry.session.dispose();
    entry.subscriptions.dispose();
  }

  /** Lets a live session finish and exit normally (a suspended one just becomes completed). */
  async end(sessionId: string): Promise<void> {
    const session = this.get(sessionId)?.state === 'suspended' ? this.sessionFor(sessionId) : this.requireSession(sessionId);
    await session.end();
  }

  /** Ends an idle session's process the gentle way; its next message resumes it. */
  async suspend(sessionId: string): Promise<void> {
    const session = this.requireSession(sessionId);
    if (session.suspendable) await session.end('suspended');
  }

  async setPermissionMode(sessionId: string, mode: NonNullable<ClaudeRunOptions['permissionMode']>): Promise<void> {
    await this.openSession(sessionId).setPermissionMode(mode);
  }

  async setModel(sessionId: string, model: string | undefined): Promise<void> {
    await this.openSession(sessionId).setModel(model);
  }

  /** Lets MCP clients steer a session above their permission cap, or stops it; live or stored. */
  setSharedWithMcp(sessionId: string, shared: boolean): SessionRecord {
    const session = this.sessionFor(sessionId);
    session.updateRecord({ sharedWithMcp: shared || undefined });
    return session.info;
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
   * Follows one turn: the one the prompt sent under `promptUuid` starts (subscribe before sending
   * it), or the turn in flight now. See TurnWatch.
   */
  watchTurn(promptUuid?: string): TurnWatch {
    return new TurnWatch(this, promptUuid);
  }

  /** Where a prompt sent to a live session is (TurnWatch asks, for a prompt it may have missed). */
  promptState(sessionId: string, uuid: string): 'in_flight' | 'queued' | 'ended' | undefined {
    const session = this.sessions.get(sessionId)?.session;
    if (!session) return undefined;
    return session.turnEnded(uuid) ? 'ended' : session.promptState(uuid);
  }

  /** The end of the turn the prompt `promptUuid` started, if it ended recently. */
  turnEnded(sessionId: string, promptUuid: string): TurnEndEvent | undefined {
    return this.sessions.get(sessionId)?.session.turnEnded(promptUuid);
  }

  /**
   * Resolves at the end of a turn: the one `promptUuid` (from send/create/resume) started, even
   * if it has already ended, or else the session's next one. Rejects if the session ends first or
   * `signal` aborts.
   */
  async waitForTurn(sessionId: string, signal?: AbortSignal, promptUuid?: string): Promise<TurnEndEvent> {
    this.requireSession(sessionId);
    const watch = this.watchTurn(promptUuid);
    try {
      watch.bind(sessionId);
      const outcome = await watch.wait({ timeoutMs: Number.POSITIVE_INFINITY, ...(signal ? { signal, interruptOnAbort: false } : {}) });
      if (outcome.end) return outcome.end;
      if (outcome.status === 'cancelled') throw signal?.reason ?? new ShannonError('CANCELLED', 'The wait was cancelled.');
      const info = this.get(sessionId);
      throw new ShannonError(
        info?.error?.code === 'TIMED_OUT' ? 'TIMED_OUT' : 'SESSION_ENDED',
        info?.error?.message ?? `The session ended (${info?.state ?? outcome.status}) before the turn finished.`,
        info?.error?.hint,
      );
    } finally {
      watch.dispose();
    }
  }

  /**
   * Sessions with a turn in flight in a workspace folder (starting, running, awaiting
   * permission): what the concurrency limit counts. Idle ones have their own budget.
   */
  busyCount(workspaceFolder: string): number {
    let n = this.reserved.get(workspaceFolder) ?? 0;
    for (const { session } of this.sessions.values()) {
      if (session.workspaceFolder === workspaceFolder && session.hasProcess && isBusy(session.state)) n++;
    }
    return n;
  }

  /** Idle sessions that hold a `claude` process, across all folders (the idle budget counts these). */
  idleProcessCount(): number {
    let n = 0;
    for (const { session } of this.sessions.values()) if (session.hasProcess && session.state === 'idle') n++;
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
    // Suspended, not completed: after a reload the next message resumes each one transparently.
    await Promise.all([...this.sessions.values()].filter(({ session }) => session.hasProcess).map(({ session }) => session.end('suspended').catch(() => undefined)));
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
    const session = new Session(record, { now: this.now, persistence: this.options.persistence });
    const subs = new DisposableStore();
    subs.add(this.changes.add(session.onDidChange));
    subs.add(this.messages.add(session.onDidMessage));
    subs.add(this.decodeErrors.add(session.onDidDecodeError));
    subs.add(this.stderr.add(session.onDidWriteStderr));
    subs.add(this.asks.add(session.onDidRequestPermission));
    subs.add(this.settles.add(session.onDidSettlePermission));
    subs.add(this.turnEnds.add(session.onDidEndTurn));
    subs.add(session.onDidChange((info) => this.afterChange(session, info)));
    this.sessions.set(record.id, { session, subscriptions: subs });
    session.announce();
    return session;
  }

  /**
   * Starts now if the folder has room, else waits in the folder's FIFO queue (the promise then
   * resolves at once: the start happens in pump() when a slot frees).
   */
  private async enqueue(session: Session, binary: string, prompt: Prompt | undefined, promptUuid?: string): Promise<void> {
    const folder = session.info.workspaceFolder;
    const queue = this.queues.get(folder) ?? [];
    if (this.busyCount(folder) < this.limit() && queue.length === 0) {
      await this.launch(session, binary, prompt, promptUuid);
      return;
    }
    queue.push({ session, prompt, promptUuid });
    this.queues.set(folder, queue);
    session.markQueued({ busy: this.busyCount(folder), limit: this.limit(), position: queue.length });
  }

  /**
   * After any change of a session: a slot may have freed (it left busy), the idle budget may be
   * exceeded (it became idle), a suspended one may have been typed to during its hand-over.
   */
  private afterChange(session: Session, info: SessionRecord): void {
    if (this.disposed) return;
    if (info.state === 'idle' && session.hasProcess) {
      if (!this.idleSince.has(info.id)) this.idleSince.set(info.id, this.now());
    } else this.idleSince.delete(info.id);
    // (Not for a queued one: the queue moving is what changed it.)
    if (!isBusy(info.state) && info.state !== 'queued') this.pump(info.workspaceFolder);
    if (info.state === 'idle') this.keepIdleBudget();
    if (info.state === 'suspended' && session.queuedPromptCount > 0) void this.wake(session).catch(() => undefined);
  }

  private keepIdleBudget(): void {
    const budget = Math.max(0, value(this.options.maxIdleProcesses, 8));
    const idle = [...this.sessions.values()]
      .map(({ session }) => session)
      .filter((s) => s.suspendable)
      .sort((a, b) => (this.idleSince.get(a.id) ?? 0) - (this.idleSince.get(b.id) ?? 0));
    for (const session of idle.slice(0, Math.max(0, this.idleProcessCount() - budget))) {
      this.idleSince.delete(session.id);
      void session.end('suspended').catch(() => undefined);
    }
  }

  /** A suspended session's new process: `--resume` of its conversation, same Shannon session. */
  private wake(session: Session): Promise<void> {
    let waking = this.waking.get(session.id);
    if (!waking) {
      waking = (async () => {
        const binary = await this.readyToLaunch();
        if (session.state !== 'suspended') return;
        const record = session.info;
        session.updateRecord({ options: { ...record.options, resume: record.cliSessionId, forkSession: false, resumeAt: undefined, sessionId: undefined } });
        await this.launch(session, binary, undefined);
      })().finally(() => this.waking.delete(session.id));
      this.waking.set(session.id, waking);
    }
    return waking;
  }

  /** The binary to run, with process supervision loaded (the first time only). */
  private async readyToLaunch(): Promise<string> {
    this.spawner ??= import('../process/claudeProcess.js').then(({ ClaudeProcess }) => (options) => new ClaudeProcess(options));
    const [binary, spawn] = await Promise.all([this.options.resolveBinary(), this.spawner]);
    this.spawn = spawn;
    return binary;
  }

  private limit(): number {
    return Math.max(1, value(this.options.maxConcurrentPerFolder, 3));
  }

  private pump(folder: string): void {
    if (this.disposed) return;
    const queue = this.queues.get(folder);
    while (queue?.length && this.busyCount(folder) < this.limit()) {
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
    // Who still waits: their place and the folder's load moved.
    queue?.forEach((q, i) => q.session.markQueued({ busy: this.busyCount(folder), limit: this.limit(), position: i + 1 }));
  }

  private async launch(session: Session, binary: string, prompt: Prompt | undefined, promptUuid?: string, releaseReservation: () => void = () => undefined): Promise<void> {
    const record = session.info;
    const folder = record.workspaceFolder;
    try {
      const args = buildClaudeArgs(record.options);
      // From here the session's own process counts against the limit.
      releaseReservation();
      const spawn = this.spawn;
      if (!spawn) throw new ShannonError('SPAWN_FAILED', 'Process supervision was not loaded before a launch.');
      const started = session.start(
        {
          spawn,
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
          onDidSpawn: this.options.onDidSpawn,
          onDidInitialize: this.options.onDidInitialize,
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

  private takeFromQueue(session: Session): QueuedStart | undefined {
    const queue = this.queues.get(session.workspaceFolder);
    const index = queue?.findIndex((q) => q.session === session) ?? -1;
    return queue && index >= 0 ? queue.splice(index, 1)[0] : undefined;
  }

  /** A session that can take a message or a setting: live, or suspended (loaded from the store). */
  private openSession(sessionId: string): Session {
    return this.get(sessionId)?.state === 'suspended' ? this.sessionFor(sessionId) : this.requireSession(sessionId);
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
