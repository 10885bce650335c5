/**
 * `shannon-mcp`: Shannon's MCP server on stdio, for Claude Desktop, Cursor, the MCP Inspector or
 * any MCP client. stdout carries the protocol only; everything else goes to stderr.
 */
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { PERMISSION_MODES, type PermissionMode } from '../core/session/types.js';
import { ISOLATIONS, type Isolation } from '../core/worktrees/types.js';
import { createShannonMcpServer, SERVER_VERSION } from './server.js';
import { openStandalone } from './standalone.js';

const HELP = `shannon-mcp ${SERVER_VERSION}: Claude Code sessions as MCP tools (stdio)

Usage: shannon-mcp [options]

  --data-dir <dir>            Where sessions and transcripts are kept
                              (default: ${defaultDataDir()})
  --claude <path>             The claude binary (default: $SHANNON_CLAUDE_PATH, PATH, install places)
  --max-concurrent <n>        Sessions running at once per folder (default 3; more wait in a queue)
  --cwd <dir>                 Folder used when a tool call gives no cwd (default: none, cwd required)
  --permissions deny|client   Who answers Claude Code's permission asks (default deny):
                                deny    refuse them; tools in allowed_tools still run
                                client  the MCP client answers (respond_permission tool)
  --max-permission-mode <m>   Most permissive mode callers may ask for (default auto;
                              one of ${PERMISSION_MODES.join(', ')})
  --isolation none|worktree|auto
                              Where sessions started without an isolation work (default auto:
                              a git worktree of their own when another session works in the
                              directory, else the directory)
  -h, --help                  Show this help
`;

function defaultDataDir(): string {
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'shannon');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'shannon');
  return path.join(process.env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share'), 'shannon');
}

function log(message: string): void {
  process.stderr.write(`[shannon-mcp] ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`shannon-mcp: ${message}\nRun shannon-mcp --help for the options.\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'data-dir': { type: 'string' },
        claude: { type: 'string' },
        'max-concurrent': { type: 'string' },
        cwd: { type: 'string' },
        permissions: { type: 'string' },
        'max-permission-mode': { type: 'string' },
        isolation: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const maxConcurrent = values['max-concurrent'] === undefined ? undefined : Number(values['max-concurrent']);
  if (maxConcurrent !== undefined && !(Number.isInteger(maxConcurrent) && maxConcurrent >= 1)) fail('--max-concurrent takes a whole number ≥ 1.');
  const permissions = values.permissions ?? 'deny';
  if (permissions !== 'deny' && permissions !== 'client') fail('--permissions takes "deny" or "client".');
  const maxMode = values['max-permission-mode'];
  if (maxMode !== undefined && !PERMISSION_MODES.includes(maxMode as PermissionMode)) fail(`--max-permission-mode takes one of ${PERMISSION_MODES.join(', ')}.`);
  const isolation = values.isolation ?? 'auto';
  if (!ISOLATIONS.includes(isolation as Isolation)) fail(`--isolation takes one of ${ISOLATIONS.join(', ')}.`);
  const cwd = values.cwd === undefined ? undefined : path.resolve(values.cwd);
  if (cwd !== undefined && !existsSync(cwd)) fail(`--cwd: ${cwd} does not exist.`);

  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  // esbuild copies sql.js's wasm beside the bundle; run from source, the package's own copy is used.
  const bundledWasm = path.join(path.dirname(realpathSync(process.argv[1] ?? '.')), 'sql-wasm.wasm');
  const standalone = await openStandalone({
    dataDir,
    claudePath: values.claude,
    ...(maxConcurrent ? { maxConcurrent } : {}),
    permissions,
    ...(maxMode ? { maxPermissionMode: maxMode as PermissionMode } : {}),
    ...(cwd ? { defaultCwd: cwd } : {}),
    isolation: isolation as Isolation,
    ...(existsSync(bundledWasm) ? { wasmPath: bundledWasm } : {}),
    log,
  });

  const server = createShannonMcpServer(standalone.deps);
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    log(`shutting down (${why})`);
    await server.close().catch(() => undefined);
    await standalone.dispose();
    process.exit(0);
  };
  transport.onclose = () => void shutdown('client disconnected');
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await server.connect(transport);
  log(`ready: data in ${dataDir}, permission asks: ${permissions}`);
}

main().catch((err: unknown) => {
  log(`failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
