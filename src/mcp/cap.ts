/**
 * The MCP permission cap: what an MCP caller may make Claude Code do. It covers everything that
 * widens what runs, not only the mode a session starts in:
 * - `permission_mode` at most `maxPermissionMode`;
 * - `allowed_tools` only rules within the user's list (READ_ONLY_TOOLS by default), compared as
 *   the CLI reads them (toolRules.ts), so a narrow `Bash(npm test:*)` cannot be widened;
 * - steering a session (send_message and the resume it may do, respond_permission,
 *   restore_checkpoint's fork) only when the session itself is within the cap, or the user
 *   shared it with MCP;
 * - `remember` on a permission answer only for a tool the cap allows as a whole.
 * Refusals are NOT_PERMITTED errors that say what is allowed and how the user widens it.
 */
import { ShannonError } from '../core/errors.js';
import { canonicalTool, rulesOf, ruleWithin, type ToolRule } from '../core/cli/toolRules.js';
import type { ClaudeRunOptions, PermissionMode, SessionRecord } from '../core/session/types.js';
import { DEFAULT_MAX_PERMISSION_MODE, type ResolvedPolicy } from './deps.js';

/** Permission modes from least to most permissive: the cap compares ranks. */
const MODE_RANK: Record<PermissionMode, number> = {
  plan: 0,
  dontAsk: 0,
  default: 1,
  acceptEdits: 2,
  auto: 3,
  bypassPermissions: 4,
};

export function permissionModeAllowed(mode: PermissionMode, max: PermissionMode = DEFAULT_MAX_PERMISSION_MODE): boolean {
  return MODE_RANK[mode] <= MODE_RANK[max];
}

/** The entries (as given) whose rules go beyond the cap's tool list. */
export function toolsBeyondCap(entries: readonly string[], policy: ResolvedPolicy): string[] {
  const cap = rulesOf(policy.allowedTools);
  const within = (rule: ToolRule) => cap.some((bound) => ruleWithin(rule, bound));
  // Each entry on its own, and all of them as the one argument the CLI gets (they can run into each other).
  const beyond = entries.filter((entry) => !rulesOf([entry]).every(within));
  if (beyond.length === 0 && !rulesOf(entries).every(within)) return [...entries];
  return beyond;
}

/** Whether the cap allows a whole tool (what `remember` on a permission answer adds). */
export function wholeToolAllowed(tool: string, policy: ResolvedPolicy): boolean {
  const whole: ToolRule = { tool: canonicalTool(tool) };
  return rulesOf(policy.allowedTools).some((bound) => ruleWithin(whole, bound));
}

export function assertModeWithinCap(mode: PermissionMode, policy: ResolvedPolicy): void {
  if (permissionModeAllowed(mode, policy.maxPermissionMode)) return;
  throw new ShannonError(
    'NOT_PERMITTED',
    `Permission mode "${mode}" is above what this server allows MCP callers (at most "${policy.maxPermissionMode}").`,
    `Use a less permissive mode, or list the tools the task needs in allowed_tools. The user can raise the limit: ${policy.widen.mode}.`,
  );
}

export function assertToolsWithinCap(entries: readonly string[], policy: ResolvedPolicy): void {
  const beyond = toolsBeyondCap(entries, policy);
  if (beyond.length === 0) return;
  throw new ShannonError(
    'NOT_PERMITTED',
    `allowed_tools ${beyond.map((b) => `"${b}"`).join(', ')} ${beyond.length === 1 ? 'goes' : 'go'} beyond what this server lets MCP callers pre-approve: ${describeCap(policy)}.`,
    `Pre-approve only rules from that list (exactly, or narrowing a whole tool in it), or leave the tool out and Claude Code asks before using it. The user can allow more: ${policy.widen.tools}.`,
  );
}

/** Why a session is above the cap (empty: it is within). */
export function capExcess(record: SessionRecord, policy: ResolvedPolicy): string[] {
  const reasons: string[] = [];
  const mode = record.options.permissionMode ?? 'default';
  if (!permissionModeAllowed(mode, policy.maxPermissionMode)) reasons.push(`it runs in permission mode "${mode}" (MCP callers: at most "${policy.maxPermissionMode}")`);
  const beyond = toolsBeyondCap(record.options.allowedTools ?? [], policy);
  if (beyond.length) reasons.push(`it pre-approves ${beyond.map((b) => `"${b}"`).join(', ')} (beyond ${describeCap(policy)})`);
  return reasons;
}

/** MCP may steer the session: it is within the cap, or the user shared it. */
export function mayDrive(record: SessionRecord, policy: ResolvedPolicy): boolean {
  return record.sharedWithMcp === true || capExcess(record, policy).length === 0;
}

/** Refuses `action` on a session above the cap that the user did not share with MCP. */
export function assertMayDrive(record: SessionRecord, policy: ResolvedPolicy, action: string): void {
  if (record.sharedWithMcp) return;
  const reasons = capExcess(record, policy);
  if (reasons.length === 0) return;
  throw new ShannonError(
    'NOT_PERMITTED',
    `Cannot ${action} session ${record.id} ("${record.title}"): it is not shared with MCP, and ${reasons.join('; ')}.`,
    `MCP callers can read it (get_session, get_session_output) but not steer it. ${policy.widen.share ? `The user can share it: ${policy.widen.share}.` : 'Start a new session within the limits instead.'}`,
  );
}

/** One line for get_session / list_sessions: whether MCP may steer this session, and why not. */
export function accessNote(record: SessionRecord, policy: ResolvedPolicy): string | undefined {
  if (record.sharedWithMcp) {
    return capExcess(record, policy).length ? 'shared with MCP by the user: MCP callers may steer it although it is above their limits' : undefined;
  }
  const reasons = capExcess(record, policy);
  if (reasons.length === 0) return undefined;
  return `not shared with MCP: read-only for MCP callers, because ${reasons.join('; ')}${policy.widen.share ? ` (the user can share it: ${policy.widen.share})` : ''}`;
}

export interface CappedOptions {
  options: ClaudeRunOptions;
  /** What of the host's defaults was left out, for the caller. */
  notes: string[];
}

/**
 * A new session's mode and tools. The caller's choices must be within the cap (refused
 * otherwise); the host's defaults (the user's own settings) are kept where within it and left
 * out, with a note, where not. The result always sets both, so the host's defaults cannot
 * reappear beneath it.
 */
export function capCreateOptions(request: { permissionMode?: PermissionMode; allowedTools?: readonly string[] }, defaults: ClaudeRunOptions, policy: ResolvedPolicy): CappedOptions {
  if (request.permissionMode) assertModeWithinCap(request.permissionMode, policy);
  assertToolsWithinCap(request.allowedTools ?? [], policy);
  const notes: string[] = [];
  let mode = request.permissionMode ?? defaults.permissionMode;
  if (!request.permissionMode && mode && !permissionModeAllowed(mode, policy.maxPermissionMode)) {
    notes.push(`The user's default permission mode "${mode}" is above what MCP callers may use: the session runs in "${policy.maxPermissionMode}".`);
    mode = policy.maxPermissionMode;
  }
  const inherited = defaults.allowedTools ?? [];
  const dropped = toolsBeyondCap(inherited, policy);
  if (dropped.length) notes.push(`Left out the user's default allowed tools beyond what MCP callers may pre-approve: ${dropped.join(', ')}.`);
  const allowedTools = [...new Set([...inherited.filter((t) => !dropped.includes(t)), ...(request.allowedTools ?? [])])];
  return { options: { ...(mode ? { permissionMode: mode } : {}), allowedTools }, notes };
}

function describeCap(policy: ResolvedPolicy): string {
  return policy.allowedTools.length ? policy.allowedTools.join(', ') : 'no tools at all';
}
