/**
 * The tools that start, steer and read sessions. Handlers are thin: check what MCP adds (the
 * permission-mode cap, the cwd), call the core, shape the answer.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ShannonError } from '../../core/errors.js';
import { nextEvent } from '../../core/lifecycle.js';
import { READ_ONLY_TOOLS } from '../../core/cli/toolRules.js';
import { isBusy, isTerminal, LIVE_STATES, TERMINAL_STATES, type ClaudeRunOptions, type SessionRecord, type SessionState } from '../../core/session/types.js';
import { safeJson } from '../../core/transcript/values.js';
import { isWithin, resolvedPath } from '../../core/workspacePaths.js';
import { accessNote, assertMayDrive, capCreateOptions, mayDrive } from '../cap.js';
import { resolvePolicy, type ShannonMcpDeps } from '../deps.js';
import { queueWaitText } from '../../core/format.js';
import { errorLine, sessionLine } from '../format.js';
import { guarded, ok } from '../results.js';
import { agentArg, checkedAgent } from './agents.js';
import {
  idArg,
  pathArg,
  PermissionModeSchema,
  SESSION_STATES,
  pendingPermissionSchema,
  sessionStateResultSchema,
  sessionSummarySchema,
  turnResultSchema,
} from '../schemas.js';
import { readOutput } from './sessionOutput.js';
import { DEFAULT_WAIT_SECONDS, pendingPermission, requireRecord, summaryFor, turnResult, waitFor } from './turnResults.js';

export { DEFAULT_WAIT_SECONDS, pendingPermission, requireRecord, turnResult, waitFor };

const MAX_WAIT_SECONDS = 3600;

const sessionId = idArg.describe('The session id (a UUID) returned by create_session or list_sessions.');
export const wait = z
  .boolean()
  .default(false)
  .describe(
    'true: block until this turn ends and return its final text, cost and tokens (progress notifications are sent meanwhile if you passed a progress token; cancelling the call interrupts the turn). false: return at once; read output later with get_session_output.',
  );
export const timeout = z
  .number()
  .positive()
  .max(MAX_WAIT_SECONDS)
  .optional()
  .describe(`With wait: seconds to wait at most (default ${DEFAULT_WAIT_SECONDS}). When they pass, the tool returns what is known so far and the session keeps running.`);

export function registerSessionTools(server: McpServer, deps: ShannonMcpDeps): void {
  const log = deps.log;
  const { sessions } = deps;

  server.registerTool(
    'create_session',
    {
      title: 'Start a Claude Code session',
      description:
        'Start a new Claude Code session that works on a task in a directory (it can read, edit files and run commands there, within its permission mode). Returns the session_id; with wait=true also the reply to the prompt.',
      inputSchema: {
        prompt: z.string().min(1).describe('The task or question for Claude Code, written as you would type it to Claude Code.'),
        cwd: pathArg
          .optional()
          .describe('Absolute path of the directory Claude Code works in: a workspace folder or a directory inside one. Omit to use the default folder, if the server has one.'),
        model: z.string().min(1).max(200).optional().describe('Model alias or name, e.g. "sonnet", "opus" or "claude-sonnet-4-5". Omit for the user\'s default.'),
        permission_mode: PermissionModeSchema.optional().describe(
          'How tool use is approved: "default" (asks for anything risky), "acceptEdits" (file edits allowed), "plan" (read-only planning), "dontAsk" (denies what is not pre-allowed), "auto", "bypassPermissions". The server caps it (by default at "auto"); a mode above the cap is refused.',
        ),
        allowed_tools: z
          .array(z.string().min(1).max(1_000))
          .max(500)
          .optional()
          .describe(
            `Tools Claude Code may use without asking, in Claude Code rule syntax, e.g. ["Read", "Grep", "Bash(npm test:*)"]. Only rules the user allows MCP callers to pre-approve are accepted (by default read-only tools: ${READ_ONLY_TOOLS.join(', ')}; Bash only by patterns the user lists); others are refused. Tools left out still work: Claude Code asks before using them.`,
          ),
        isolation: z
          .enum(['none', 'worktree'])
          .optional()
          .describe(
            '"worktree": the session works in a new git worktree of its own (branch shannon/…), so sessions running side by side never overwrite each other\'s files, and the user\'s files stay untouched until merge_session_changes. "none": it works in the directory itself. Omitted: a worktree when another session already works in that directory, else none. Several worktree sessions on one task, then get_session_changes on each, merge the best and discard the rest: best-of-N.',
          ),
        uncommitted: z
          .enum(['carry', 'leave'])
          .optional()
          .describe('With a worktree, when the directory has uncommitted changes: "carry" them into the worktree, or "leave" them (the default: the worktree starts from the last commit). The result says which was done.'),
        agent: agentArg.optional(),
        wait,
        timeout,
      },
      outputSchema: turnResultSchema,
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    (args, extra) =>
      guarded(async () => {
        const capped = capCreateOptions(
          { ...(args.permission_mode ? { permissionMode: args.permission_mode } : {}), ...(args.allowed_tools ? { allowedTools: args.allowed_tools } : {}) },
          deps.sessionDefaults?.() ?? {},
          resolvePolicy(deps),
        );
        const { cwd, workspaceFolder } = await resolveCwd(deps, args.cwd);
        const agent = args.agent ? await checkedAgent(deps, cwd, args.agent) : undefined;
        const options: ClaudeRunOptions = { ...(args.model ? { model: args.model } : {}), ...capped.options, ...(agent ? { agent } : {}) };
        const capNote = capped.notes.join(' ') || undefined;
        const promptUuid = randomUUID();
        const watch = sessions.watchTurn(promptUuid);
        try {
          const request = { prompt: args.prompt, promptUuid, workspaceFolder, cwd, options, origin: 'mcp' as const };
          let record;
          let where: string | undefined;
          if (deps.worktrees) {
            const started = await deps.worktrees.createSession({ ...request, ...(args.isolation ? { isolation: args.isolation } : {}), ...(args.uncommitted ? { uncommitted: args.uncommitted } : {}) });
            record = started.session;
            where = started.note;
          } else if (args.isolation === 'worktree') {
            throw new ShannonError('NOT_SUPPORTED', 'This Shannon server cannot give sessions worktrees of their own.', 'Leave out isolation, or pass "none".');
          } else {
            record = await sessions.create(request);
          }
          watch.bind(record.id);
          if (!args.wait) {
            const queued = record.state === 'queued' ? queueWaitText(record.waiting) : undefined;
            const note = [where, queued, capNote].filter(Boolean).join(' ') || undefined;
            return turnResult(deps, record.id, undefined, `Started session ${record.id} ("${record.title}") in ${record.cwd}. Read its output with get_session_output, continue it with send_message.`, note);
          }
          const outcome = await waitFor(deps, watch, record.id, args.timeout, extra);
          return turnResult(deps, record.id, outcome, undefined, [where, capNote].filter(Boolean).join(' ') || undefined);
        } finally {
          watch.dispose();
        }
      }, log),
  );

  server.registerTool(
    'send_message',
    {
      title: 'Send a message to a session',
      description:
        'Send a follow-up message to a session: it runs as the next turn in the same conversation (queued if a turn is running). A session that has ended is resumed first. With wait=true, returns the reply.',
      inputSchema: {
        session_id: sessionId,
        content: z.string().min(1).describe('The message for Claude Code.'),
        wait,
        timeout,
      },
      outputSchema: turnResultSchema,
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    (args, extra) =>
      guarded(async () => {
        const before = requireRecord(deps, args.session_id);
        assertMayDrive(before, resolvePolicy(deps), isTerminal(before.state) ? 'resume' : 'send a message to');
        const promptUuid = randomUUID();
        const watch = sessions.watchTurn(promptUuid);
        try {
          watch.bind(args.session_id);
          let note: string | undefined;
          if (isTerminal(before.state)) {
            await sessions.resume(args.session_id, args.content, promptUuid);
            note = `The session had ended (${before.state}); it was resumed in a new Claude Code process.`;
          } else {
            await sessions.send(args.session_id, args.content, promptUuid);
            if (isBusy(before.state)) note = 'A turn was running: this message runs after it.';
          }
          if (!args.wait) return turnResult(deps, args.session_id, undefined, `Sent to session ${args.session_id}.`, note);
          const outcome = await waitFor(deps, watch, args.session_id, args.timeout, extra);
          return turnResult(deps, args.session_id, outcome, undefined, note);
        } finally {
          watch.dispose();
        }
      }, log),
  );

  server.registerTool(
    'get_session_output',
    {
      title: 'Read what a session said',
      description:
        'Read a session\'s transcript from a cursor on: prompts, Claude\'s replies, tool calls and results, turn ends. Pass the returned next_cursor next time to get only what is new.',
      inputSchema: {
        session_id: sessionId,
        cursor: z.number().int().min(0).default(0).describe('Where to start: 0 for the beginning, or next_cursor from the previous call (or cursor from create_session/send_message).'),
        format: z.enum(['text', 'raw']).default('text').describe('"text": readable lines. "raw": the Claude Code stream-json messages as stored.'),
        max_chars: z.number().int().min(200).max(500_000).default(20_000).describe('Stop after about this many characters; has_more tells whether there is more to read.'),
      },
      outputSchema: {
        session_id: z.string(),
        state: z.string(),
        cursor: z.number().int(),
        next_cursor: z.number().int(),
        has_more: z.boolean(),
        text: z.string().optional(),
        entries: z
          .array(z.object({ seq: z.number(), at: z.string(), direction: z.enum(['in', 'out']), type: z.string(), subtype: z.string().optional(), message: z.unknown() }))
          .optional(),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        const record = requireRecord(deps, args.session_id);
        const read = await readOutput(deps, args.session_id, args.cursor, args.max_chars, args.format);
        const footer = `[next_cursor: ${read.nextCursor}${read.hasMore ? ', more to read' : ''}; session ${record.state}]`;
        if (args.format === 'raw') {
          const entries = read.entries.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), direction: e.direction, type: e.type, ...(e.subtype ? { subtype: e.subtype } : {}), message: e.raw }));
          return ok(
            `${entries.map((e) => safeJson(e)).join('\n')}\n${footer}`,
            { session_id: record.id, state: record.state, cursor: args.cursor, next_cursor: read.nextCursor, has_more: read.hasMore, entries },
            'entries',
          );
        }
        const text = read.lines.join('\n');
        return ok(`${text || '(nothing new)'}\n${footer}`, {
          session_id: record.id,
          state: record.state,
          cursor: args.cursor,
          next_cursor: read.nextCursor,
          has_more: read.hasMore,
          text,
        });
      }, log),
  );

  server.registerTool(
    'get_session',
    {
      title: 'Get a session',
      description: "A session's state, title, folder, model, cost and tokens so far, error if it failed, and any permission asks waiting for an answer.",
      inputSchema: { session_id: sessionId },
      outputSchema: { session: sessionSummarySchema, pending_permissions: z.array(pendingPermissionSchema) },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        const record = requireRecord(deps, args.session_id);
        const pending = sessions.pendingPermissions(record.id).map(pendingPermission);
        const m = record.metrics;
        const access = accessNote(record, resolvePolicy(deps));
        const lines = [
          sessionLine(record),
          `model: ${record.model ?? 'default'}; tokens ${m.inputTokens} in / ${m.outputTokens} out; ${m.toolCalls} tool calls`,
          ...(access ? [`MCP access: ${access}`] : []),
          ...(record.error ? [`error: ${errorLine(record.error)}`] : []),
          ...(record.state === 'queued' ? [queueWaitText(record.waiting)] : []),
          ...pending.map((p) => `waiting for permission: ${p.tool_name} ${JSON.stringify(p.input)} (request ${p.request_id})`),
        ];
        return ok(lines.join('\n'), { session: summaryFor(deps, record), pending_permissions: pending });
      }, log),
  );

  server.registerTool(
    'list_sessions',
    {
      title: 'List sessions',
      description: 'List Claude Code sessions, newest activity first: the ones Shannon runs now and the ones it ran before.',
      inputSchema: {
        state: z
          .enum([...SESSION_STATES, 'live', 'ended'])
          .optional()
          .describe('Only sessions in this state. "live": running, idle, queued or waiting for permission; "ended": completed, failed, cancelled, timed out or interrupted.'),
        cwd: pathArg.optional().describe('Only sessions working in this directory or below it (absolute path).'),
        limit: z.number().int().min(1).max(500).default(20).describe('At most this many sessions.'),
      },
      outputSchema: { sessions: z.array(sessionSummarySchema) },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        const states: SessionState[] | undefined =
          args.state === 'live' ? [...LIVE_STATES] : args.state === 'ended' ? [...TERMINAL_STATES] : args.state ? [args.state] : undefined;
        let records = sessions.list({ states, ...(args.cwd ? {} : { limit: args.limit }) });
        if (args.cwd) {
          const dir = resolvedPath(args.cwd);
          // A session in its own worktree works on its folder's files, wherever the worktree is.
          records = records.filter((r) => isWithin(r.cwd, dir) || (r.worktree?.isolation === 'worktree' && isWithin(r.workspaceFolder, dir))).slice(0, args.limit);
        }
        const policy = resolvePolicy(deps);
        const line = (r: SessionRecord) => (mayDrive(r, policy) ? sessionLine(r) : `${sessionLine(r)} — not shared with MCP: read-only here`);
        const text = records.length ? records.map(line).join('\n') : 'No sessions match.';
        return ok(text, { sessions: records.map((r) => summaryFor(deps, r)) });
      }, log),
  );

  server.registerTool(
    'interrupt_session',
    {
      title: 'Interrupt the running turn',
      description: 'Stop the turn a session is running (like pressing Esc in Claude Code). The session stays open for send_message.',
      inputSchema: { session_id: sessionId },
      outputSchema: sessionStateResultSchema,
      annotations: { destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      guarded(async () => {
        const before = requireRecord(deps, args.session_id);
        const busy = isBusy(before.state);
        await sessions.interrupt(args.session_id);
        const note = busy ? 'Interrupted the running turn; the session stays open.' : `Nothing to interrupt: the session is ${before.state}.`;
        const state = busy ? await settled(deps, args.session_id, 5_000) : before.state;
        return ok(note, { session_id: args.session_id, state, note });
      }, log),
  );

  server.registerTool(
    'cancel_session',
    {
      title: 'Cancel a session',
      description: "End a session's Claude Code process (and everything it started). Its transcript stays readable; send_message resumes it later.",
      inputSchema: { session_id: sessionId },
      outputSchema: sessionStateResultSchema,
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    (args) =>
      guarded(async () => {
        const before = requireRecord(deps, args.session_id);
        if (isTerminal(before.state)) {
          const note = `The session had already ended (${before.state}).`;
          return ok(note, { session_id: before.id, state: before.state, note });
        }
        await sessions.cancel(args.session_id);
        const state = requireRecord(deps, args.session_id).state;
        const note = `Cancelled: the session is ${state}.`;
        return ok(note, { session_id: args.session_id, state, note });
      }, log),
  );
}

// ---- helpers -------------------------------------------------------------------------------

export async function resolveCwd(deps: ShannonMcpDeps, given: string | undefined): Promise<{ cwd: string; workspaceFolder: string }> {
  const raw = given ?? deps.defaultCwd?.();
  if (!raw) throw new ShannonError('INVALID_ARGUMENT', 'No cwd was given and this server has no default folder.', 'Pass cwd: the absolute path of the directory to work in.');
  if (!path.isAbsolute(raw)) throw new ShannonError('INVALID_ARGUMENT', `cwd must be an absolute path; got "${raw}".`, 'Pass the full path of the directory.');
  const cwd = path.resolve(raw);
  const info = await stat(cwd).catch(() => undefined);
  if (!info) throw new ShannonError('INVALID_ARGUMENT', `The directory "${cwd}" does not exist.`, 'Pass an existing directory.');
  if (!info.isDirectory()) throw new ShannonError('INVALID_ARGUMENT', `"${cwd}" is a file, not a directory.`, 'Pass the directory to work in.');
  // Checked and run by its real path: a symlink inside a folder may point anywhere.
  const real = resolvedPath(cwd);
  const workspaceFolder = deps.workspaceFolderFor(real);
  if (!workspaceFolder) {
    const really = real === cwd ? '' : ` (a link to ${real})`;
    throw new ShannonError('INVALID_ARGUMENT', `"${cwd}"${really} is not inside a workspace folder open in Shannon.`, 'Pass one of the open workspace folders, or a directory inside one.');
  }
  return { cwd: real, workspaceFolder };
}

/** The state once an interrupt has landed (the turn's result arrives a few ms after the request is answered). */
async function settled(deps: ShannonMcpDeps, id: string, timeoutMs: number): Promise<SessionState> {
  const changed = nextEvent(deps.sessions.onDidChangeSession, (r) => r.id === id && !isBusy(r.state), AbortSignal.timeout(timeoutMs)).catch(() => undefined);
  const now = requireRecord(deps, id).state;
  if (!isBusy(now)) return now;
  return (await changed)?.state ?? requireRecord(deps, id).state;
}
