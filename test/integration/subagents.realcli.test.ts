/**
 * A subagent run (the Agent tool) with the real CLI, through Shannon's core and MCP: the offline
 * demo's `agent` step makes the main model call Agent, and the subagent — the CLI's own second
 * conversation, told apart by its prompt — lists the folder with `ls` and reports back.
 * The entries Shannon keeps carry the Agent call's id as parentToolUseId (also when read back from
 * the store), the CLI's task_* lines are there, and the text MCP hands out marks the subagent's lines.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { toolUses } from '../../src/core/transcript/blocks.js';
import { SUBAGENT_PREFIX } from '../../src/core/transcript/render.js';
import { subagentEvent } from '../../src/core/transcript/subagents.js';
import { demoReply, SUBAGENT_PROMPT } from '../support/demoModel.js';
import { startMcpHttpRig, structured, textOf, type McpHttpRig } from '../support/mcpHarness.js';

describe('a subagent run with the real CLI', { timeout: 120_000 }, () => {
  let rig: McpHttpRig;
  let client: Client;
  let sessionId: string;
  before(async () => {
    rig = await startMcpHttpRig(demoReply);
    client = await rig.connect();
    await writeFile(path.join(rig.workspace, 'alpha.txt'), 'a\n');
    const out = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'agent look around', cwd: rig.workspace, wait: true } }));
    sessionId = out.session_id;
    assert.match(out.turn.text, /The subagent reported back:[\s\S]*alpha\.txt/);
  });
  after(async () => rig?.dispose());

  test('the subagent’s requests reach the API as their own conversation, its prompt first', () => {
    const sub = rig.api.mainTurns.filter((r) => r.allUserTexts[0]?.startsWith(SUBAGENT_PROMPT));
    assert.equal(sub.length, 2, 'ls, then the report');
    assert.equal(sub[1]!.toolResults[0]?.content.includes('alpha.txt'), true);
  });

  test('its entries carry the Agent call’s id, as kept and as read back from the store; task_* lines name it too', async () => {
    const entries = await rig.core.store.readTranscript(sessionId);
    const agentCall = entries.flatMap((e) => (e.parentToolUseId ? [] : toolUses(e.raw))).find((t) => t.name === 'Agent');
    assert.ok(agentCall, 'the main conversation called Agent');
    const nested = entries.filter((e) => e.parentToolUseId === agentCall.id);
    assert.deepEqual(
      nested.map((e) => `${e.type}:${toolUses(e.raw).map((t) => t.name).join(',')}`),
      ['user:', 'assistant:Bash', 'user:'],
      'the prompt, the Bash call and its result are the subagent’s (its text replies are not printed: only the Agent result has them)',
    );
    assert.ok(entries.every((e) => e.parentToolUseId === undefined || e.parentToolUseId === agentCall.id));
    const tasks = entries.map((e) => subagentEvent(e.raw)).filter((t) => t !== undefined);
    assert.deepEqual([...new Set(tasks.map((t) => t.kind))], ['started', 'progress', 'updated', 'finished']);
    assert.ok(tasks.filter((t) => t.kind !== 'updated').every((t) => t.toolUseId === agentCall.id));
    const result = entries.find((e) => e.type === 'user' && !e.parentToolUseId && JSON.stringify(e.raw).includes(agentCall.id));
    const usage = (result?.raw as { tool_use_result?: { totalTokens?: number; usage?: { output_tokens?: number } } }).tool_use_result;
    assert.ok(usage?.totalTokens && usage.usage?.output_tokens, 'the Agent result says what the run used');
  });

  test('get_session_output marks the subagent’s lines', async () => {
    const text = textOf(await client.callTool({ name: 'get_session_output', arguments: { session_id: sessionId } }));
    const lines = text.split('\n');
    assert.ok(lines.some((l) => l.startsWith('→ Agent: ')), text);
    assert.ok(lines.includes(`${SUBAGENT_PREFIX}started (general-purpose): look around`), text);
    assert.ok(lines.some((l) => l.startsWith(`${SUBAGENT_PREFIX}→ Bash: {"command":"ls"`)), text);
    assert.ok(lines.some((l) => l.startsWith(`${SUBAGENT_PREFIX}← result: `) && l.includes('alpha.txt')), text);
    assert.ok(lines.some((l) => l.startsWith(`${SUBAGENT_PREFIX}completed: `)), text);
  });
});
