/**
 * Errors the CLI reports inside a turn become the session's error (issue 8, item 3), seen the way
 * an MCP client sees them: `shannon-mcp` over stdio with the SDK's client, the real CLI, and the
 * fake API answering an unknown model the way the real one does (404 not_found_error).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rejectingModels, script, type Reply } from '../support/fakeAnthropic.js';
import { buildBundles, startMcpStdioRig, structured, textOf, type McpStdioRig } from '../support/mcpHarness.js';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });

describe('a session with a model the API does not know', { timeout: 180_000 }, () => {
  let rig: McpStdioRig;
  before(async () => {
    buildBundles();
    rig = await startMcpStdioRig(rejectingModels(['no-such-model-xyz'], script(text('Fine now.'))));
  });
  after(async () => rig?.dispose());

  test('shows the error with its fix; after set_model the next turn in the same session answers', async () => {
    const call = (name: string, args: Record<string, unknown>) => rig.client.callTool({ name, arguments: args });
    const first = await call('create_session', { prompt: 'hello', cwd: rig.workspace, model: 'no-such-model-xyz', wait: true });
    const failed = structured(first);
    assert.equal(failed.turn.status, 'error');
    assert.equal(failed.turn.error.code, 'MODEL_NOT_FOUND');
    assert.equal(failed.turn.error.fix, 'choose-model');
    assert.match(failed.turn.error.message, /"no-such-model-xyz" does not exist/);
    assert.match(failed.turn.error.fix_how, /set_model/);
    // The CLI's own advice ("Run --model") cannot be followed here: it is not passed on as the fix.
    assert.doesNotMatch(failed.turn.error.message, /Run --model/);
    assert.match(textOf(first), /turn error[\s\S]*MODEL_NOT_FOUND[\s\S]*set_model/);
    // The session stays open for the fix.
    assert.equal(failed.state, 'idle');
    const id = failed.session_id as string;

    const shown = structured(await call('get_session', { session_id: id }));
    assert.equal(shown.session.error.code, 'MODEL_NOT_FOUND');
    assert.equal(shown.session.error.fix, 'choose-model');

    // Every turn fails the same way until the model changes.
    const again = structured(await call('send_message', { session_id: id, content: 'still there?', wait: true }));
    assert.equal(again.turn.status, 'error');
    assert.equal(again.turn.error.code, 'MODEL_NOT_FOUND');

    const set = structured(await call('set_model', { session_id: id, model: 'claude-haiku-4-5' }));
    assert.equal(set.model, 'claude-haiku-4-5');
    const fixed = structured(await call('send_message', { session_id: id, content: 'and now?', wait: true }));
    assert.equal(fixed.turn.status, 'completed', JSON.stringify(fixed));
    assert.equal(fixed.turn.text, 'Fine now.');
    assert.equal(rig.api.mainTurns.at(-1)?.body?.model, 'claude-haiku-4-5');
    // Same conversation: the API saw the earlier prompts.
    assert.deepEqual(rig.api.mainTurns.at(-1)?.allUserTexts.slice(-1), ['and now?']);
    assert.ok(rig.api.mainTurns.at(-1)!.allUserTexts.includes('hello'));
    const after = structured(await call('get_session', { session_id: id }));
    assert.equal(after.session.error, undefined);
    assert.equal(after.session.session_id, id);
  });
});
