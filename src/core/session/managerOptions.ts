/**
 * What a SessionManager is given (its options) and asked (create requests), and what it hands
 * back: the manager's vocabulary, apart from its machinery.
 */
import type { ClaudeProcess, StopOptions } from '../process/claudeProcess.js';
import type { ProcessPriority } from '../process/priority.js';
import type { Prompt, SessionMessageEvent, SessionPersistence } from './sessionEvents.js';
import type { ClaudeRunOptions, SessionRecord, SessionState, SessionWorktree } from './types.js';

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
  /** The CPU priority of every `claude` process and what it runs (a host setting; default below normal). */
  processPriority?(): ProcessPriority;
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
  onDidSpawn?(sessionId: string, process: ClaudeProcess): void;
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
