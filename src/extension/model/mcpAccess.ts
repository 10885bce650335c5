/**
 * The MCP permission cap as this window's settings set it, and what it means for one session:
 * whether MCP clients may steer it, and whether the user shared it with them. Pure (no
 * `vscode`): the tree, the commands and the MCP provider all read the cap from here.
 */
import type { SessionRecord } from '../../core/session/types.js';
import { capExcess } from '../../mcp/cap.js';
import { resolvePolicy, type McpPolicy, type ResolvedPolicy } from '../../mcp/deps.js';
import type { ShannonSettings } from './settings.js';

export const SHARE_COMMAND = 'Shannon: Share Session with MCP';

/** Permission asks stay with the person at the window; the cap comes from the settings. */
export function mcpPolicy(s: ShannonSettings): McpPolicy {
  return {
    permissions: 'host',
    maxPermissionMode: s.mcp.maxPermissionMode,
    allowedTools: s.mcp.allowedTools,
    widen: {
      tools: 'add the rule to the setting `shannon.mcp.allowedTools` in VS Code',
      mode: 'raise the setting `shannon.mcp.maxPermissionMode` in VS Code',
      share: `run "${SHARE_COMMAND}" on it in VS Code`,
    },
  };
}

export function resolvedMcpPolicy(s: ShannonSettings): ResolvedPolicy {
  return resolvePolicy({ policy: () => mcpPolicy(s) });
}

/**
 * `shared`: the user shared it, MCP clients may steer it; `unshared`: above the cap, MCP clients
 * may read it only; undefined: within the cap, nothing to share.
 */
export type McpAccess = 'shared' | 'unshared' | undefined;

export function mcpAccessOf(record: SessionRecord, s: ShannonSettings): McpAccess {
  if (record.sharedWithMcp) return 'shared';
  return capExcess(record, resolvedMcpPolicy(s)).length ? 'unshared' : undefined;
}
