/**
 * The core's CheckpointService as the checkpoint tools use it. The service takes a conversation
 * point; a tool caller names only a session, so the point is read here: the session's CLI id, and
 * the last assistant message of its transcript (what `--resume-session-at` continues from).
 */
import type { CheckpointService, ForkStarter } from '../core/checkpoints/checkpointService.js';
import { ShannonError } from '../core/errors.js';
import type { SessionManager } from '../core/session/manager.js';
import type { McpCheckpoints, McpSessions, McpTranscripts } from './deps.js';

export function mcpCheckpoints(service: Pick<CheckpointService, 'create' | 'list' | 'preview' | 'restore'>, sessions: Pick<McpSessions, 'get'>, transcripts: McpTranscripts): McpCheckpoints {
  return {
    async create(sessionId, label, signal) {
      const record = sessions.get(sessionId);
      if (!record) throw new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${sessionId}".`, 'Call list_sessions to find the right id.');
      const entries = await transcripts.readTranscript(sessionId, {});
      const lastAssistant = entries.findLast((e) => e.type === 'assistant' && e.direction === 'in' && e.uuid);
      const { checkpoint, snapshot } = await service.create(
        {
          sessionId,
          workspaceFolder: record.workspaceFolder,
          seq: entries.at(-1)?.seq ?? -1,
          label: label?.trim() || `"${record.title}" after turn ${record.metrics.turns}`,
          ...(record.cliSessionId ? { cliSessionId: record.cliSessionId } : {}),
          ...(lastAssistant?.uuid ? { messageUuid: lastAssistant.uuid } : {}),
        },
        signal,
      );
      return { ...checkpoint, files: snapshot.files };
    },
    list: (sessionId) => service.list(sessionId),
    preview: (checkpointId, signal) => service.preview(checkpointId, signal),
    restore: (checkpointId, signal) => service.restore(checkpointId, signal),
  };
}

/**
 * Starts the session a restore continues in: forked from the checkpointed one at its message
 * (`--resume <cli id> --resume-session-at <uuid> --fork-session`), or fresh in the same folder
 * when the checkpoint predates the first reply.
 */
export function forkStarter(manager: Pick<SessionManager, 'fork' | 'create' | 'get'>): ForkStarter {
  return {
    async startSession(request) {
      const parent = manager.get(request.parentId);
      if (request.options.resume && parent?.cliSessionId) {
        const record = await manager.fork(request.parentId, {
          ...(request.options.resumeAt ? { resumeAt: request.options.resumeAt } : {}),
          ...(request.title ? { title: request.title } : {}),
        });
        return { sessionId: record.id };
      }
      const record = await manager.create({
        workspaceFolder: request.workspaceFolder,
        ...(parent ? { cwd: parent.cwd, origin: parent.origin === 'imported' ? 'shannon' : parent.origin } : {}),
        options: request.options,
        ...(request.title ? { title: request.title } : {}),
      });
      return { sessionId: record.id };
    },
  };
}
