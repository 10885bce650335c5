/**
 * Claude Code's subagents for MCP callers: `list_agents` (the `.claude/agents/*.md` a session in a
 * directory can start as) and the check create_session makes of its `agent`: the agent must
 * exist there, and a `permissionMode` in its file counts against the MCP cap like the mode argument.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { listAgentFiles } from '../../core/agents/agentFiles.js';
import { ShannonError } from '../../core/errors.js';
import { claudeConfigDir } from '../../core/history/projectDirs.js';
import { PERMISSION_MODES, type PermissionMode } from '../../core/session/types.js';
import { assertModeWithinCap } from '../cap.js';
import { resolvePolicy, type ShannonMcpDeps } from '../deps.js';
import { guarded, ok } from '../results.js';
import { pathArg } from '../schemas.js';
import { resolveCwd } from './sessions.js';

export const agentArg = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.-]+$/)
  .describe('Start the session as this Claude Code agent (a name from list_agents): its file\'s prompt becomes the session\'s system prompt.');

export function registerAgentTools(server: McpServer, deps: ShannonMcpDeps): void {
  server.registerTool(
    'list_agents',
    {
      title: 'List Claude Code agents',
      description: 'The Claude Code agents (subagents defined in .claude/agents/*.md of the project, and of the user) a session in this directory can start as: pass a name as create_session.agent.',
      inputSchema: { cwd: pathArg.optional().describe('Absolute path of the directory the session would work in. Omit for the default folder.') },
      outputSchema: {
        agents: z.array(z.object({ name: z.string(), description: z.string(), model: z.string().optional(), source: z.enum(['project', 'user']), file: z.string() })),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        const { cwd } = await resolveCwd(deps, args.cwd);
        const agents = (await listAgentFiles(cwd, deps.claudeConfigDir?.() ?? claudeConfigDir())).map(({ permissionMode: _mode, ...a }) => a);
        const text = agents.length ? agents.map((a) => `${a.name} (${a.source}): ${a.description}`).join('\n') : `No agents in ${cwd}/.claude/agents or the user's agents folder.`;
        return ok(text, { agents });
      }, deps.log),
  );
}

/** `name` if a session in `cwd` can start as it within the cap; a clear error otherwise. */
export async function checkedAgent(deps: ShannonMcpDeps, cwd: string, name: string): Promise<string> {
  const agents = await listAgentFiles(cwd, deps.claudeConfigDir?.() ?? claudeConfigDir());
  const agent = agents.find((a) => a.name === name);
  if (!agent) {
    const known = agents.map((a) => a.name).join(', ') || 'none';
    throw new ShannonError('INVALID_ARGUMENT', `There is no agent "${name}" for ${cwd} (agents there: ${known}).`, 'Call list_agents for the names, or add .claude/agents/<name>.md.');
  }
  if (agent.permissionMode) {
    if (!PERMISSION_MODES.includes(agent.permissionMode as PermissionMode)) {
      throw new ShannonError('INVALID_ARGUMENT', `Agent "${name}" sets an unknown permissionMode "${agent.permissionMode}" in ${agent.file}.`, `Use one of: ${PERMISSION_MODES.join(', ')}.`);
    }
    assertModeWithinCap(agent.permissionMode as PermissionMode, resolvePolicy(deps));
  }
  return agent.name;
}
