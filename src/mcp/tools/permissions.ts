/**
 * Permission answers from the MCP client: registered only where the policy says the client
 * answers asks (`permissions: 'client'`). Inside VS Code the person answers in Shannon's UI.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ShannonError } from '../../core/errors.js';
import { assertMayDrive, wholeToolAllowed } from '../cap.js';
import { resolvePolicy, type ResolvedPolicy, type ShannonMcpDeps } from '../deps.js';
import { guarded, ok } from '../results.js';
import { idArg, pendingPermissionSchema, turnResultSchema } from '../schemas.js';
import { pendingPermission, requireRecord, timeout, turnResult, waitFor } from './sessions.js';

export function registerPermissionTools(server: McpServer, deps: ShannonMcpDeps): void {
  const log = deps.log;
  const assertClientAnswers = () => {
    if (resolvePolicy(deps).permissions !== 'client') {
      throw new ShannonError('NOT_SUPPORTED', 'Permission asks are not answered by MCP clients on this server.', 'The user answers them in Shannon.');
    }
  };

  server.registerTool(
    'list_pending_permissions',
    {
      title: 'List permission asks',
      description: 'Tool uses that Claude Code sessions are waiting for permission to run. Answer each with respond_permission.',
      inputSchema: { session_id: idArg.optional().describe('Only this session\'s asks.') },
      outputSchema: { pending_permissions: z.array(pendingPermissionSchema) },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        assertClientAnswers();
        if (args.session_id) requireRecord(deps, args.session_id);
        const pending = deps.sessions.pendingPermissions(args.session_id).map(pendingPermission);
        const text = pending.length
          ? pending.map((p) => `${p.session_id} request ${p.request_id}: ${p.tool_name} ${JSON.stringify(p.input)}`).join('\n')
          : 'No permission asks are waiting.';
        return ok(text, { pending_permissions: pending });
      }, log),
  );

  server.registerTool(
    'respond_permission',
    {
      title: 'Answer a permission ask',
      description: 'Allow or deny a tool use a session is waiting on. Denying tells Claude Code why, and the turn carries on.',
      inputSchema: {
        session_id: idArg.describe('The session that asks.'),
        request_id: idArg.describe('The request_id of the ask (from list_pending_permissions or a waiting send_message/create_session result).'),
        decision: z.enum(['allow', 'deny']).describe('"allow" runs the tool; "deny" does not.'),
        message: z.string().optional().describe('With deny: the reason Claude Code is told.'),
        remember: z
          .boolean()
          .default(false)
          .describe('With allow: allow this tool for the rest of the session without asking again. Only for tools the server lets MCP callers pre-approve as a whole (not Bash, by default).'),
        wait: z.boolean().default(false).describe('true: then wait for the turn to end (or to ask again) and return its reply, as send_message does.'),
        timeout,
      },
      outputSchema: turnResultSchema,
      annotations: { destructiveHint: true },
    },
    (args, extra) =>
      guarded(async () => {
        assertClientAnswers();
        const policy = resolvePolicy(deps);
        assertMayDrive(requireRecord(deps, args.session_id), policy, 'answer a permission ask of');
        if (args.decision === 'allow' && args.remember) assertRememberAllowed(deps, args.session_id, args.request_id, policy);
        // Watching from before the answer: the rest of the turn cannot slip past.
        const watch = deps.sessions.watchTurn(undefined);
        try {
          watch.bind(args.session_id);
          deps.sessions.respondToPermission(
            args.session_id,
            args.request_id,
            args.decision === 'allow' ? { behavior: 'allow', scope: args.remember ? 'tool' : 'once' } : { behavior: 'deny', ...(args.message ? { message: args.message } : {}) },
          );
          const answered = `${args.decision === 'allow' ? 'Allowed' : 'Denied'} ${args.request_id}.`;
          if (!args.wait) return turnResult(deps, args.session_id, undefined, `${answered} Read what follows with get_session_output.`);
          return turnResult(deps, args.session_id, await waitFor(deps, watch, args.session_id, args.timeout, extra), answered);
        } finally {
          watch.dispose();
        }
      }, log),
  );
}

/** `remember` allows the asking tool as a whole for the rest of the session: only where the cap would. */
function assertRememberAllowed(deps: ShannonMcpDeps, sessionId: string, requestId: string, policy: ResolvedPolicy): void {
  const ask = deps.sessions.pendingPermissions(sessionId).find((p) => p.requestId === requestId);
  if (!ask || wholeToolAllowed(ask.toolName, policy)) return;
  throw new ShannonError(
    'NOT_PERMITTED',
    `remember would allow every "${ask.toolName}" use for the rest of the session, beyond what this server lets MCP callers pre-approve (${policy.allowedTools.join(', ') || 'no tools'}).`,
    `Answer without remember to allow this one use. The user can allow more: ${policy.widen.tools}.`,
  );
}
