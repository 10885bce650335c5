/**
 * Shannon's MCP server against the real CLI and the fake API, reached the two ways clients reach
 * it: Streamable HTTP in this process (what the extension hosts) and stdio to the built bin.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpPolicy, ShannonMcpDeps } from '../../src/mcp/deps.js';
import { startShannonMcpHttpServer, type McpHttpServer, type McpHttpServerOptions } from '../../src/mcp/http.js';
import { openStandalone, type Standalone } from '../../src/mcp/standalone.js';
import { FakeAnthropicApi, type Responder } from './fakeAnthropic.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace, type HermeticClaudeEnv } from './realCli.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BUILT_BIN = path.join(REPO_ROOT, 'dist', 'mcp-server.cjs');

export interface McpHttpRig {
  api: FakeAnthropicApi;
  claude: HermeticClaudeEnv;
  workspace: string;
  core: Standalone;
  http: McpHttpServer;
  /** A connected client with the token; closed by dispose(). */
  connect(name?: string): Promise<Client>;
  dispose(): Promise<void>;
}

/**
 * The core and the in-host HTTP server, as the extension starts them: permission asks stay with
 * the host, and a cwd must lie inside the one open workspace folder.
 */
export async function startMcpHttpRig(
  responder?: Responder,
  policy: McpPolicy = {},
  options: { host?: Partial<ShannonMcpDeps>; http?: McpHttpServerOptions } = {},
): Promise<McpHttpRig> {
  const api = await FakeAnthropicApi.start(responder);
  const claude = await hermeticClaudeEnv(api);
  const ws = await tempWorkspace();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-mcp-data-'));
  const core = await openStandalone({
    dataDir,
    claudePath: CLAUDE_BIN,
    claudeEnvironment: claude.env,
    env: claude.env,
    stop: { stdinGraceMs: 500, termGraceMs: 1500 },
    workspaceFolders: [ws.dir],
    log: () => undefined,
  });
  const deps: ShannonMcpDeps = { ...core.deps, policy: () => ({ permissions: 'host' as const, ...policy }), ...options.host };
  const http = await startShannonMcpHttpServer(deps, options.http);
  const clients: Client[] = [];
  return {
    api,
    claude,
    workspace: ws.dir,
    core,
    http,
    async connect(name = 'test') {
      const client = new Client({ name, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${http.token}` } } }));
      clients.push(client);
      return client;
    },
    async dispose() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await http.dispose();
      await core.dispose();
      await api.close();
      await claude.dispose();
      await ws.dispose();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/**
 * Builds dist/ with the project's own build script (what `npm run build` runs). Only the MCP
 * bundle matters here: a failure elsewhere (another bundle mid-edit) is reported, not fatal, as
 * long as dist/mcp-server.cjs was written by this build.
 */
export function buildBundles(): void {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status === 0) return;
  const fresh = existsSync(BUILT_BIN) && statSync(BUILT_BIN).mtimeMs >= started - 1000;
  if (!fresh) throw new Error(`node esbuild.mjs failed (${r.status}) without writing ${BUILT_BIN}:\n${r.stderr}`);
  process.stderr.write(`warning: node esbuild.mjs failed (${r.status}) on another bundle; ${path.basename(BUILT_BIN)} was built.\n`);
}

export interface McpStdioRig {
  api: FakeAnthropicApi;
  claude: HermeticClaudeEnv;
  workspace: string;
  dataDir: string;
  client: Client;
  stderr(): string;
  /**
   * Stops the bin (closing its stdin, as a client does) and starts a new one on the same data
   * directory, with other options if given.
   */
  restart(extraArgs?: string[]): Promise<Client>;
  dispose(): Promise<void>;
}

/**
 * The built `shannon-mcp` spawned with plain Node, talking stdio, the way Claude Desktop runs it.
 * `extraArgs` may depend on the rig's workspace folder (e.g. `--workspace <it>`).
 */
export async function startMcpStdioRig(responder?: Responder, extraArgs: string[] | ((workspace: string) => string[]) = []): Promise<McpStdioRig> {
  const api = await FakeAnthropicApi.start(responder);
  const claude = await hermeticClaudeEnv(api);
  const ws = await tempWorkspace();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-mcp-data-'));
  const args = typeof extraArgs === 'function' ? extraArgs(ws.dir) : extraArgs;
  let stderr = '';
  const spawnBin = async (options: string[]) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BUILT_BIN, '--claude', CLAUDE_BIN, '--data-dir', dataDir, ...options],
      env: claude.env,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    return client;
  };
  const rig: McpStdioRig = {
    api,
    claude,
    workspace: ws.dir,
    dataDir,
    client: await spawnBin(args),
    stderr: () => stderr,
    async restart(extra = args) {
      await rig.client.close();
      rig.client = await spawnBin(extra);
      return rig.client;
    },
    async dispose() {
      await rig.client.close().catch(() => undefined);
      await api.close();
      await claude.dispose();
      await ws.dispose();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
  return rig;
}

/** The text of a tool result. */
export function textOf(result: unknown): string {
  const r = result as CallToolResult;
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export function structured<T = any>(result: unknown): T {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`tool returned an error: ${textOf(r)}`);
  if (!r.structuredContent) throw new Error('tool returned no structured content');
  return r.structuredContent as T;
}
