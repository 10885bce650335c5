/**
 * How the session tools answer: a session as MCP callers see it, and a turn's result (its
 * status, text, figures, what to do next), shared by every tool that sends or waits for a turn.
 */
import { ShannonError } from '../../core/errors.js';
import type { PermissionAsk } from '../../core/session/permissions.js';
import type { TurnOutcome, TurnWatch } from '../../core/session/turnWatch.js';
import type { SessionRecord } from '../../core/session/types.js';
import { accessNote, mayDrive } from '../cap.js';
import { resolvePolicy, type ShannonMcpDeps } from '../deps.js';
import { queueWaitText } from '../../core/format.js';
import { errorLine, errorSummary, figuresLine, sessionSummary, turnFigures, worktreeSummary } from '../format.js';
import { ok, progressReporter, type Extra } from '../results.js';

/** Below the usual MCP client request timeout (60 s), so a default wait ends before the client gives up. */
export const DEFAULT_WAIT_SECONDS = 45;

/** A session as MCP callers see it, with whether they may steer it. */
export function summaryFor(deps: ShannonMcpDeps, record: SessionRecord) {
  const policy = resolvePolicy(deps);
  const note = accessNote(record, policy);
  return {
    ...sessionSummary(record),
    mcp_may_steer: mayDrive(record, policy),
    ...(record.sharedWithMcp ? { shared_with_mcp: true } : {}),
    ...(note ? { mcp_access_note: note } : {}),
  };
}

export function requireRecord(deps: ShannonMcpDeps, id: string): SessionRecord {
  const record = deps.sessions.get(id);
  if (!record) throw new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${id}".`, 'Call list_sessions to find the right id.');
  return record;
}

export async function waitFor(deps: ShannonMcpDeps, watch: TurnWatch, id: string, timeoutSeconds: number | undefined, extra: Extra): Promise<TurnOutcome> {
  const progress = progressReporter(extra);
  try {
    return await watch.wait({
      timeoutMs: (timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000,
      signal: extra.signal,
      stopOnPermissionAsk: resolvePolicy(deps).permissions === 'client',
      onProgress: progress ? (m) => progress.report(m) : undefined,
    });
  } finally {
    progress?.dispose();
  }
}

export function turnResult(deps: ShannonMcpDeps, id: string, outcome: TurnOutcome | undefined, headline?: string, extraNote?: string) {
  const record = requireRecord(deps, id);
  const pending = deps.sessions.pendingPermissions(id).map(pendingPermission);
  const status = outcome && mcpStatus(outcome, record);
  const notes = [extraNote, outcome && status && outcomeNote(outcome, status, record)].filter((n): n is string => !!n);
  const figures = outcome?.end && turnFigures(outcome.end.metrics);
  const note = notes.join(' ') || undefined;
  const turn = outcome && {
    status,
    text: outcome.text,
    ...(status === 'error' && record.error ? { error: errorSummary(record.error) } : {}),
    ...(outcome.subtype ? { subtype: outcome.subtype } : {}),
    ...(outcome.errors ? { errors: outcome.errors } : {}),
    ...(figures ?? {}),
    ...(outcome.activity ? { activity: outcome.activity } : {}),
  };
  const lines: string[] = [];
  if (headline) lines.push(headline);
  if (outcome) {
    if (outcome.text) lines.push(outcome.text, '');
    lines.push(`— session ${id}: turn ${status}${figures ? ` · ${figuresLine(figures)}` : ''}`);
  }
  if (note) lines.push(note);
  for (const p of pending) lines.push(`Waiting for permission: ${p.tool_name} ${JSON.stringify(p.input)} (request_id ${p.request_id}).`);
  return ok(lines.join('\n'), {
    session_id: id,
    state: record.state,
    title: record.title,
    cwd: record.cwd,
    ...(outcome?.cursor !== undefined ? { cursor: outcome.cursor } : {}),
    ...(outcome?.nextCursor !== undefined ? { next_cursor: outcome.nextCursor } : {}),
    ...(turn ? { turn } : {}),
    ...(pending.length ? { pending_permissions: pending } : {}),
    ...(note ? { note } : {}),
    ...(record.worktree ? { worktree: worktreeSummary(record.worktree) } : {}),
  });
}

/** A turn whose prompt never got going because its session still waits for a slot is `queued`, not running. */
type McpTurnStatus = TurnOutcome['status'] | 'queued';

function mcpStatus(outcome: TurnOutcome, record: SessionRecord): McpTurnStatus {
  return outcome.status === 'timed_out' && record.state === 'queued' ? 'queued' : outcome.status;
}

function outcomeNote(outcome: TurnOutcome, status: McpTurnStatus, record: SessionRecord): string | undefined {
  const read = outcome.cursor !== undefined ? `get_session_output with cursor ${outcome.cursor}` : 'get_session_output';
  switch (status) {
    case 'queued':
      return `${queueWaitText(record.waiting)} The wait ended before it started; it starts on its own. Wait for it with get_session, or read its reply later with get_session_output.`;
    case 'timed_out':
      return `Still running after the wait timed out${outcome.activity ? ` (${outcome.activity})` : ''}. The session keeps going: read the rest with ${read}, or stop it with interrupt_session.`;
    case 'awaiting_permission':
      return 'Claude Code is waiting for permission to use a tool: answer with respond_permission, then read the rest with get_session_output.';
    case 'session_ended':
      return `The session ended (${record.state}) before the turn finished${record.error ? `: ${errorLine(record.error)}` : '.'}`;
    case 'dropped':
      return 'The message was dropped: the session was interrupted before it got to it. Send it again.';
    case 'interrupted':
      return 'The turn was interrupted; the session stays open.';
    case 'cancelled':
      return 'The call was cancelled, so the turn was interrupted.';
    case 'error':
      return `The turn ended in an error; the session stays open.${record.error ? ` ${errorLine(record.error)}` : ''}`;
    default:
      return undefined;
  }
}

export function pendingPermission(ask: PermissionAsk) {
  return {
    session_id: ask.sessionId,
    request_id: ask.requestId,
    tool_name: ask.toolName,
    input: ask.input,
    ...(ask.title ? { title: ask.title } : {}),
    ...(ask.description ? { description: ask.description } : {}),
    asked_at: new Date(ask.askedAt).toISOString(),
  };
}
