/**
 * How fast `shannon-mcp` is ready for a client, and what the real Claude Code CLI sees of it.
 * The CLI in `-p` mode waits only about 2 s for MCP servers that are not `alwaysLoad` and
 * silently leaves slower ones out of the first turn (test/fixtures/cli/README.md, "MCP servers").
 *
 * - spawn → MCP `initialize` answered → `tools/list`, with the SDK's own client, for the bundle as
 *   `npm run build` makes it and as `npm run package` ships it (minified), the latter with and
 *   without Node's compile cache (what the `dist/mcp-server.cjs` stub, src/mcp/start.cjs, turns on);
 * - `claude -p --mcp-config` starting the shipped server, with and without `alwaysLoad`: when
 *   `system/init` arrives, whether the server is connected then, and whether the model's first
 *   request carries Shannon's tools.
 *
 * Figures only; the comparison runs interleaved in one process so a busy machine slows all alike.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import * as esbuild from 'esbuild';
import { FakeAnthropicApi } from '../test/support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, spawnClaude } from '../test/support/realCli';
import { compare, formatMs, printTable, type BenchContext } from './lib';

const REPO = path.resolve(import.meta.dirname, '..');

export default async function mcpStartupBench(ctx: BenchContext): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'shannon-bench-mcp-'));
  try {
    const dev = await bundle(out, 'dev', false);
    const shipped = await bundle(out, 'shipped', true);
    const cacheDir = path.join(out, 'compile-cache');
    const rounds = ctx.args.iterations ?? 8;

    const initialize = async (file: string, env: Record<string, string>) => {
      const data = mkdtempSync(path.join(out, 'data-'));
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [file, '--data-dir', data, '--claude', CLAUDE_BIN], env: { ...(process.env as Record<string, string>), ...env }, stderr: 'ignore' }));
      await client.listTools();
      await client.close();
    };
    const results = await compare(
      [
        { name: 'npm run build bundle', run: () => initialize(dev.entry, { NODE_DISABLE_COMPILE_CACHE: '1' }) },
        { name: 'shipped, no compile cache', run: () => initialize(shipped.entry, { NODE_DISABLE_COMPILE_CACHE: '1' }) },
        { name: 'shipped (compile cache)', run: () => initialize(shipped.entry, { NODE_COMPILE_CACHE: cacheDir }) },
        { name: 'node -e 0 (floor)', run: () => nodeNothing() },
      ],
      { rounds, warmupRounds: 1 },
    );
    ctx.log('spawn → initialize → tools/list, SDK client (wall ms):');
    printTable(
      ctx,
      ['variant', 'median', 'min', 'max'],
      [...results.values()].map((t) => [t.name, formatMs(t.median), formatMs(t.min), formatMs(t.max)]),
    );

    // What the real CLI makes of it.
    const api = await FakeAnthropicApi.start((req) => ({ blocks: [{ type: 'text', text: `${(req.body?.tools ?? []).filter((t: { name: string }) => t.name.startsWith('mcp__shannon__')).length}` }] }));
    const claude = await hermeticClaudeEnv(api);
    const ws = mkdtempSync(path.join(out, 'ws-'));
    const rows: string[][] = [];
    try {
      const configs: Array<[string, (data: string) => string[]]> = [
        ['no MCP server (baseline)', () => []],
        ['a server that never answers', () => ['--mcp-config', JSON.stringify({ mcpServers: { shannon: { command: process.execPath, args: ['-e', 'process.stdin.resume()'] } } })]],
        ['shannon-mcp', (data) => ['--mcp-config', serverConfig(shipped.entry, data, cacheDir, false)]],
        ['shannon-mcp, alwaysLoad: true', (data) => ['--mcp-config', serverConfig(shipped.entry, data, cacheDir, true)]],
      ];
      const seen = new Map<string, Array<{ initMs: number; status: string | undefined; tools: number }>>(configs.map(([name]) => [name, []]));
      for (let i = 0; i < Math.max(3, Math.ceil(rounds / 2)); i++) {
        for (const [name, args] of configs) {
          const data = mkdtempSync(path.join(out, 'data-'));
          const started = performance.now();
          const run = spawnClaude(claude.env, ws, [...args(data), '--output-format', 'stream-json', '--verbose', 'how many tools?'], ['-p']);
          const init = await run.waitFor((m) => m.type === 'system' && m.subtype === 'init', 60_000);
          const initMs = performance.now() - started;
          const result = await run.waitFor((m) => m.type === 'result', 60_000);
          await run.dispose();
          const status = (init.mcp_servers as Array<{ name: string; status: string }>).find((s) => s.name === 'shannon')?.status;
          seen.get(name)!.push({ initMs, status, tools: Number(result.result) || 0 });
        }
      }
      for (const [name, runs] of seen) {
        const sorted = runs.map((s) => s.initMs).sort((a, b) => a - b);
        const statuses = [...new Set(runs.map((r) => r.status ?? '—'))].join(', ');
        rows.push([name, formatMs(sorted[sorted.length >> 1]!), statuses, `${runs.filter((s) => s.tools > 0).length}/${runs.length} (${Math.max(...runs.map((s) => s.tools))} tools)`]);
      }
    } finally {
      await api.close();
      await claude.dispose();
    }
    ctx.log('\nclaude -p --mcp-config starting the shipped shannon-mcp:');
    printTable(ctx, ['config', 'spawn → system/init (median)', 'status at init', "first request has Shannon's tools"], rows);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The bundle and, for the shipped one, the stub that turns the compile cache on first. */
async function bundle(out: string, name: string, production: boolean): Promise<{ entry: string }> {
  const dir = path.join(out, name);
  mkdirSync(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(REPO, 'src/mcp/bin.ts')],
    outfile: path.join(dir, 'mcp-server-main.cjs'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: production,
    keepNames: true,
    logLevel: 'error',
  });
  copyFileSync(path.join(REPO, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(dir, 'sql-wasm.wasm'));
  const entry = path.join(dir, 'mcp-server.cjs');
  copyFileSync(path.join(REPO, 'src/mcp/start.cjs'), entry);
  return { entry };
}

function serverConfig(entry: string, data: string, cacheDir: string, alwaysLoad: boolean): string {
  return JSON.stringify({ mcpServers: { shannon: { command: process.execPath, args: [entry, '--data-dir', data, '--claude', CLAUDE_BIN], env: { NODE_COMPILE_CACHE: cacheDir }, ...(alwaysLoad ? { alwaysLoad: true } : {}) } } });
}

function nodeNothing(): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    p.on('exit', () => resolve());
    p.on('error', reject);
  });
}
