/**
 * Answers permission asks of MCP-started sessions where nobody else will: with the `deny` policy
 * (the standalone server's default) every ask is denied at once with a message telling the model
 * how to get the tool allowed. Tools listed in `allowed_tools` never ask, so they still run.
 */
import type { Disposable } from '../core/lifecycle.js';
import { resolvePolicy, type McpSessions, type ShannonMcpDeps } from './deps.js';

export function applyPermissionPolicy(sessions: Pick<McpSessions, 'onDidRequestPermission' | 'respondToPermission' | 'get'>, policy: ShannonMcpDeps['policy']): Disposable {
  return sessions.onDidRequestPermission((ask) => {
    const resolved = resolvePolicy({ policy });
    if (resolved.permissions !== 'deny') return;
    if (sessions.get(ask.sessionId)?.origin !== 'mcp') return;
    const allowed = resolved.allowedTools.length ? resolved.allowedTools.join(', ') : 'none';
    try {
      sessions.respondToPermission(ask.sessionId, ask.requestId, {
        behavior: 'deny',
        message: `Denied: this Shannon MCP server has nobody to approve "${ask.toolName}". A session can pre-approve tools in allowed_tools, within what the user lets MCP callers pre-approve (now: ${allowed}); the user can allow more: ${resolved.widen.tools}. Otherwise do the task without this tool.`,
      });
    } catch {
      // Already answered or withdrawn: nothing to do.
    }
  });
}
