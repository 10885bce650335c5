/** What the extension (and any other host) uses from the MCP layer. */
export { createShannonMcpServer, SERVER_NAME, SERVER_VERSION } from './server.js';
export { startShannonMcpHttpServer, MCP_PATH, type McpHttpServer, type McpHttpServerOptions } from './http.js';
export { applyPermissionPolicy } from './permissionPolicy.js';
export { permissionModeAllowed } from './cap.js';
export {
  DEFAULT_MAX_PERMISSION_MODE,
  type McpCheckpoints,
  type McpHistory,
  type McpPolicy,
  type PolicyWording,
  type McpSessions,
  type McpTranscripts,
  type McpWorktrees,
  type PermissionAnswerer,
  type ShannonMcpDeps,
} from './deps.js';
