/**
 * Many sessions at once over MCP (issue 8, item 1): five parallel `create_session` calls with
 * `wait` in one folder, at the default limit of three sessions at work per folder. Idle
 * sessions hold no slot, so the two that queue start as soon as the first turns end, and every
 * call comes back with its answer. `shannon-mcp` over stdio, the SDK's client, the real CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Reply, Responder } from '../support/fakeAnthropic.js';
import { sideCallReply } from '../support/fakeAnthropic.js';
import { buildBundles, startMcpStdioRig, structured, type McpStdioRig } from '../support/mcpHarness.js';

/** Each task answers with its own name, slowly enough that the first three are still at work when the last two arrive. */
const responder: Responder = (req): Reply => {
  if (!req.isMainTurn) return sideCallReply(req);
  return { blocks: [{ type: 'text', text: `Answer to ${req.latestUserText}` }], chunkSize: 8, chunkDelayMs: 100 };
};

describe('five MCP sessions started at once in one folder', { timeout: 240_000 }, () => {
  let rig: McpStdioRig;
  before(async () => {
    buildBundles();
    rig = await startMcpStdioRig(responder);
  });
  after(async () => rig?.dispose());

  test('all five are answered, without anyone ending a session', async () => {
    const tasks = ['task one', 'task two', 'task three', 'task four', 'task five'];
    const results = await Promise.all(
      tasks.map((prompt) =>
        rig.client.callTool({ name: 'create_session', arguments: { prompt, cwd: rig.workspace, wait: true, timeout: 120 } }).then((r) => structured(r)),
      ),
    );
    for (const [i, out] of results.entries()) {
      assert.equal(out.turn.status, 'completed', `${tasks[i]}: ${JSON.stringify(out)}`);
      assert.equal(out.turn.text, `Answer to ${tasks[i]}`);
      assert.equal(out.state, 'idle');
    }
    assert.equal(new Set(results.map((r) => r.session_id)).size, 5);
    // All five still open: none was ended to make room.
    const sessions = structured(await rig.client.callTool({ name: 'list_sessions', arguments: { state: 'live' } })).sessions as Array<{ state: string }>;
    assert.equal(sessions.length, 5);
  });

  test('a wait that ends while the session still queues says queued, with why, never "still running"', async () => {
    // Three slow turns hold the folder's three slots; a fourth with a short wait must queue.
    const slow: Responder = (req) => (req.isMainTurn ? { blocks: [{ type: 'text', text: 'Slow answer '.repeat(30) }], chunkSize: 6, chunkDelayMs: 150 } : sideCallReply(req));
    rig.api.setResponder(slow);
    const busy = ['hold one', 'hold two', 'hold three'].map((prompt) => rig.client.callTool({ name: 'create_session', arguments: { prompt, cwd: rig.workspace, wait: true, timeout: 120 } }));
    // Each create answers once its session runs (or queues): wait until three are running.
    for (;;) {
      const live = structured(await rig.client.callTool({ name: 'list_sessions', arguments: { state: 'running' } })).sessions as unknown[];
      if (live.length >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const queued = await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'the fourth', cwd: rig.workspace, wait: true, timeout: 1 } });
    const out = structured(queued);
    assert.equal(out.state, 'queued');
    assert.equal(out.turn.status, 'queued');
    assert.match(out.note, /Queued: 3 at work in this folder, limit 3 — it starts when one of them finishes its turn\./);
    const text = (queued as { content: Array<{ text: string }> }).content[0]!.text;
    assert.doesNotMatch(text, /Still running/);
    const shown = structured(await rig.client.callTool({ name: 'get_session', arguments: { session_id: out.session_id } }));
    assert.equal(shown.session.state, 'queued');
    for (const r of await Promise.all(busy)) assert.equal(structured(r).turn.status, 'completed');
  });
});
