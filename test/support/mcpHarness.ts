/**
 * Shannon's MCP server against the real CLI and the fake API, reached the two ways clients reach
 * it: Streamable HTTP in this process (what the extension hosts) and stdio to the built bin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpPolicy } from '../../src/mcp/deps.js';
import { startShannonMcpHttpServer, type McpHttpServer } from '../../src/mcp/http.js';
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

/** The core and the in-host HTTP server, as the extension starts them (permission asks stay with the host). */
export async function startMcpHttpRig(responder?: Responder, policy: McpPolicy = {}): Promise<McpHttpRig> {
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
    log: () => undefined,
  });
  const deps = { ...core.deps, policy: () => ({ permissions: 'host' as const, ...policy }) };
  const http = await startShannonMcpHttpServer(deps);
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

/** Builds dist/ with the project's own build script (what `npm run build` runs). */
export function buildBundles(): void {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node esbuild.mjs failed (${r.status}):\n${r.stderr}`);
}

export interface McpStdioRig {
  api: FakeAnthropicApi;
  claude: HermeticClaudeEnv;
  workspace: string;
  dataDir: string;
  client: Client;
  stderr(): string;
  dispose(): Promise<void>;
}

/** The built `shannon-mcp` spawned with plain Node, talking stdio, the way Claude Desktop runs it. */
export async function startMcpStdioRig(responder?: Responder, extraArgs: string[] = []): Promise<McpStdioRig> {
  const api = await FakeAnthropicApi.start(responder);
  const claude = await hermeticClaudeEnv(api);
  const ws = await tempWorkspace();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-mcp-data-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BUILT_BIN, '--claude', CLAUDE_BIN, '--data-dir', dataDir, ...extraArgs],
    env: claude.env,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    api,
    claude,
    workspace: ws.dir,
    dataDir,
    client,
    stderr: () => stderr,
    async dispose() {
      await client.close().catch(() => undefined);
      await api.close();
      await claude.dispose();
      await ws.dispose();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
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
