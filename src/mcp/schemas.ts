/**
 * Output schemas shared by several tools. Input schemas live beside their tools: each is the
 * single source of truth for validation and for what a model reads about the argument.
 */
import { z } from 'zod';
import { PERMISSION_MODES, type PermissionMode, type SessionState as State } from '../core/session/types.js';

const STATES = [
  'created',
  'queued',
  'starting',
  'running',
  'awaiting_permission',
  'idle',
  'suspended',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'interrupted',
] as const satisfies readonly State[];

// A state the core adds later must be added here: this fails to compile until it is.
type Missing = Exclude<State, (typeof STATES)[number]>;
const exhaustive: Missing extends never ? true : false = true;
void exhaustive;

/**
 * Ids (sessions, checkpoints, permission requests) are UUIDs or short: a longer one is refused
 * by its schema instead of being looked up and echoed back in the error.
 */
export const idArg = z.string().min(1).max(200);
/** A directory path (PATH_MAX on Linux). */
export const pathArg = z.string().min(1).max(4096);

export const SessionState = z.enum(STATES);
export const PermissionModeSchema = z.enum(PERMISSION_MODES as unknown as [PermissionMode, ...PermissionMode[]]);
export const SESSION_STATES = STATES;

/** Where a session works: its own worktree (`isolated`), or the folder's repository; `base` is what its changes are measured from. */
export const worktreeSchema = z.object({
  isolated: z.boolean(),
  path: z.string(),
  branch: z.string().optional(),
  base: z.string(),
  discarded: z.boolean().optional(),
});

/** A session's or a turn's error: `fix` names the remedy, `fix_how` says how to apply it over MCP. */
export const errorSchema = z.object({ code: z.string(), message: z.string(), hint: z.string().optional(), fix: z.string().optional(), fix_how: z.string().optional() });

export const sessionSummarySchema = z.object({
  session_id: z.string(),
  title: z.string(),
  state: SessionState,
  cwd: z.string(),
  workspace_folder: z.string(),
  origin: z.enum(['shannon', 'imported', 'mcp']),
  model: z.string().optional(),
  permission_mode: z.string().optional(),
  cli_session_id: z.string().optional(),
  parent_id: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  ended_at: z.string().optional(),
  metrics: z.object({
    turns: z.number(),
    cost_usd: z.number(),
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_read_input_tokens: z.number(),
    cache_creation_input_tokens: z.number(),
    tool_calls: z.number(),
    duration_ms: z.number(),
  }),
  error: errorSchema.optional(),
  /** false: above the MCP cap and not shared by the user; MCP callers may read it, not steer it. */
  mcp_may_steer: z.boolean().optional(),
  shared_with_mcp: z.boolean().optional(),
  mcp_access_note: z.string().optional(),
  worktree: worktreeSchema.optional(),
});

export const pendingPermissionSchema = z.object({
  session_id: z.string(),
  request_id: z.string(),
  tool_name: z.string(),
  input: z.record(z.string(), z.unknown()),
  title: z.string().optional(),
  description: z.string().optional(),
  asked_at: z.string(),
});

export const turnSchema = z.object({
  status: z.enum(['completed', 'error', 'interrupted', 'awaiting_permission', 'timed_out', 'queued', 'session_ended', 'dropped', 'cancelled']),
  text: z.string(),
  /** With status "error": why, and what fixes it. */
  error: errorSchema.optional(),
  subtype: z.string().optional(),
  errors: z.array(z.string()).optional(),
  cost_usd: z.number().optional(),
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  cache_read_input_tokens: z.number().optional(),
  cache_creation_input_tokens: z.number().optional(),
  duration_ms: z.number().optional(),
  num_turns: z.number().optional(),
  activity: z.string().optional(),
});

/** What create_session and send_message return. */
export const turnResultSchema = z.object({
  session_id: z.string(),
  state: SessionState,
  title: z.string(),
  cwd: z.string(),
  /** Transcript position of this turn's prompt: get_session_output from here reads the turn. */
  cursor: z.number().int().optional(),
  next_cursor: z.number().int().optional(),
  turn: turnSchema.optional(),
  pending_permissions: z.array(pendingPermissionSchema).optional(),
  note: z.string().optional(),
  /** create_session: where the session works (its own worktree, or the folder's repository). */
  worktree: worktreeSchema.optional(),
});

export const sessionStateResultSchema = z.object({
  session_id: z.string(),
  state: SessionState,
  note: z.string().optional(),
});

export const checkpointSchema = z.object({
  checkpoint_id: z.string(),
  session_id: z.string(),
  label: z.string().optional(),
  created_at: z.string(),
  seq: z.number(),
  files: z.number().optional(),
  cli_session_id: z.string().optional(),
  message_uuid: z.string().optional(),
});
