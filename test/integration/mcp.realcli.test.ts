/**
 * `shannon-mcp` with the real Claude Code CLI as its MCP client (`claude -p --mcp-config …`),
 * the way the issue found it: that client hands the model the JSON of `structuredContent`, and in
 * `-p` mode it waits only about two seconds for servers that are not `alwaysLoad`. The fake API
 * plays the model: it calls Shannon's `get_usage` tool and the test reads what came back in the
 * next request, exactly as a model would.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { emptyMetrics } from '../../src/core/session/types.js';
import { SessionStore } from '../../src/core/store/index.js';
import { FakeAnthropicApi, type RecordedRequest, type Responder } from '../support/fakeAnthropic.js';
import { buildBundles, BUILT_BIN } from '../support/mcpHarness.js';
import { CLAUDE_BIN, hermeticClaudeEnv, spawnClaude, tempWorkspace, type HermeticClaudeEnv } from '../support/realCli.js';

describe('shannon-mcp under the real Claude Code CLI as client', { timeout: 180_000 }, () => {
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let ws: { dir: string; dispose(): Promise<void> };
  let dataDir: string;
  const requests: RecordedRequest[] = [];

  const responder: Responder = (req) => {
    if (!req.isMainTurn) return { blocks: [{ type: 'text', text: 'Test session' }] };
    requests.push(req);
    if (req.toolResults.length > 0) return { blocks: [{ type: 'text', text: 'Read the usage.' }] };
    const tools = (req.body?.tools ?? []) as Array<{ name: string }>;
    if (!tools.some((t) => t.name === 'mcp__shannon__get_usage')) return { blocks: [{ type: 'text', text: 'Shannon is not connected.' }] };
    return { blocks: [{ type: 'tool_use', name: 'mcp__shannon__get_usage', input: { group_by: 'model' } }] };
  };

  before(async () => {
    buildBundles();
    api = await FakeAnthropicApi.start(responder);
    claude = await hermeticClaudeEnv(api);
    ws = await tempWorkspace();
    dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-mcp-cli-data-'));
    // A turn whose cost is a float with binary noise: 0.1 + 0.2.
    const store = await SessionStore.open({ dir: dataDir });
    store.upsertSession({ id: 's1', workspaceFolder: ws.dir, cwd: ws.dir, title: 'Earlier work', options: {}, state: 'completed', createdAt: 1, updatedAt: 2, metrics: emptyMetrics(), origin: 'mcp' });
    for (const [turn, costUsd] of [[1, 0.1], [2, 0.2]] as const) {
      store.recordTurn({ sessionId: 's1', turn, endedAt: Date.now() - 60_000, model: 'claude-haiku-4-5', inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd, durationMs: 1234.5678, durationApiMs: 1000, numTurns: 1, isError: false, subtype: 'success' });
    }
    await store.flush();
    store.dispose();
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    await ws?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('with alwaysLoad the server is connected before the first turn, and the model reads rounded money', async () => {
    const config = JSON.stringify({ mcpServers: { shannon: { command: process.execPath, args: [BUILT_BIN, '--data-dir', dataDir, '--claude', CLAUDE_BIN], alwaysLoad: true } } });
    const run = spawnClaude(claude.env, ws.dir, ['--mcp-config', config, '--allowedTools', 'mcp__shannon__get_usage', '--output-format', 'stream-json', '--verbose', 'What did my sessions cost?'], ['-p']);
    try {
      const init = await run.waitFor((m) => m.type === 'system' && m.subtype === 'init', 60_000);
      assert.deepEqual(
        (init.mcp_servers as Array<{ name: string; status: string }>).filter((s) => s.name === 'shannon'),
        [{ name: 'shannon', status: 'connected' }],
      );
      const result = await run.waitFor((m) => m.type === 'result', 60_000);
      assert.equal(result.result, 'Read the usage.', `stderr: ${run.stderr.slice(-500)}`);
      const read = requests.at(-1)!.toolResults[0]!;
      assert.equal(read.is_error, false);
      // What the model reads is the JSON of structuredContent (the text part is not shown).
      const json = JSON.parse(read.content) as { group_by: string; rows: Array<{ key: string; cost_usd: number; turns: number }>; total_cost_usd: number };
      assert.deepEqual(json.rows, [{ key: 'claude-haiku-4-5', cost_usd: 0.3, turns: 2, input_tokens: 20, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }]);
      assert.equal(json.total_cost_usd, 0.3);
      assert.ok(!read.content.includes('0.30000000000000004'), read.content);
    } finally {
      await run.dispose();
    }
  });
});
