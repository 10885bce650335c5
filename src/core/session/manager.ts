/**
 * SessionManager: creates, steers and ends Claude Code sessions, per workspace folder, with a
 * concurrency limit and a FIFO queue per folder. It owns every live Session and every process;
 * `dispose()` ends them all. Persistence is pluggable (the store), so the manager runs the same
 * in the extension host, in the standalone MCP server and in plain Node tests.
 */
import { randomUUID } from 'node:crypto';
import { buildClaudeArgs } from '../cli/args.js';
import { ShannonError, asShannonError } from '../errors.js';
import { DisposableStore, Events, type Disposable, type Event } from '../lifecycle.js';
import type { ClaudeProcess, ClaudeProcessOptions } from '../process/claudeProcess.js';
import type { CreateSessionRequest, MessageEvent, SessionFilter, SessionManagerOptions, StartedSession } from './managerOptions.js';
import type { PermissionAsk, PermissionDecision } from './permissions.js';
import { Session, type DecodeErrorEvent, type PermissionSettledEvent, type Prompt, type SessionPersistence, type StderrEvent, type TurnEndEvent } from './session.js';
import { forkRecord, newSessionRecord, notFound, once, refuseDiscardedWorktree, value } from './sessionRules.js';
import { SessionRelays } from './sessionRelays.js';
import { TurnWatch, waitForTurnEnd } from './turnWatch.js';
import { isBusy, isTerminal, type ClaudeRunOptions, type SessionRecord, type SessionWorktree } from './types.js';

export type { CreateSessionRequest, MessageEvent, SessionFilter, SessionManagerOptions, SessionPersistence, StartedSession };

interface QueuedStart {
  session: Session;
  prompt: Prompt | undefined;
  promptUuid?: string;
}

export class SessionManager implements Disposable {
  // Every Session's events, relayed: listeners subscribe once and hear all sessions, now and later.
  private readonly relays = new SessionRelays();
  /** A session's record changed (state, metrics, CLI session id, title), or a session appeared. */
  readonly onDidChangeSession: Event<SessionRecord> = this.relays.changes.event;
  readonly onDidMessage: Event<MessageEvent> = this.relays.messages.event;
  readonly onDidDecodeError: Event<DecodeErrorEvent> = this.relays.decodeErrors.event;
  readonly onDidWriteStderr: Event<StderrEvent> = this.relays.stderr.event;
  readonly onDidRequestPermission: Event<PermissionAsk> = this.relays.asks.event;
  readonly onDidSettlePermission: Event<PermissionSettledEvent> = this.relays.settles.event;
  readonly onDidEndTurn: Event<TurnEndEvent> = this.relays.turnEnds.event;

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
    this.disposables.add(this.relays);
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
    const session = this.adopt(newSessionRecord(request, this.options.defaults?.() ?? {}, this.now()));
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
    const session = this.adopt(forkRecord(parent, request, this.now()));
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
    return waitForTurnEnd(this, sessionId, signal, promptUuid);
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
    subs.add(this.relays.relay(session));
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
          priority: this.options.processPriority?.(),
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
