/**
 * Shannon's MCP server: Claude Code sessions as tools and resources for any MCP client. One
 * McpServer per client connection (the SDK binds a server to one transport); all of them share the
 * same core, so every client sees the same sessions as Shannon's own UI. Transport-agnostic: stdio
 * (bin.ts) and Streamable HTTP (http.ts) connect it the same way.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { resolvePolicy, type ShannonMcpDeps } from './deps.js';
import { registerResources } from './resources.js';
import { registerAgentTools } from './tools/agents.js';
import { registerCheckpointTools } from './tools/checkpoints.js';
import { registerHistoryTools } from './tools/history.js';
import { registerPermissionTools } from './tools/permissions.js';
import { registerSessionSettingTools } from './tools/sessionSettings.js';
import { registerSessionTools } from './tools/sessions.js';
import { registerWorktreeTools } from './tools/worktrees.js';

export const SERVER_NAME = 'shannon';
export const SERVER_VERSION = '0.1.0';

const INSTRUCTIONS = `Shannon runs Claude Code sessions: an AI coding agent that works in a directory (reads and edits files, runs commands).
- create_session starts one on a task (give cwd: an absolute directory path). wait=true returns its reply; otherwise poll get_session_output with the returned cursor.
- send_message continues a session; interrupt_session stops the running turn; cancel_session ends the session; set_model changes its model.
- A turn that fails (turn.status "error") says why in turn.error and get_session().error, with fix_how: what to call or what the user must do.
- list_sessions / get_session show state, cost and tokens; search_sessions and get_usage look at history.
- create_checkpoint / restore_checkpoint save and bring back a session's files and conversation point.
- create_session with isolation="worktree" runs a session in a git worktree of its own; get_session_changes shows what it changed, merge_session_changes brings it into the folder (squash commit or uncommitted), discard_session_changes throws it away. Best-of-N: start several on one task, compare, merge one, discard the rest.
Claude Code may need permission for risky tool uses; pass allowed_tools to pre-approve what the task needs.`;

/** A new server over `deps`. Its event subscriptions end when it closes. */
export function createShannonMcpServer(deps: ShannonMcpDeps): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION }, { instructions: INSTRUCTIONS });
  registerSessionTools(server, deps);
  registerSessionSettingTools(server, deps);
  registerCheckpointTools(server, deps);
  registerHistoryTools(server, deps);
  registerAgentTools(server, deps);
  registerWorktreeTools(server, deps);
  if (resolvePolicy(deps).permissions === 'client') registerPermissionTools(server, deps);
  const resources = registerResources(server, deps);

  const inner = server.server;
  const previous = inner.onclose;
  inner.onclose = () => {
    resources.dispose();
    previous?.();
  };
  inner.onerror = (err) => deps.log?.(`MCP protocol error: ${err.message}`);
  return server;
}
