/**
 * Fuzzing every MCP tool's arguments, over stdio (the built bin) and Streamable HTTP: random
 * strings, odd unicode, huge strings and arrays, wrong types, missing and extra fields, mixed with
 * valid values (real session and checkpoint ids, the workspace, a symlink out of it) so calls reach
 * deep into the handlers. Every call must come back as a tool result (an `isError` one or not,
 * with inert text), no handler may fail in an unexpected way, and the server must live on.
 *
 * Seeded (SHANNON_FUZZ_SEED to try another run). Sessions run on the fault-injection fake
 * `claude` (test/support/fakeClaude.mjs, answering at once) so no call waits on a model.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { createRandom, type Random } from '../../bench/lib.js';
import { startShannonMcpHttpServer, type McpHttpServer } from '../../src/mcp/http.js';
import { openStandalone, type Standalone } from '../../src/mcp/standalone.js';
import { hasUnsafeChar } from '../support/controlCorpus.js';
import { BUILT_BIN, buildBundles } from '../support/mcpHarness.js';
import { tempWorkspace } from '../support/realCli.js';

const SEED = Number(process.env.SHANNON_FUZZ_SEED ?? 13);
/** SHANNON_FUZZ_LOG=<file>: one line per call (tool, ok or the error), to see what a seed reached. */
const LOG = process.env.SHANNON_FUZZ_LOG;
const CALLS = 300;
const FAKE = path.join(import.meta.dirname, '..', 'support', 'fakeClaude.mjs');

interface Target {
  client: Client;
  workspace: string;
  /** Fails when the server died or logged an uncaught error. */
  assertAlive(): Promise<void>;
  dispose(): Promise<void>;
}

/** Ids and paths the generator mixes in, so some calls get past validation. */
interface Pool {
  sessions: string[];
  checkpoints: string[];
  requests: string[];
  paths: string[];
}

const ODD = ['\u202e', '\u2066', '\x1b[2J', '\x1b]52;c;eA==\x07', '\x00', '\ud800', '\udfff', '\u{e0041}', '👨‍👩‍👧', '\u200d', '\ufeff', '\u0301', '\u2028', '\x9b', '%00', '../', '\\', '"', "'", '`', '$(', '${', '\n', '\r'];

function randomString(r: Random, max = 40): string {
  const n = r.int(0, max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const kind = r.int(0, 5);
    if (kind === 0) s += r.pick(ODD);
    else if (kind === 1) s += String.fromCodePoint(r.int(0, 0x2fff));
    else if (kind === 2) s += String.fromCodePoint(r.int(0x1f300, 0x1faff));
    else s += String.fromCharCode(r.int(0x20, 0x7e));
  }
  return s;
}

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Anything but what the schema asks for, or something odd of the right type. */
function hostile(r: Random): unknown {
  switch (r.int(0, 11)) {
    case 0:
      return randomString(r);
    case 1:
      return 'x'.repeat(r.int(100_000, 300_000));
    case 2:
      return Array.from({ length: r.int(5_000, 20_000) }, (_, i) => (i % 2 ? randomString(r, 8) : i));
    case 3:
      return r.pick([0, -1, 1e308, -1e308, 0.5, 2 ** 53 + 1, 3601]);
    case 4:
      return r.chance(0.5);
    case 5:
      return null;
    case 6:
      return { nested: randomString(r), n: r.int(0, 9) };
    case 7:
      return nested(r.int(50, 400));
    case 8:
      return [randomString(r), null, {}, []];
    case 9:
      return '';
    case 10:
      return r.pick(['__proto__', 'constructor', 'toString', 'NaN', 'undefined', 'null', 'true']);
    default:
      return randomString(r, 4).repeat(r.int(1, 2_000));
  }
}

interface PropSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: PropSchema;
  anyOf?: PropSchema[];
  minimum?: number;
  maximum?: number;
}

/** A value the schema accepts, with the pool's ids and paths where a string is wanted. */
function plausible(r: Random, name: string, schema: PropSchema, pool: Pool): unknown {
  if (schema.enum) return r.pick(schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? schema.anyOf?.[0]?.type);
  switch (type) {
    case 'boolean':
      return r.chance(0.5);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = Math.min(schema.maximum ?? 1_000, 1_000);
      return type === 'integer' ? r.int(Math.ceil(min), Math.floor(max)) : min + r.next() * (max - min);
    }
    case 'array':
      return Array.from({ length: r.int(0, 3) }, () => plausible(r, name, schema.items ?? { type: 'string' }, pool));
    default: {
      if (name === 'session_id' && pool.sessions.length && r.chance(0.8)) return r.pick(pool.sessions);
      if (name === 'checkpoint_id' && pool.checkpoints.length && r.chance(0.8)) return r.pick(pool.checkpoints);
      if (name === 'request_id' && pool.requests.length && r.chance(0.8)) return r.pick(pool.requests);
      if (name === 'cwd') return r.pick(pool.paths);
      if (name === 'allowed_tools' || name === 'items') return r.pick(['Read', 'Grep', 'Bash', 'Bash(*)', 'Read(src/**)', 'Edit']);
      if (name === 'since' || name === 'until') return r.pick(['2026-01-31', '2026-01-31T10:00:00Z', 'yesterday']);
      return r.chance(0.7) ? r.pick(['hello', 'list files', 'fix it', 'checkpoint']) : randomString(r, 12);
    }
  }
}

/**
 * A third of the calls are plausible throughout (they reach the handlers), a quarter have one
 * field wrong or missing, the rest are a free mix of plausible, hostile and missing fields.
 */
function argumentsFor(r: Random, tool: Tool, pool: Pool): Record<string, unknown> {
  const props = Object.entries((tool.inputSchema.properties ?? {}) as Record<string, PropSchema>);
  const profile = r.next();
  const spoiled = profile >= 0.35 && profile < 0.6 && props.length ? r.int(0, props.length - 1) : -1;
  const args: Record<string, unknown> = {};
  props.forEach(([name, schema], i) => {
    if (profile < 0.35) args[name] = plausible(r, name, schema, pool);
    else if (i === spoiled) {
      if (r.chance(0.7)) args[name] = hostile(r);
    } else if (spoiled >= 0) args[name] = plausible(r, name, schema, pool);
    else {
      const roll = r.next();
      if (roll >= 0.15) args[name] = roll < 0.6 ? plausible(r, name, schema, pool) : hostile(r);
    }
  });
  if (r.chance(0.1)) args[randomString(r, 10) || 'extra'] = hostile(r);
  if (r.chance(0.05)) args.__proto__ = { polluted: true };
  // A valid wait blocks for its turn: keep it short so the run is quick (a hostile timeout is refused anyway).
  if (args.wait === true && (typeof args.timeout !== 'number' || args.timeout > 2)) args.timeout = r.pick([0.2, 1, 2]);
  return args;
}

function remember(result: CallToolResult, pool: Pool): void {
  const s = result.structuredContent as Record<string, any> | undefined;
  if (!s || result.isError) return;
  if (typeof s.session_id === 'string' && !pool.sessions.includes(s.session_id)) pool.sessions.push(s.session_id);
  if (typeof s.checkpoint_id === 'string') pool.checkpoints.push(s.checkpoint_id);
  for (const p of (s.pending_permissions ?? []) as Array<{ request_id?: string }>) if (p.request_id) pool.requests.push(p.request_id);
}

async function fuzz(target: Target, seed: number): Promise<{ calls: number; errors: number; byTool: Map<string, number> }> {
  const r = createRandom(seed);
  const { tools } = await target.client.listTools();
  assert.ok(tools.length >= 13, `${tools.length} tools`);
  const pool: Pool = { sessions: [], checkpoints: [], requests: [], paths: [target.workspace, path.join(target.workspace, 'src'), path.join(target.workspace, 'rootlink'), '/', 'relative', '/no/such/dir', path.join(target.workspace, 'file.txt')] };
  const byTool = new Map<string, number>();
  let errors = 0;
  for (let i = 0; i < CALLS; i++) {
    // Early on, prefer calls that fill the pool with real ids.
    const tool = i < 20 && i % 2 === 0 ? tools.find((t) => t.name === (i % 4 === 0 ? 'create_session' : 'create_checkpoint'))! : r.pick(tools);
    const args = tool.name === 'create_session' && i < 20 ? { prompt: `fuzz ${randomString(r, 20)}`, cwd: target.workspace } : argumentsFor(r, tool, pool);
    const what = `call ${i} (seed ${seed}): ${tool.name} ${JSON.stringify(args).slice(0, 300)}`;
    const result = (await target.client.callTool({ name: tool.name, arguments: args }, undefined, { timeout: 60_000 }).catch((err: unknown) => {
      throw new Error(`${what}\nthrew instead of returning a result: ${err instanceof Error ? err.message : String(err)}`);
    })) as CallToolResult;
    assert.ok(Array.isArray(result.content) && result.content.length > 0, `${what}\nno content`);
    for (const c of result.content) {
      assert.equal(c.type, 'text', what);
      const t = (c as { text: string }).text;
      assert.ok(!hasUnsafeChar(t), `${what}\nunsafe text: ${JSON.stringify(t.slice(0, 300))}`);
      assert.doesNotMatch(t, /^\[INTERNAL\]/, `${what}\na handler failed unexpectedly: ${t.slice(0, 500)}`);
    }
    if (result.isError) errors++;
    else assert.ok(result.structuredContent, `${what}\na success without structured content: ${JSON.stringify(result).slice(0, 500)}`);
    if (LOG) appendFileSync(LOG, `${tool.name} ${result.isError ? `ERR ${(result.content[0] as { text: string }).text.slice(0, 120).replace(/\n/g, ' ')}` : 'ok'}\n`);
    remember(result, pool);
    byTool.set(tool.name, (byTool.get(tool.name) ?? 0) + 1);
    if (i % 50 === 49) await target.assertAlive();
  }
  await target.assertAlive();
  return { calls: CALLS, errors, byTool };
}

async function fakeClaude(dir: string): Promise<string> {
  const file = path.join(dir, 'claude');
  writeFileSync(file, `#!/bin/sh\nexport FAKE_CLAUDE_MODE=ok\nexec '${FAKE}' "$@"\n`, { mode: 0o755 });
  return file;
}

function furnish(workspace: string): void {
  mkdirSync(path.join(workspace, 'src'));
  writeFileSync(path.join(workspace, 'file.txt'), 'a file, not a directory\n');
  symlinkSync('/', path.join(workspace, 'rootlink'));
}

function fuzzSuite(name: string, start: () => Promise<Target>): void {
  describe(name, () => {
    let target: Target;
    before(async () => {
      target = await start();
    });
    after(async () => target?.dispose());

    test(`${CALLS} fuzzed calls over every tool: each a result or an isError with inert text, and the server lives on`, async () => {
      const { errors, byTool } = await fuzz(target, SEED);
      const { tools } = await target.client.listTools();
      for (const t of tools) assert.ok((byTool.get(t.name) ?? 0) >= 5, `${t.name} was called ${byTool.get(t.name) ?? 0} times`);
      assert.ok(errors > CALLS / 3 && errors < CALLS, `${errors} of ${CALLS} calls were refused: the mix reaches both sides`);
    });
  });
}

before(() => buildBundles());

fuzzSuite('fuzzing shannon-mcp over stdio', async () => {
  const ws = await tempWorkspace();
  furnish(ws.dir);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-fuzz-data-'));
  const claude = await fakeClaude(dataDir);
  let stderr = '';
  let exited = false;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BUILT_BIN, '--claude', claude, '--data-dir', dataDir, '--workspace', ws.dir, '--permissions', 'client'],
    env: { PATH: process.env.PATH ?? '', HOME: dataDir },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  transport.onclose = () => (exited = true);
  const client = new Client({ name: 'fuzz', version: '1' });
  await client.connect(transport);
  return {
    client,
    workspace: ws.dir,
    async assertAlive() {
      assert.equal(exited, false, `the server exited; stderr:\n${stderr.slice(-2000)}`);
      await client.listTools();
      assert.doesNotMatch(stderr, /uncaught|unhandled|failed unexpectedly/i, stderr.slice(-2000));
    },
    async dispose() {
      await client.close().catch(() => undefined);
      await ws.dispose();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
});

fuzzSuite('fuzzing the in-host server over Streamable HTTP', async () => {
  const ws = await tempWorkspace();
  furnish(ws.dir);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-fuzz-data-'));
  const logged: string[] = [];
  const core: Standalone = await openStandalone({ dataDir, claudePath: await fakeClaude(dataDir), workspaceFolders: [ws.dir], log: (m) => logged.push(m) });
  const http: McpHttpServer = await startShannonMcpHttpServer({ ...core.deps, policy: () => ({ permissions: 'client' }), log: (m) => logged.push(m) });
  const client = new Client({ name: 'fuzz', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${http.token}` } } }));
  return {
    client,
    workspace: ws.dir,
    async assertAlive() {
      await client.listTools();
      assert.deepEqual(logged.filter((m) => /failed unexpectedly|request failed/.test(m)), []);
    },
    async dispose() {
      await client.close().catch(() => undefined);
      await http.dispose();
      await core.dispose();
      await ws.dispose();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
});
