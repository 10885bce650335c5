/**
 * What the MCP server needs from Shannon, and nothing more. The server depends on these shapes,
 * not on concrete classes: the extension and the standalone bin each hand it their core
 * (createShannonCore), and tests can hand it a partial one. Optional parts (checkpoints,
 * history) make their tools answer "not available here" instead of failing to start.
 */
import type { Checkpoints } from '../core/checkpoints/types.js';
import type { ClaudeBinary } from '../core/cli/locate.js';
import type { Disposable } from '../core/lifecycle.js';
import type { SessionManager } from '../core/session/manager.js';
import { READ_ONLY_TOOLS } from '../core/cli/toolRules.js';
import type { ClaudeRunOptions, PermissionMode, TranscriptEntry } from '../core/session/types.js';
import type { BackwardRead, TailRead } from '../core/store/transcriptReads.js';
import type { SessionTouch, TouchQuery } from '../core/store/touchedFiles.js';
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
  | 'setModel'
  | 'onDidChangeSession'
  | 'onDidMessage'
  | 'onDidEndTurn'
  | 'onDidRequestPermission'
  | 'watchTurn'
>;

/** Reads a session's stored transcript (the store's reads: each costs what it returns). */
export interface McpTranscripts {
  /** Entries with `seq >= fromSeq` in order, at most `limit` of them. */
  readTranscript(sessionId: string, opts: { fromSeq?: number; limit?: number }): Promise<TranscriptEntry[]>;
  /** The newest `limit` entries (of those `filter` keeps) before `beforeSeq`, oldest first. */
  readTranscriptTail(sessionId: string, opts: BackwardRead): Promise<TailRead>;
}


/** Checkpoints as the core offers them (SessionCheckpoints satisfies it). */
export type McpCheckpoints = Pick<Checkpoints, 'get' | 'create' | 'list' | 'preview' | 'restore'>;

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
  /** The sessions whose edit tool calls touched an absolute file path, each by its newest call, newest first. */
  sessionsTouching(file: string, query?: TouchQuery): SessionTouch[];
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

/**
 * What MCP callers may make Claude Code do (the cap, see cap.ts). It covers everything that
 * widens what runs: the permission mode, the tools pre-approved in `allowed_tools`, and steering
 * a session (send, answer asks, resume, fork, restore) that the user runs above the cap.
 */
export interface McpPolicy {
  /** The most permissive mode an MCP caller may request. Default `auto` (no bypassPermissions). */
  maxPermissionMode?: PermissionMode;
  /**
   * The rules callers may pre-approve in `allowed_tools` (CLI rule syntax; a caller's rule must be
   * one of these, or narrow a whole tool listed). Default READ_ONLY_TOOLS: no Bash, no edits.
   */
  allowedTools?: readonly string[];
  /** Default `host`. */
  permissions?: PermissionAnswerer;
  /** How the user of this host widens the cap, for the refusals' hints. Defaults speak of shannon-mcp's flags. */
  widen?: Partial<PolicyWording>;
}

export interface PolicyWording {
  /** How to allow more tools, e.g. "add it to the setting `shannon.mcp.allowedTools`". */
  tools: string;
  /** How to allow a more permissive mode. */
  mode: string;
  /** How to let MCP steer one session above the cap; undefined where the host has no way. */
  share?: string;
}

export interface ShannonMcpDeps {
  sessions: McpSessions;
  transcripts: McpTranscripts;
  /** Finds the `claude` binary; throws a ShannonError (CLAUDE_NOT_FOUND, …) saying why none works. */
  locateClaude(): Promise<ClaudeBinary>;
  /**
   * The workspace folder a session in `cwd` belongs to, or undefined to refuse it. `cwd` is an
   * existing directory's real path (symlinks resolved); compare it with the folders' real paths
   * too (folderHolding), or a link inside a folder walks out of it. The extension maps to its
   * open folders; the standalone server to its `--workspace` folders, or without them to the
   * directory itself.
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
  /**
   * The options the host gives every new session (the user's `shannon.permissionMode`,
   * `shannon.allowedTools`…). create_session keeps what is within the cap and says what it left out.
   */
  sessionDefaults?(): ClaudeRunOptions;
  /** Diagnostics (stderr in the standalone server, an output channel in the extension). */
  log?(message: string): void;
  /** The CLI's config dir as sessions see it (user agents live in its `agents`); default $CLAUDE_CONFIG_DIR or ~/.claude. */
  claudeConfigDir?(): string;
}

export type { Disposable };

export const DEFAULT_MAX_PERMISSION_MODE: PermissionMode = 'auto';

const STANDALONE_WORDING: PolicyWording = {
  tools: 'start shannon-mcp with `--allow-tools "<rule>"` (repeatable)',
  mode: 'start shannon-mcp with `--max-permission-mode <mode>`',
};

export type ResolvedPolicy = Required<Omit<McpPolicy, 'widen'>> & { widen: PolicyWording };

export function resolvePolicy(deps: Pick<ShannonMcpDeps, 'policy'>): ResolvedPolicy {
  const p = deps.policy?.() ?? {};
  return {
    maxPermissionMode: p.maxPermissionMode ?? DEFAULT_MAX_PERMISSION_MODE,
    allowedTools: p.allowedTools ?? READ_ONLY_TOOLS,
    permissions: p.permissions ?? 'host',
    widen: { ...STANDALONE_WORDING, ...p.widen },
  };
}
