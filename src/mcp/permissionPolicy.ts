/**
 * Answers permission asks of MCP-started sessions where nobody else will: with the `deny` policy
 * (the standalone server's default) every ask is denied at once with a message telling the model
 * how to get the tool allowed. Tools listed in `allowed_tools` never ask, so they still run.
 */
import type { Disposable } from '../core/lifecycle.js';
import { resolvePolicy, type McpSessions, type ShannonMcpDeps } from './deps.js';

export function applyPermissionPolicy(sessions: Pick<McpSessions, 'onDidRequestPermission' | 'respondToPermission' | 'get'>, policy: ShannonMcpDeps['policy']): Disposable {
  return sessions.onDidRequestPermission((ask) => {
    if (resolvePolicy({ policy }).permissions !== 'deny') return;
    if (sessions.get(ask.sessionId)?.origin !== 'mcp') return;
    try {
      sessions.respondToPermission(ask.sessionId, ask.requestId, {
        behavior: 'deny',
        message: `Denied: this Shannon MCP server has nobody to approve "${ask.toolName}". Start the session with allowed_tools listing the tools the task needs (e.g. "${ask.toolName}"), or a permission_mode that covers it.`,
      });
    } catch {
      // Already answered or withdrawn: nothing to do.
    }
  });
}
