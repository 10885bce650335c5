/**
 * Sharing a session with MCP clients: a session whose permission mode or allowed tools are above
 * what MCP clients may use (the cap: `shannon.mcp.maxPermissionMode`, `shannon.mcp.allowedTools`)
 * is read-only for them until the user shares it here, after a warning that says what it allows.
 */
import * as vscode from 'vscode';
import { capExcess } from '../../mcp/cap.js';
import { confirmedFrom } from '../model/commandArgs.js';
import { mcpAccessOf, resolvedMcpPolicy } from '../model/mcpAccess.js';
import { oneLine } from '../model/format.js';
import type { CommandContext } from './context.js';
import { resolveSession } from './pickers.js';

export function mcpCommands(ctx: CommandContext): Record<string, (...args: unknown[]) => unknown> {
  return {
    'shannon.shareWithMcp': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, {
        title: 'Share Session with MCP',
        eligible: (s) => mcpAccessOf(s, ctx.settings.current) === 'unshared',
        none: 'No session needs sharing: MCP clients may already steer every session within their limits.',
      });
      if (!r || r.sharedWithMcp) return r;
      const reasons = capExcess(r, resolvedMcpPolicy(ctx.settings.current));
      if (!confirmedFrom(arg)) {
        const share = 'Share with MCP';
        const choice = await vscode.window.showWarningMessage(
          `Let MCP clients steer "${oneLine(r.title, 60)}"?`,
          {
            modal: true,
            detail: `MCP clients (Copilot agent mode and any other client of Shannon's MCP server) will be able to send it messages, answer its permission asks, resume it and restore its checkpoints, although ${reasons.join('; ') || 'it is above their limits'}. What they ask for runs with those permissions. Stop with "Shannon: Stop Sharing with MCP".`,
          },
          share,
        );
        if (choice !== share) return undefined;
      }
      const shared = core.manager.setSharedWithMcp(r.id, true);
      ctx.log.info(`session ${r.id} "${r.title}" shared with MCP clients`);
      return shared;
    },

    'shannon.stopSharingWithMcp': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Stop Sharing with MCP', eligible: (s) => s.sharedWithMcp === true, none: 'No session is shared with MCP.' });
      if (!r) return undefined;
      const record = core.manager.setSharedWithMcp(r.id, false);
      ctx.log.info(`session ${r.id} "${r.title}" no longer shared with MCP clients`);
      return record;
    },
  };
}
