/**
 * Proves the test harness against the real pinned `claude` CLI: the fake API is good enough for a
 * streamed text turn and for a permissioned Bash round trip.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeAnthropicApi, script } from '../support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, spawnClaude, tempWorkspace, type CliRun, type HermeticClaudeEnv } from '../support/realCli';

describe('fake Anthropic API on its own', () => {
  it('answers a non-streaming request with a whole message', async () => {
    const api = await FakeAnthropicApi.start();
    try {
      const res = await fetch(`${api.url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'ping' }] }),
      });
      const body = (await res.json()) as any;
      assert.equal(res.status, 200);
      assert.deepEqual(body.content, [{ type: 'text', text: 'You said: ping' }]);
      assert.equal(body.stop_reason, 'end_turn');
      assert.equal(api.requests[0]!.isMainTurn, false, 'no tools: a side call');
    } finally {
      await api.close();
    }
  });

  it('replies with a scripted error status and releases hanging requests on close', async () => {
    const api = await FakeAnthropicApi.start(script({ blocks: [], status: 529 }, { blocks: [], hang: true }));
    const post = () =>
      fetch(`${api.url}/v1/messages`, {
        method: 'POST',
        body: JSON.stringify({ stream: true, tools: [{ name: 't' }], messages: [{ role: 'user', content: 'x' }] }),
      });
    const first = await post();
    assert.equal(first.status, 529);
    assert.equal(((await first.json()) as any).error.type, 'overloaded_error');
    const hanging = post().then(async (r) => r.text());
    await api.waitForMainTurns(2);
    await api.close();
    await assert.rejects(hanging);
  });
});

describe('real claude CLI against the fake Anthropic API', () => {
  let api: FakeAnthropicApi;
  let hermetic: HermeticClaudeEnv;
  let workspace: { dir: string; dispose(): Promise<void> };
  const runs: CliRun[] = [];

  before(async () => {
    assert.ok(existsSync(CLAUDE_BIN), `pinned CLI missing at ${CLAUDE_BIN}`);
    api = await FakeAnthropicApi.start();
    hermetic = await hermeticClaudeEnv(api);
    workspace = await tempWorkspace();
  });

  after(async () => {
    await Promise.all(runs.map((r) => r.dispose()));
    await api.close();
    await hermetic.dispose();
    await workspace.dispose();
  });

  it('streams a text turn and ends it with a result carrying cost and tokens', async () => {
    api.setResponder(script({ blocks: [{ type: 'text', text: 'Hello from the fake model' }], chunkSize: 5, usage: { input_tokens: 1234, output_tokens: 56 } }));
    const run = spawnClaude(hermetic.env, workspace.dir, ['--include-partial-messages']);
    runs.push(run);
    run.sendUser('say hello');

    const init = await run.waitFor((m) => m.type === 'system' && m.subtype === 'init');
    const result = await run.waitFor((m) => m.type === 'result');

    const deltas = run.messages
      .filter((m) => m.type === 'stream_event' && m.event?.delta?.type === 'text_delta')
      .map((m) => m.event.delta.text as string);
    assert.equal(deltas.join(''), 'Hello from the fake model');
    assert.ok(deltas.length > 1, 'text arrives in several deltas');
    assert.equal(result.subtype, 'success');
    assert.equal(result.result, 'Hello from the fake model');
    assert.equal(result.session_id, init.session_id);
    assert.equal(typeof result.total_cost_usd, 'number');
    assert.equal(result.usage.input_tokens, 1234);
    assert.equal(result.usage.output_tokens, 56);
    assert.equal(api.mainTurns.length, 1);
    assert.equal(api.mainTurns[0]!.latestUserText, 'say hello');

    run.endInput();
    assert.equal((await run.exited).code, 0);
    const transcripts = (await readdir(hermetic.transcriptsDir(workspace.dir))).filter((f) => f.endsWith('.jsonl'));
    assert.deepEqual(transcripts, [`${init.session_id}.jsonl`]);
  });

  // Plain `echo hi` is read-only and the CLI runs it without asking; writing a file needs permission.
  it('runs a Bash tool the host allows via can_use_tool and sends its output back to the model', async () => {
    const before = api.requests.length;
    api.setResponder(
      script(
        { blocks: [{ type: 'text', text: 'Running it.' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo hi | tee hi.txt', description: 'Say hi' } }] },
        { blocks: [{ type: 'text', text: 'The command printed hi.' }] },
      ),
    );
    const run = spawnClaude(hermetic.env, workspace.dir);
    runs.push(run);
    run.sendUser('run echo hi');

    const ask = await run.waitFor((m) => m.type === 'control_request' && m.request?.subtype === 'can_use_tool');
    assert.equal(ask.request.tool_name, 'Bash');
    assert.equal(ask.request.input.command, 'echo hi | tee hi.txt');
    run.send({
      type: 'control_response',
      response: { subtype: 'success', request_id: ask.request_id, response: { behavior: 'allow', updatedInput: ask.request.input } },
    });

    const result = await run.waitFor((m) => m.type === 'result');
    assert.equal(result.subtype, 'success');
    assert.equal(result.result, 'The command printed hi.');
    assert.equal(result.num_turns, 2);

    const turns = api.requests.slice(before).filter((r) => r.isMainTurn);
    assert.equal(turns.length, 2);
    const [toolResult] = turns[1]!.toolResults;
    assert.ok(toolResult, 'second request carries a tool_result');
    assert.equal(toolResult.tool_use_id, ask.request.tool_use_id);
    assert.equal(toolResult.is_error, false);
    assert.match(toolResult.content, /\bhi\b/);
    assert.equal(await readFile(path.join(workspace.dir, 'hi.txt'), 'utf8'), 'hi\n');
    await run.dispose();
  });
});
