/**
 * Checkpoints: a session's conversation point plus a snapshot of its workspace files; restoring
 * puts the files back and continues the conversation from there in a new (forked) session.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ShannonError } from '../../core/errors.js';
import { assertMayDrive } from '../cap.js';
import type { Checkpoint } from '../../core/checkpoints/types.js';
import { resolvePolicy, type McpCheckpoints, type ShannonMcpDeps } from '../deps.js';
import { guarded, ok } from '../results.js';
import { checkpointSchema, idArg } from '../schemas.js';
import { requireRecord } from './sessions.js';

export function registerCheckpointTools(server: McpServer, deps: ShannonMcpDeps): void {
  const log = deps.log;

  server.registerTool(
    'create_checkpoint',
    {
      title: 'Checkpoint a session',
      description: "Save a session's current conversation point and a snapshot of its workspace folder's files, to come back to with restore_checkpoint.",
      inputSchema: {
        session_id: idArg.describe('The session to checkpoint.'),
        label: z.string().min(1).max(200).optional().describe('A short name for the checkpoint, e.g. "before refactoring".'),
      },
      outputSchema: checkpointSchema,
      annotations: { destructiveHint: false },
    },
    (args, extra) =>
      guarded(async () => {
        const checkpoints = requireCheckpoints(deps.checkpoints);
        requireRecord(deps, args.session_id);
        const c = await checkpoints.create(args.session_id, args.label, extra.signal);
        const files = c.files !== undefined ? `: ${c.files} files of ${requireRecord(deps, args.session_id).workspaceFolder}` : '';
        return ok(`Checkpoint ${c.id}${c.label ? ` ("${c.label}")` : ''}${files}. Restore it with restore_checkpoint.`, checkpointOut(c));
      }, log),
  );

  server.registerTool(
    'list_checkpoints',
    {
      title: "List a session's checkpoints",
      description: 'The checkpoints of a session, oldest first.',
      inputSchema: { session_id: idArg.describe('The session whose checkpoints to list.') },
      outputSchema: { checkpoints: z.array(checkpointSchema) },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        const checkpoints = requireCheckpoints(deps.checkpoints);
        requireRecord(deps, args.session_id);
        const list = await checkpoints.list(args.session_id);
        const text = list.length ? list.map((c) => `${c.id}  "${c.label}"  ${new Date(c.createdAt).toISOString()}  at transcript position ${c.seq}`).join('\n') : 'This session has no checkpoints.';
        return ok(text, { checkpoints: list.map(checkpointOut) });
      }, log),
  );

  server.registerTool(
    'restore_checkpoint',
    {
      title: 'Restore a checkpoint',
      description:
        "Put the workspace folder's files back as they were at a checkpoint (overwriting later changes) and start a new session that continues the conversation from that point. With dry_run, only lists what would change.",
      inputSchema: {
        checkpoint_id: idArg.describe('The checkpoint id from create_checkpoint or list_checkpoints.'),
        dry_run: z.boolean().default(false).describe('true: change nothing, return the files that would be restored or removed.'),
      },
      outputSchema: {
        checkpoint: checkpointSchema,
        dry_run: z.boolean(),
        changes: z.array(z.object({ path: z.string(), change: z.string() })).optional(),
        restored: z.array(z.string()).optional(),
        removed: z.array(z.string()).optional(),
        session_id: z.string().optional(),
      },
      annotations: { destructiveHint: true },
    },
    (args, extra) =>
      guarded(async () => {
        const checkpoints = requireCheckpoints(deps.checkpoints);
        if (args.dry_run) {
          const { checkpoint, changes } = await checkpoints.preview(args.checkpoint_id, extra.signal);
          const text = changes.length ? changes.map((c) => `${c.change}: ${c.path}`).join('\n') : 'Nothing would change: the files match the checkpoint.';
          return ok(text, { checkpoint: checkpointOut(checkpoint), dry_run: true, changes });
        }
        // The restore forks the checkpoint's session, with its mode and tools: only one MCP may steer.
        const checkpoint = await checkpoints.get(args.checkpoint_id);
        const owner = checkpoint && deps.sessions.get(checkpoint.sessionId);
        if (owner) assertMayDrive(owner, resolvePolicy(deps), 'restore a checkpoint (and fork)');
        const r = await checkpoints.restore(args.checkpoint_id, extra.signal);
        return ok(
          `Restored ${r.restored.length} files and removed ${r.removed.length}. The conversation continues from the checkpoint in the new session ${r.sessionId}: talk to it with send_message.`,
          { checkpoint: checkpointOut(r.checkpoint), dry_run: false, restored: r.restored, removed: r.removed, session_id: r.sessionId },
        );
      }, log),
  );
}

function checkpointOut(c: Checkpoint) {
  return {
    checkpoint_id: c.id,
    session_id: c.sessionId,
    ...(c.label ? { label: c.label } : {}),
    created_at: new Date(c.createdAt).toISOString(),
    seq: c.seq,
    ...(c.files !== undefined ? { files: c.files } : {}),
    ...(c.cliSessionId ? { cli_session_id: c.cliSessionId } : {}),
    ...(c.messageUuid ? { message_uuid: c.messageUuid } : {}),
  };
}

function requireCheckpoints(checkpoints: McpCheckpoints | undefined): McpCheckpoints {
  if (!checkpoints) throw new ShannonError('NOT_SUPPORTED', 'Checkpoints are not available in this Shannon server.', 'Ask the user to enable checkpoints in Shannon.');
  return checkpoints;
}
