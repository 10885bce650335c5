/**
 * The standalone `shannon-mcp`, built by the project's esbuild script and spawned with plain Node
 * over stdio (as Claude Desktop, Cursor or the MCP Inspector run it), with the real CLI behind it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { BUILT_BIN, buildBundles, startMcpStdioRig, structured, textOf, type McpStdioRig } from '../support/mcpHarness.js';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });
/** A Bash command the CLI asks permission for (read-only commands like a bare `echo` never ask). */
const tee = (file: string): Reply => ({ blocks: [{ type: 'tool_use', name: 'Bash', input: { command: `echo hi | tee ${file}`, description: 'write a file' } }] });

before(() => buildBundles());

test('shannon-mcp --help says how to run it', () => {
  const r = spawnSync(process.execPath, [BUILT_BIN, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--data-dir[\s\S]*--claude[\s\S]*--max-concurrent/);
  const bad = spawnSync(process.execPath, [BUILT_BIN, '--permissions', 'maybe'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--permissions takes/);
  const badPriority = spawnSync(process.execPath, [BUILT_BIN, '--priority', 'realtime'], { encoding: 'utf8' });
  assert.equal(badPriority.status, 2);
  assert.match(badPriority.stderr, /--priority takes one of belowNormal, low, normal/);
});

describe('shannon-mcp over stdio (deny policy, the default)', () => {
  let rig: McpStdioRig;
  before(async () => {
    rig = await startMcpStdioRig(script());
  });
  after(async () => rig?.dispose());

  test('lists the tools, starts a session that answers with cost and tokens, and logs only to stderr', async () => {
    const { tools } = await rig.client.listTools();
    assert.ok(tools.some((t) => t.name === 'create_session'));
    assert.ok(!tools.some((t) => t.name === 'respond_permission'), 'nobody answers asks here, so no answering tool');

    rig.api.setResponder(script(text('Hello over stdio.')));
    const out = structured(await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'hello', cwd: rig.workspace, wait: true } }));
    assert.equal(out.turn.status, 'completed');
    assert.equal(out.turn.text, 'Hello over stdio.');
    assert.ok(out.turn.cost_usd > 0);
    assert.equal(out.turn.input_tokens, 100);
    assert.equal(out.turn.output_tokens, 20);
    assert.match(rig.stderr(), /ready/);

    const found = structured(await rig.client.callTool({ name: 'find_claude_binary', arguments: {} }));
    assert.equal(found.source, '--claude');
  });

  test('a tool that needs permission is denied with a message the model can act on; pre-approving Bash is refused by default', async () => {
    rig.api.setResponder(script(tee('denied.txt'), text('I could not write it.')));
    const denied = structured(await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'write denied.txt', cwd: rig.workspace, wait: true } }));
    assert.equal(denied.turn.text, 'I could not write it.');
    const result = rig.api.mainTurns.at(-1)!.toolResults[0]!;
    assert.equal(result.is_error, true);
    assert.match(result.content, /allowed_tools.*now: Read, Glob, Grep.*--allow-tools/);
    assert.equal(existsSync(path.join(rig.workspace, 'denied.txt')), false);

    const turns = rig.api.mainTurns.length;
    const refused = await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'write allowed.txt', cwd: rig.workspace, allowed_tools: ['Bash'], wait: true } });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /^\[NOT_PERMITTED\] allowed_tools "Bash" goes beyond .*--allow-tools/);
    assert.equal(rig.api.mainTurns.length, turns, 'no session ran');
    assert.equal(existsSync(path.join(rig.workspace, 'allowed.txt')), false);
  });

  test('sessions survive a restart of the server: the data directory is the store', async () => {
    const before = structured(await rig.client.callTool({ name: 'list_sessions', arguments: {} })).sessions.length;
    assert.ok(before >= 2);
    const client = await rig.restart();
    const after = structured(await client.callTool({ name: 'list_sessions', arguments: { cwd: rig.workspace } }));
    assert.equal(after.sessions.length, before);
    const hello = after.sessions.find((s: any) => s.title === 'hello');
    const output = await client.callTool({ name: 'get_session_output', arguments: { session_id: hello.session_id } });
    assert.match(textOf(output), /Hello over stdio\./);
  });
});

describe('shannon-mcp --permissions client', () => {
  let rig: McpStdioRig;
  before(async () => {
    rig = await startMcpStdioRig(script(), ['--permissions', 'client']);
  });
  after(async () => rig?.dispose());

  test('a waiting call returns the permission ask, and respond_permission lets the turn finish', async () => {
    rig.api.setResponder(script(tee('asked.txt'), text('Done writing.')));
    const asked = structured(await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'write asked.txt', cwd: rig.workspace, wait: true } }));
    assert.equal(asked.turn.status, 'awaiting_permission');
    assert.equal(asked.state, 'awaiting_permission');
    const ask = asked.pending_permissions[0];
    assert.equal(ask.tool_name, 'Bash');
    assert.match(ask.input.command, /tee asked\.txt/);

    const listed = structured(await rig.client.callTool({ name: 'list_pending_permissions', arguments: {} }));
    assert.equal(listed.pending_permissions[0].request_id, ask.request_id);

    const done = structured(
      await rig.client.callTool({ name: 'respond_permission', arguments: { session_id: asked.session_id, request_id: ask.request_id, decision: 'allow', wait: true } }),
    );
    assert.equal(done.turn.status, 'completed');
    assert.equal(done.turn.text, 'Done writing.');
    assert.equal(existsSync(path.join(rig.workspace, 'asked.txt')), true);
  });
});

describe('shannon-mcp without a working claude', () => {
  let rig: McpStdioRig;
  before(async () => {
    rig = await startMcpStdioRig(script(), ['--claude', '/no/such/claude']);
  });
  after(async () => rig?.dispose());

  test('find_claude_binary says why, and create_session is an isError result that says what to do', async () => {
    const found = structured(await rig.client.callTool({ name: 'find_claude_binary', arguments: {} }));
    assert.equal(found.found, false);
    assert.equal(found.problem.code, 'CLAUDE_NOT_FOUND');
    const created = await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'hello', cwd: rig.workspace } });
    assert.equal(created.isError, true);
    assert.match(textOf(created), /^\[CLAUDE_NOT_FOUND\] .*--claude/);
    const still = await rig.client.callTool({ name: 'list_sessions', arguments: {} });
    assert.equal(still.isError, undefined, 'the server carries on');
  });
});
