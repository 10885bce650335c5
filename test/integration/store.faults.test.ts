/**
 * The store under hostile input and damaged storage, end to end: a fault-injection `claude`
 * (test/support/fakeClaude.mjs) behind the real core, read back through the store and through
 * the MCP SDK's own client.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startShannonMcpHttpServer } from '../../src/mcp/http.js';
import { openStandalone, type Standalone } from '../../src/mcp/standalone.js';
import { structured } from '../support/mcpHarness.js';

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
      assert.match(text.text, /Claude: before: hello[\s\S]*not shown: nested too deeply[\s\S]*Claude: after: hello/);
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
