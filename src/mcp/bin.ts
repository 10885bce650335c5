/**
 * `shannon-mcp`: Shannon's MCP server on stdio, for Claude Desktop, Cursor, the MCP Inspector or
 * any MCP client. stdout carries the protocol only; everything else goes to stderr.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { splitToolList } from '../core/cli/args.js';
import { READ_ONLY_TOOLS } from '../core/cli/toolRules.js';
import { DEFAULT_PROCESS_PRIORITY, isProcessPriority, PROCESS_PRIORITIES } from '../core/process/priority.js';
import { PERMISSION_MODES, type PermissionMode } from '../core/session/types.js';
import { safeText } from '../core/transcript/safeText.js';
import { folderHolding } from '../core/workspacePaths.js';
import { ISOLATIONS, type Isolation } from '../core/worktrees/types.js';
import { createShannonMcpServer, SERVER_VERSION } from './server.js';
import { openStandalone } from './standalone.js';

const HELP = `shannon-mcp ${SERVER_VERSION}: Claude Code sessions as MCP tools (stdio)

Usage: shannon-mcp [options]

  --data-dir <dir>            Where sessions and transcripts are kept
                              (default: ${defaultDataDir()})
  --claude <path>             The claude binary (default: $SHANNON_CLAUDE_PATH, PATH, install places)
  --max-concurrent <n>        Sessions running at once per folder (default 3; more wait in a queue)
  --workspace <dir>           A folder sessions may work in (repeat for more). A cwd must lie
                              inside one, symlinks resolved. Default: any directory
  --cwd <dir>                 Folder used when a tool call gives no cwd (default: the first
                              --workspace, else none: cwd required)
  --permissions deny|client   Who answers Claude Code's permission asks (default deny):
                                deny    refuse them; tools in allowed_tools still run
                                client  the MCP client answers (respond_permission tool)
  --max-permission-mode <m>   Most permissive mode callers may ask for (default auto;
                              one of ${PERMISSION_MODES.join(', ')})
  --allow-tools <rules>       The tool rules callers may pre-approve in allowed_tools,
                              comma-separated, repeatable; replaces the default
                              (${READ_ONLY_TOOLS.join(',')}). Bash only by patterns,
                              e.g. --allow-tools "${READ_ONLY_TOOLS.join(',')},Bash(npm test:*)"
  --isolation none|worktree|auto
                              Where sessions started without an isolation work (default auto:
                              a git worktree of their own when another session works in the
                              directory, else the directory)
  --priority belowNormal|low|normal
                              CPU priority of claude and what it runs (default belowNormal:
                              with many sessions the machine stays responsive)
  -h, --help                  Show this help
`;

function defaultDataDir(): string {
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'shannon');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'shannon');
  return path.join(process.env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share'), 'shannon');
}

function log(message: string): void {
  // stderr often ends up in a terminal: CLI text in a message must not drive it.
  process.stderr.write(`[shannon-mcp] ${safeText(message)}\n`);
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
        workspace: { type: 'string', multiple: true },
        permissions: { type: 'string' },
        'max-permission-mode': { type: 'string' },
        'allow-tools': { type: 'string', multiple: true },
        isolation: { type: 'string' },
        priority: { type: 'string' },
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
  const allowTools = values['allow-tools']?.flatMap((v) => splitToolList(v));
  const isolation = values.isolation ?? 'auto';
  if (!ISOLATIONS.includes(isolation as Isolation)) fail(`--isolation takes one of ${ISOLATIONS.join(', ')}.`);
  const priority = values.priority ?? DEFAULT_PROCESS_PRIORITY;
  if (!isProcessPriority(priority)) fail(`--priority takes one of ${PROCESS_PRIORITIES.join(', ')}.`);
  const cwd = values.cwd === undefined ? undefined : path.resolve(values.cwd);
  if (cwd !== undefined && !existsSync(cwd)) fail(`--cwd: ${cwd} does not exist.`);
  const workspaceFolders = (values.workspace ?? []).map((w) => path.resolve(w));
  for (const w of workspaceFolders) if (!statSync(w, { throwIfNoEntry: false })?.isDirectory()) fail(`--workspace: ${w} is not a directory.`);
  if (cwd !== undefined && workspaceFolders.length && !folderHolding(cwd, workspaceFolders)) fail(`--cwd: ${cwd} is not inside a --workspace folder.`);

  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  // esbuild copies sql.js's wasm beside the bundle; run from source, the package's own copy is used.
  const bundledWasm = path.join(path.dirname(realpathSync(process.argv[1] ?? '.')), 'sql-wasm.wasm');
  const standalone = await openStandalone({
    dataDir,
    claudePath: values.claude,
    ...(maxConcurrent ? { maxConcurrent } : {}),
    permissions,
    ...(maxMode ? { maxPermissionMode: maxMode as PermissionMode } : {}),
    ...(allowTools ? { allowedTools: allowTools } : {}),
    ...(cwd ? { defaultCwd: cwd } : {}),
    ...(workspaceFolders.length ? { workspaceFolders } : {}),
    isolation: isolation as Isolation,
    processPriority: priority,
    ...(existsSync(bundledWasm) ? { wasmPath: bundledWasm } : {}),
    log,
  });

  const server = createShannonMcpServer(standalone.deps);
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) {
      // A signal while closing is a hurry (an MCP client sends SIGTERM 2 s after closing our
      // stdin, SIGKILL 2 s later): every process tree is killed now; the store still flushes.
      if (why.startsWith('SIG')) standalone.manager.dispose();
      return;
    }
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
  log(`ready: data in ${dataDir}, permission asks: ${permissions}, callers may pre-approve: ${(allowTools ?? READ_ONLY_TOOLS).join(', ') || 'nothing'}`);
}

main().catch((err: unknown) => {
  log(`failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
