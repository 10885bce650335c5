/**
 * Tools that change how a session runs from its next turn on. `set_model` is the fix a
 * MODEL_NOT_FOUND error asks for (its `fix` is `choose-model`).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { assertMayDrive } from '../cap.js';
import { resolvePolicy, type ShannonMcpDeps } from '../deps.js';
import { guarded, ok } from '../results.js';
import { idArg } from '../schemas.js';
import { requireRecord } from './turnResults.js';

export function registerSessionSettingTools(server: McpServer, deps: ShannonMcpDeps): void {
  server.registerTool(
    'set_model',
    {
      title: "Change a session's model",
      description:
        'Change the model a session uses from its next turn on (the conversation stays). Use it when a turn failed with MODEL_NOT_FOUND, or to switch between faster and stronger models.',
      inputSchema: {
        session_id: idArg.describe('The session id (a UUID) returned by create_session or list_sessions.'),
        model: z.string().min(1).max(200).optional().describe('Model alias or name, e.g. "sonnet", "opus", "haiku" or "claude-sonnet-4-5". Omit to go back to the default.'),
      },
      outputSchema: { session_id: z.string(), state: z.string(), model: z.string().optional(), note: z.string() },
      annotations: { destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      guarded(async () => {
        const before = requireRecord(deps, args.session_id);
        assertMayDrive(before, resolvePolicy(deps), 'change the model of');
        await deps.sessions.setModel(args.session_id, args.model);
        const after = requireRecord(deps, args.session_id);
        const note = `Session ${after.id} uses ${args.model ? `model "${args.model}"` : 'the default model'} from its next turn on.`;
        return ok(note, { session_id: after.id, state: after.state, ...(after.model ? { model: after.model } : {}), note });
      }, deps.log),
  );
}
