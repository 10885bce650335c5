/**
 * What the MCP server needs from Shannon, and nothing more. The server depends on these shapes,
 * not on concrete classes: the extension and the standalone bin each hand it their core
 * (createShannonCore), and tests can hand it a partial one. Optional parts (checkpoints,
 * history) make their tools answer "not available here" instead of failing to start.
 */
import type { Disposable } from '../core/lifecycle.js';
import type { SessionManager } from '../core/session/manager.js';
import type { PermissionMode, TranscriptEntry } from '../core/session/types.js';
import type { UsageRow } from '../core/store/types.js';
import type { SessionWorktrees } from '../core/worktrees/sessionWorktrees.js';

/** The session engine as the tools use it (SessionManager satisfies it). */
export type McpSessions = Pick<
  SessionManager,
  | 'create'
  | 'send'
  | 'resume'
  | 'interrupt'
  | 'cancel'
  | 'get'
  | 'list'
  | 'pendingPermissions'
  | 'respondToPermission'
  | 'onDidChangeSession'
  | 'onDidMessage'
  | 'onDidEndTurn'
  | 'onDidRequestPermission'
>;

/** Reads a session's stored transcript (the store's `readTranscript`). */
export interface McpTranscripts {
  /** Entries with `seq >= fromSeq` in order, at most `limit` of them. */
  readTranscript(sessionId: string, opts: { fromSeq?: number; limit?: number }): Promise<TranscriptEntry[]>;
}

export interface ClaudeBinaryInfo {
  path: string;
  version: string;
  /** How it was found: `setting`, `env`, `PATH`, `~/.claude/local`, `argument`, … */
  source: string;
}

/** A checkpoint as the core keeps it (CheckpointService's `Checkpoint`), plus what a create learns. */
export interface McpCheckpoint {
  id: string;
  sessionId: string;
  createdAt: number;
  seq: number;
  label?: string;
  cliSessionId?: string;
  messageUuid?: string;
  /** Files in the snapshot (known when it was just made). */
  files?: number;
}

export interface McpCheckpoints {
  /** Snapshots the session's workspace folder and its current conversation point. */
  create(sessionId: string, label: string | undefined, signal?: AbortSignal): Promise<McpCheckpoint>;
  list(sessionId: string): Promise<McpCheckpoint[]>;
  /** What restoring would change, without changing anything. */
  preview(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: McpCheckpoint; changes: Array<{ path: string; change: string }> }>;
  /** Puts the files back and starts a new session forked at the checkpoint. */
  restore(checkpointId: string, signal?: AbortSignal): Promise<{ checkpoint: McpCheckpoint; restored: string[]; removed: string[]; sessionId: string }>;
}

/** Sessions in worktrees of their own and their changes (the core's SessionWorktrees satisfies it). */
export type McpWorktrees = Pick<SessionWorktrees, 'createSession' | 'diff' | 'bringBack' | 'discard'>;

export interface McpSearchHit {
  sessionId: string;
  seq: number;
  score: number;
  snippet: string;
}

export type McpUsageRow = UsageRow;

export interface McpHistory {
  search(query: string, opts: { limit?: number; workspaceFolder?: string; signal?: AbortSignal }): Promise<McpSearchHit[]> | McpSearchHit[];
  usage(query: { groupBy: 'day' | 'workspaceFolder' | 'model'; since?: number; until?: number }): Promise<McpUsageRow[]> | McpUsageRow[];
}

/**
 * Who answers a session's permission asks (`can_use_tool`):
 * - `host`: someone outside MCP (Shannon's UI, a person). Tools never answer; `wait` keeps waiting.
 * - `client`: the MCP client, with `list_pending_permissions` / `respond_permission`; `wait`
 *   returns as soon as an ask is pending so the client can answer it.
 * - `deny`: nobody; asks are denied at once (applyPermissionPolicy). Tools named in
 *   `allowed_tools` never ask, so they still run.
 */
export type PermissionAnswerer = 'host' | 'client' | 'deny';

export interface McpPolicy {
  /** The most permissive mode an MCP caller may request. Default `auto` (no bypassPermissions). */
  maxPermissionMode?: PermissionMode;
  /** Default `host`. */
  permissions?: PermissionAnswerer;
}

export interface ShannonMcpDeps {
  sessions: McpSessions;
  transcripts: McpTranscripts;
  /** Finds the `claude` binary; throws a ShannonError (CLAUDE_NOT_FOUND, …) saying why none works. */
  locateClaude(): Promise<ClaudeBinaryInfo>;
  /**
   * The workspace folder a session in `cwd` belongs to (`cwd` is absolute and an existing
   * directory), or undefined to refuse it. The extension maps to its open folders; the standalone
   * server uses the directory itself.
   */
  workspaceFolderFor(cwd: string): string | undefined;
  /** Used when a caller gives no `cwd`; undefined makes `cwd` required. */
  defaultCwd?(): string | undefined;
  checkpoints?: McpCheckpoints;
  history?: McpHistory;
  /** Without it, create_session cannot isolate and the changes tools answer "not available here". */
  worktrees?: McpWorktrees;
  /** Read on every call, so a changed setting applies at once. */
  policy?(): McpPolicy;
  /** Diagnostics (stderr in the standalone server, an output channel in the extension). */
  log?(message: string): void;
}

export type { Disposable };

/** Permission modes from least to most permissive: the cap compares ranks. */
const MODE_RANK: Record<PermissionMode, number> = {
  plan: 0,
  dontAsk: 0,
  default: 1,
  acceptEdits: 2,
  auto: 3,
  bypassPermissions: 4,
};

export const DEFAULT_MAX_PERMISSION_MODE: PermissionMode = 'auto';

export function permissionModeAllowed(mode: PermissionMode, max: PermissionMode = DEFAULT_MAX_PERMISSION_MODE): boolean {
  return MODE_RANK[mode] <= MODE_RANK[max];
}

export function resolvePolicy(deps: Pick<ShannonMcpDeps, 'policy'>): Required<McpPolicy> {
  const p = deps.policy?.() ?? {};
  return { maxPermissionMode: p.maxPermissionMode ?? DEFAULT_MAX_PERMISSION_MODE, permissions: p.permissions ?? 'host' };
}
