/**
 * The store under hostile input and damaged storage, end to end: a fault-injection `claude`
 * (test/support/fakeClaude.mjs) behind the real core, read back through the store and through
 * the MCP SDK's own client.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startShannonMcpHttpServer } from '../../src/mcp/http.js';
import { openStandalone, type Standalone } from '../../src/mcp/standalone.js';
import { BUILT_BIN, buildBundles, structured, textOf } from '../support/mcpHarness.js';

const FAKE = path.join(import.meta.dirname, '..', 'support', 'fakeClaude.mjs');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true, maxRetries: 5 });
});

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function standalone(dataDir: string, mode: string): Promise<{ core: Standalone; logs: string[] }> {
  const logs: string[] = [];
  const core = await openStandalone({ dataDir, claudePath: FAKE, claudeEnvironment: { FAKE_CLAUDE_MODE: mode }, stop: { stdinGraceMs: 200, termGraceMs: 500 }, log: (m) => logs.push(m) });
  return { core, logs };
}

type Block = { type: string; text?: string };
const blocksOf = (raw: unknown): Block[] => {
  const content = (raw as { message?: { content?: unknown } }).message?.content;
  return Array.isArray(content) ? (content as Block[]) : [];
};
/** What the assistant messages say, in order. */
const textsOf = (entries: ReadonlyArray<{ type: string; raw: unknown }>) =>
  entries.filter((e) => e.type === 'assistant').flatMap((e) => blocksOf(e.raw).flatMap((b) => (b.type === 'text' ? [b.text] : b.type === 'tool_use' ? ['(deep tool use)'] : [])));

describe('a CLI line nested 100,000 deep between two normal messages', { timeout: 120_000 }, () => {
  test('both normal messages are stored and readable through the store and MCP get_session_output (text and raw)', async () => {
    const dataDir = await tempDir('shannon-deep-');
    const workspace = await tempDir('shannon-deep-ws-');
    const { core, logs } = await standalone(dataDir, 'deep-line');
    const http = await startShannonMcpHttpServer({ ...core.deps, policy: () => ({ permissions: 'host' }) });
    const client = new Client({ name: 'deep', version: '1.0.0' });
    let id: string;
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${http.token}` } } }));
      const created = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'hello', cwd: workspace, wait: true } }));
      assert.equal(created.turn.status, 'completed');
      id = created.session_id;
      await core.store.flush();
      assert.deepEqual(textsOf(await core.store.readTranscript(id)), ['before: hello', '(deep tool use)', 'after: hello'], 'the store holds all three, in order');

      const text = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id } }));
      assert.match(text.text, /Claude: before: hello\n→ Probe: \(a value too deeply nested to show\)\nClaude: after: hello/);
      const raw = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id, format: 'raw' } }));
      const assistants = raw.entries.filter((e: { type: string }) => e.type === 'assistant');
      assert.deepEqual(
        assistants.map((e: { message: unknown }) => textsOf([{ type: 'assistant', raw: e.message }])[0] ?? (e.message as { clipped?: boolean }).clipped),
        ['before: hello', true, 'after: hello'],
      );
      assert.deepEqual(
        core.store.warnings.map((w) => w.code),
        [],
      );
      assert.ok(!logs.some((l) => /STORE_|could not save/.test(l)), logs.join('\n'));
    } finally {
      await client.close();
      await http.dispose();
      await core.dispose();
    }
    // From disk, in a new process's store: the lines were written, not only held in memory.
    const again = await standalone(dataDir, 'deep-line');
    try {
      assert.deepEqual(textsOf(await again.core.store.readTranscript(id)), ['before: hello', '(deep tool use)', 'after: hello']);
    } finally {
      await again.core.dispose();
    }
  });
});

describe('the standalone shannon-mcp on damaged storage', { timeout: 180_000 }, () => {
  test('a database path that is a folder and transcripts/ that is a file: it says so and keeps serving', async () => {
    buildBundles();
    const dataDir = await tempDir('shannon-damaged-data-');
    const workspace = await tempDir('shannon-damaged-ws-');
    fs.mkdirSync(path.join(dataDir, 'store.sqlite'));
    fs.writeFileSync(path.join(dataDir, 'transcripts'), 'a file where the transcripts folder belongs');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BUILT_BIN, '--claude', FAKE, '--data-dir', dataDir],
      env: { ...(process.env as Record<string, string>), FAKE_CLAUDE_MODE: 'ok' },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let exited: number | null | undefined;
    const client = new Client({ name: 'damaged', version: '1.0.0' });
    try {
      await client.connect(transport);
      transport.onclose = () => (exited ??= null);
      const ids: string[] = [];
      for (const prompt of ['first', 'second']) {
        const out = structured(await client.callTool({ name: 'create_session', arguments: { prompt, cwd: workspace, wait: true } }));
        assert.equal(out.turn.status, 'completed');
        assert.equal(out.turn.text, `echo: ${prompt}`);
        ids.push(out.session_id);
      }
      const output = await client.callTool({ name: 'get_session_output', arguments: { session_id: ids[0] } });
      assert.match(textOf(output), /echo: first/, 'what memory holds is served');
      const listed = structured(await client.callTool({ name: 'list_sessions', arguments: {} }));
      assert.equal(listed.sessions.length, 2);
      // Past the first flush and its retry: the warnings are out, and the server is still here.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await client.listTools()).tools.length > 0, true);
      assert.match(stderr, /session database: .*store\.sqlite is a folder, not a file/);
      assert.match(stderr, /transcripts is a file, not a folder/);
      assert.doesNotMatch(stderr, /ENOTDIR|EISDIR|Uncaught|at .*\.cjs:\d+/, 'no raw errors, no stack traces');
      assert.equal(exited, undefined, 'the server never exited');
    } finally {
      await client.close();
    }
  });
});
