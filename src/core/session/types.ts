/**
 * The vocabulary every layer shares: what a session is, how it is configured, what it costs.
 * Plain data only (JSON-serialisable) so the store, the MCP server and the webview can carry it.
 */
import type { ShannonFix } from '../errors.js';

/** The CLI's own permission modes (`claude --help`, `PermissionMode` in sdk.d.ts). */
export type PermissionMode = 'default' | 'acceptEdits' | 'bypassPermissions' | 'plan' | 'dontAsk' | 'auto';
export const PERMISSION_MODES: readonly PermissionMode[] = ['default', 'acceptEdits', 'bypassPermissions', 'plan', 'dontAsk', 'auto'];

/**
 * created → queued → starting → running ⇄ idle → completed | failed | cancelled | timed_out,
 * with awaiting_permission while a `can_use_tool` request is pending. `suspended` is an idle
 * session whose process was ended to save memory (the idle budget, the idle timeout, a window
 * closing): its next message resumes it in a new process, transparently. `interrupted` is what a
 * session that was live when its host died becomes on the next start: resumable, not running.
 */
export type SessionState =
  | 'created'
  | 'queued'
  | 'starting'
  | 'running'
  | 'awaiting_permission'
  | 'idle'
  | 'suspended'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  | 'interrupted';

export const TERMINAL_STATES: readonly SessionState[] = ['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'];
/** Not ended: the session can take a message (a suspended one wakes for it); never pruned. */
export const LIVE_STATES: readonly SessionState[] = ['queued', 'starting', 'running', 'awaiting_permission', 'idle', 'suspended'];

/** States with a turn in flight: Stop makes sense, a new message waits behind it, a slot is taken. */
export const BUSY_STATES: readonly SessionState[] = ['starting', 'running', 'awaiting_permission'];

export function isTerminal(state: SessionState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** A turn is in flight (or the process is starting for one). */
export function isBusy(state: SessionState): boolean {
  return BUSY_STATES.includes(state);
}

/** Not ended: queued, starting, at work or idle (a live session can be sent a message or cancelled). */
export function isLive(state: SessionState): boolean {
  return LIVE_STATES.includes(state);
}

/** How one `claude` process is started. Every field maps to a real CLI flag (see cli/args.ts). */
export interface ClaudeRunOptions {
  model?: string;
  permissionMode?: PermissionMode;
  allowedTools?: string[];
  disallowedTools?: string[];
  addDirs?: string[];
  appendSystemPrompt?: string;
  maxTurns?: number;
  agent?: string;
  /** JSON strings or file paths, passed to `--mcp-config`. */
  mcpConfig?: string[];
  includePartialMessages?: boolean;
  /** The CLI session id to continue (`--resume`). */
  resume?: string;
  /** With `resume`: keep the conversation only up to this assistant message uuid (`--resume-session-at`). */
  resumeAt?: string;
  /** With `resume`: continue under a new CLI session id (`--fork-session`). */
  forkSession?: boolean;
  /** A UUID for the CLI session (`--session-id`). */
  sessionId?: string;
  /** Where permission asks go. Shannon answers them itself over stdio by default. */
  permissionPromptTool?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

/** One turn's figures, taken from the CLI's `result` message. */
export interface TurnMetrics extends Usage {
  sessionId: string;
  turn: number;
  endedAt: number;
  model?: string;
  costUsd: number;
  durationMs: number;
  durationApiMs: number;
  numTurns: number;
  isError: boolean;
  subtype: string;
}

/** A session's running totals. */
export interface SessionMetrics extends Usage {
  costUsd: number;
  durationMs: number;
  turns: number;
  toolCalls: number;
}

export function emptyMetrics(): SessionMetrics {
  return { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0, durationMs: 0, turns: 0, toolCalls: 0 };
}

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
  /** What would fix it (a host words it: a button, a tool to call). */
  fix?: ShannonFix;
}

/**
 * The working tree a session edits and the commit its changes are measured from (see
 * src/core/worktrees). Sessions that share one (a fork shares its parent's) hold equal copies.
 */
export interface SessionWorktree {
  /** `worktree`: a `git worktree` of its own on `branch`; `folder`: the workspace folder's own files. */
  isolation: 'worktree' | 'folder';
  /** The repository's top-level directory: the user's working tree. */
  repoRoot: string;
  /** The top of the tree the session edits: its worktree, or `repoRoot`. */
  root: string;
  /** The commit its changes are measured from (HEAD when it began; moves when work is brought back). */
  base: string;
  /** The session's own branch (`shannon/…`); isolated sessions only. */
  branch?: string;
  /** The folder's branch when the session began. */
  target?: string;
  /** The folder's uncommitted changes were carried into the worktree (they are in `base`). */
  carried?: boolean;
  /** The last time its work was merged (`squash`, with the commit) or applied. */
  broughtBack?: { how: 'squash' | 'apply'; at: number; commit?: string };
  /** The worktree and its branch were removed ("Discard session work"). */
  removedAt?: number;
  /** Files marked Keep in the Changes view: path → fingerprint of the version kept. */
  kept?: Record<string, string>;
}

/** What the store keeps about a session and what every UI lists. */
export interface SessionRecord {
  /** Shannon's id (a UUID), stable across resumes. */
  id: string;
  /** The CLI's session id from `system/init` (changes on fork). */
  cliSessionId?: string;
  /** The workspace folder the session belongs to (concurrency is counted per folder). */
  workspaceFolder: string;
  cwd: string;
  title: string;
  model?: string;
  options: ClaudeRunOptions;
  state: SessionState;
  createdAt: number;
  updatedAt: number;
  endedAt?: number;
  metrics: SessionMetrics;
  error?: ErrorInfo;
  pinned?: boolean;
  /** The session this one was forked or resumed from. */
  parentId?: string;
  /** `imported`: read from the CLI's own transcripts, never run by Shannon. */
  origin: 'shannon' | 'imported' | 'mcp';
  /**
   * The user let MCP clients steer this session although its permission mode or allowed tools
   * are above the MCP cap ("Share Session with MCP"). Forks and restores of it inherit it.
   */
  sharedWithMcp?: boolean;
  /** Set while `queued`: what it waits for, so every UI can say why and what frees it. */
  waiting?: QueueWait;
  /** Its worktree (isolated) or the folder's repository and base commit; absent outside git. */
  worktree?: SessionWorktree;
}

/** A queued session waits for one of its folder's busy slots: `busy` of `limit` are at work. */
export interface QueueWait {
  busy: number;
  limit: number;
  /** Its place in the folder's queue, from 1. */
  position: number;
}

/** Transcript lines have their home in the transcript domain. */
export type { TranscriptEntry } from '../transcript/types';
