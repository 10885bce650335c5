/**
 * Shannon's MCP server over Streamable HTTP (the in-host server the extension starts), driven by
 * the SDK's own Client, with the real CLI behind it and the fake API behind that.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { startMcpHttpRig, structured, textOf, type McpHttpRig } from '../support/mcpHarness.js';
import { hasUnsafeChar } from '../support/controlCorpus.js';
import { waitUntil } from '../support/engine.js';

const text = (t: string, extra: Partial<Reply> = {}): Reply => ({ blocks: [{ type: 'text', text: t }], ...extra });
const slow = (t: string): Reply => text(t, { chunkSize: 4, chunkDelayMs: 60 });

const TOOLS = [
  'cancel_session',
  'create_checkpoint',
  'create_session',
  'discard_session_changes',
  'find_claude_binary',
  'get_session',
  'get_session_changes',
  'get_session_output',
  'get_usage',
  'interrupt_session',
  'list_agents',
  'list_checkpoints',
  'list_sessions',
  'merge_session_changes',
  'restore_checkpoint',
  'search_sessions',
  'send_message',
  'set_model',
];

describe('MCP over Streamable HTTP', () => {
  let rig: McpHttpRig;
  let client: Client;
  before(async () => {
    rig = await startMcpHttpRig(script());
    client = await rig.connect();
  });
  after(async () => rig?.dispose());

  test('lists the tools of issues 5 and 9 and the session resources', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    for (const tool of tools) {
      assert.ok(tool.description && tool.description.length > 20, `${tool.name} has a description a model can act on`);
      assert.ok(tool.outputSchema, `${tool.name} declares its structured output`);
    }
    const create = tools.find((t) => t.name === 'create_session')!;
    assert.deepEqual(Object.keys(create.inputSchema.properties ?? {}).sort(), ['agent', 'allowed_tools', 'cwd', 'isolation', 'model', 'permission_mode', 'prompt', 'timeout', 'uncommitted', 'wait']);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate).sort(), ['shannon://sessions/{id}', 'shannon://sessions/{id}/transcript']);
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === 'shannon://sessions'));
  });

  test('create_session with wait returns the reply, its cost and tokens, and reports progress on the way', async () => {
    rig.api.setResponder(
      script({ blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo hi', description: 'say hi' } }] }, text('The command printed hi.', { chunkSize: 3, chunkDelayMs: 120 })),
    );
    const progress: string[] = [];
    const result = await client.callTool(
      { name: 'create_session', arguments: { prompt: 'run echo hi', cwd: rig.workspace, wait: true, timeout: 60 } },
      undefined,
      { onprogress: (p) => progress.push(p.message ?? ''), timeout: 90_000 },
    );
    const out = structured(result);
    assert.equal(out.turn.status, 'completed');
    assert.equal(out.turn.text, 'The command printed hi.');
    assert.ok(out.turn.cost_usd > 0, 'the turn has a cost');
    assert.equal(out.turn.input_tokens, 200, 'two API calls of 100 input tokens');
    assert.equal(out.turn.output_tokens, 40);
    assert.equal(out.state, 'idle');
    assert.match(textOf(result), /The command printed hi\./);
    assert.ok(progress.some((m) => /using Bash: echo hi/.test(m)), `a progress message names the tool in use: ${JSON.stringify(progress)}`);
    assert.ok(progress.some((m) => /The command/.test(m)), `a progress message carries the text so far: ${JSON.stringify(progress)}`);
    const record = rig.core.manager.get(out.session_id)!;
    assert.equal(record.origin, 'mcp');
    await rig.core.manager.cancel(out.session_id);
  });

  test('send_message continues the conversation, and get_session_output with a cursor returns only what is new', async () => {
    rig.api.setResponder(script(text('first answer'), text('second answer'), text('third answer')));
    const created = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'first question', cwd: rig.workspace, wait: true } }));
    const id: string = created.session_id;
    assert.equal(created.turn.text, 'first answer');

    const second = structured(await client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'second question', wait: true } }));
    assert.equal(second.turn.text, 'second answer');
    assert.deepEqual(rig.api.mainTurns.at(-1)!.allUserTexts.slice(-2), ['first question', 'second question']);

    const all = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id } }));
    assert.match(all.text, /You: first question[\s\S]*Claude: first answer[\s\S]*You: second question[\s\S]*Claude: second answer/);
    assert.equal(all.has_more, false);

    await client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'third question', wait: true } });
    const fresh = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id, cursor: all.next_cursor } }));
    assert.match(fresh.text, /You: third question[\s\S]*Claude: third answer/);
    assert.doesNotMatch(fresh.text, /first|second/);
    assert.ok(fresh.next_cursor > all.next_cursor);

    const raw = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id, cursor: all.next_cursor, format: 'raw' } }));
    assert.ok(raw.entries.some((e: any) => e.type === 'result' && e.message.result === 'third answer'));

    const capped = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id, max_chars: 200 } }));
    assert.equal(capped.has_more, true);
    assert.ok(capped.next_cursor > 0 && capped.next_cursor < fresh.next_cursor, 'a capped read stops early, at an entry boundary');
    const rest = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id, cursor: capped.next_cursor } }));
    assert.match(rest.text, /third answer/, 'reading on from next_cursor gets the rest');
    await client.callTool({ name: 'cancel_session', arguments: { session_id: id } });
  });

  test('two identical messages sent at once each wait for their own turn', async () => {
    rig.api.setResponder(script(text('hello'), slow('answer one'), text('answer two')));
    const created = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'start', cwd: rig.workspace, wait: true } }));
    const id: string = created.session_id;
    const [a, b] = await Promise.all([
      client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'again', wait: true } }),
      client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'again', wait: true } }),
    ]).then((rs) => rs.map(structured));
    assert.deepEqual([a.turn.text, b.turn.text].sort(), ['answer one', 'answer two']);
    await client.callTool({ name: 'cancel_session', arguments: { session_id: id } });
  });

  test('interrupt_session stops the running turn and the session stays usable; cancel_session ends it; send_message resumes it', async () => {
    rig.api.setResponder(script(slow('a very long story '.repeat(30)), text('back again')));
    const created = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'tell a long story', cwd: rig.workspace } }));
    const id: string = created.session_id;
    await rig.api.waitForMainTurns(rig.api.mainTurns.length + 1);
    await waitUntil(() => rig.core.manager.get(id)!.state === 'running', 10_000, 'the turn to run');
    await new Promise((r) => setTimeout(r, 200)); // let the reply start streaming
    const interrupted = structured(await client.callTool({ name: 'interrupt_session', arguments: { session_id: id } }));
    assert.equal(interrupted.state, 'idle');

    const next = structured(await client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'are you there?', wait: true } }));
    assert.equal(next.turn.text, 'back again');

    const cancelled = structured(await client.callTool({ name: 'cancel_session', arguments: { session_id: id } }));
    assert.equal(cancelled.state, 'cancelled');
    const session = structured(await client.callTool({ name: 'get_session', arguments: { session_id: id } }));
    assert.equal(session.session.state, 'cancelled');

    rig.api.setResponder(script(text('resumed and remembering')));
    const resumed = structured(await client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'still there?', wait: true } }));
    assert.equal(resumed.turn.text, 'resumed and remembering');
    assert.match(resumed.note, /resumed/);
    assert.ok(rig.api.mainTurns.at(-1)!.allUserTexts.includes('tell a long story'), 'the resumed process has the earlier conversation');
    await client.callTool({ name: 'cancel_session', arguments: { session_id: id } });
  });

  test('cancelling a waiting tool call interrupts the turn', async () => {
    rig.api.setResponder(script(text('ready'), slow('an endless answer '.repeat(40)), text('after the cancel')));
    const created = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'get ready', cwd: rig.workspace, wait: true } }));
    const id: string = created.session_id;
    const turns = rig.api.mainTurns.length;
    const controller = new AbortController();
    const call = client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'write forever', wait: true } }, undefined, { signal: controller.signal });
    await rig.api.waitForMainTurns(turns + 1);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort('the user changed their mind');
    await assert.rejects(call);
    await waitUntil(() => rig.core.manager.get(id)!.state === 'idle', 10_000, 'the turn to end');
    const output = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: id, format: 'raw' } }));
    const results = output.entries.filter((e: any) => e.type === 'result');
    assert.equal(results.at(-1).message.subtype, 'error_during_execution', 'the turn was interrupted');
    await client.callTool({ name: 'cancel_session', arguments: { session_id: id } });
  });

  test('a wait that times out returns what is known and leaves the session running', async () => {
    rig.api.setResponder(script({ blocks: [], hang: true }));
    const result = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'never answered', cwd: rig.workspace, wait: true, timeout: 1.5 } }));
    assert.equal(result.turn.status, 'timed_out');
    assert.match(result.note, /keeps going/);
    assert.equal(rig.core.manager.get(result.session_id)!.state, 'running');
    await client.callTool({ name: 'cancel_session', arguments: { session_id: result.session_id } });
  });

  test('control sequences in what Claude says reach the MCP client visible and inert', async () => {
    const hostile = 'Done.\x1b[2J\x1b]0;pwned\x07 \x1b]52;c;ZXZpbA==\x07 \u202eexe.txt \x1b[31mred\x1b[0m 👨‍👩‍👧';
    rig.api.setResponder(script(text(hostile)));
    const progress: string[] = [];
    const result = await client.callTool({ name: 'create_session', arguments: { prompt: 'say something \x1b[2J', cwd: rig.workspace, wait: true } }, undefined, {
      onprogress: (p) => progress.push(p.message ?? ''),
    });
    const out = structured(result);
    for (const t of [textOf(result), out.turn.text, out.title, ...progress]) assert.ok(!hasUnsafeChar(t), JSON.stringify(t));
    assert.equal(out.turn.text, 'Done.\\u001b[2J\\u001b]0;pwned\\u0007 \\u001b]52;c;ZXZpbA==\\u0007 \\u202eexe.txt red 👨‍👩‍👧');
    const read = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: out.session_id } }));
    assert.ok(!hasUnsafeChar(read.text) && read.text.includes('\\u001b]52;c;'), read.text);
    const raw = await client.callTool({ name: 'get_session_output', arguments: { session_id: out.session_id, format: 'raw' } });
    assert.ok(!hasUnsafeChar(textOf(raw)));
    const stored = structured(raw).entries.find((e: any) => e.type === 'result');
    assert.equal(stored.message.result, hostile, 'raw entries are the stream-json as stored');
    await client.callTool({ name: 'cancel_session', arguments: { session_id: out.session_id } });
  });

  test('bad arguments and unknown sessions come back as isError results that say what to do', async () => {
    const missing = await client.callTool({ name: 'create_session', arguments: { cwd: rig.workspace } });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /prompt/);

    const unknown = await client.callTool({ name: 'send_message', arguments: { session_id: 'no-such-session', content: 'hi' } });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /SESSION_NOT_FOUND.*list_sessions/);

    const bypass = await client.callTool({ name: 'create_session', arguments: { prompt: 'x', cwd: rig.workspace, permission_mode: 'bypassPermissions' } });
    assert.equal(bypass.isError, true);
    assert.match(textOf(bypass), /bypassPermissions.*at most "auto"/);

    const nowhere = await client.callTool({ name: 'create_session', arguments: { prompt: 'x', cwd: '/no/such/dir' } });
    assert.equal(nowhere.isError, true);
    assert.match(textOf(nowhere), /does not exist/);

    const relative = await client.callTool({ name: 'create_session', arguments: { prompt: 'x', cwd: 'relative/dir' } });
    assert.equal(relative.isError, true);
    assert.match(textOf(relative), /absolute/);
  });

  test('find_claude_binary, list_sessions, search_sessions and get_usage answer from the same core', async () => {
    const found = structured(await client.callTool({ name: 'find_claude_binary', arguments: {} }));
    assert.equal(found.found, true);
    assert.match(found.version, /^\d+\.\d+\.\d+$/);

    const live = structured(await client.callTool({ name: 'list_sessions', arguments: { state: 'ended', cwd: rig.workspace } }));
    assert.ok(live.sessions.length >= 3);
    assert.ok(live.sessions.every((s: any) => ['cancelled', 'completed', 'failed', 'timed_out', 'interrupted'].includes(s.state)));

    await rig.core.store.flush();
    await rig.core.store.settleIndex();
    const hits = structured(await client.callTool({ name: 'search_sessions', arguments: { query: 'second answer' } }));
    assert.ok(hits.hits.length >= 1, 'the earlier conversation is found');

    const usage = structured(await client.callTool({ name: 'get_usage', arguments: { group_by: 'workspace_folder' } }));
    const row = usage.rows.find((r: any) => r.key === rig.workspace);
    assert.ok(row && row.turns >= 4 && row.cost_usd > 0, `usage for the folder: ${JSON.stringify(usage.rows)}`);
  });

  test('checkpoint tools: create, list, preview, restore the files and continue the conversation from there', async () => {
    const notes = path.join(rig.workspace, 'notes.txt');
    writeFileSync(notes, 'v1\n');
    rig.api.setResponder(
      script(
        text('ready'),
        // The CLI writes an existing file only after reading it.
        { blocks: [{ type: 'tool_use', name: 'Read', input: { file_path: notes } }] },
        { blocks: [{ type: 'tool_use', name: 'Write', input: { file_path: notes, content: 'v2\n' } }] },
        text('changed'),
        text('back at the checkpoint'),
      ),
    );
    // acceptEdits: the edit runs without an ask (pre-approving Bash is beyond the default cap).
    const created = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'get ready', cwd: rig.workspace, permission_mode: 'acceptEdits', wait: true } }));
    const id: string = created.session_id;
    const checkpoint = structured(await client.callTool({ name: 'create_checkpoint', arguments: { session_id: id, label: 'before the edit' } }));
    assert.equal(checkpoint.label, 'before the edit');
    assert.ok(checkpoint.files >= 1);
    assert.ok(checkpoint.message_uuid, 'the conversation point is the last assistant message');

    const edit = structured(await client.callTool({ name: 'send_message', arguments: { session_id: id, content: 'change the file', wait: true } }));
    assert.equal(edit.turn.text, 'changed');
    assert.equal(readFileSync(notes, 'utf8'), 'v2\n');

    const listed = structured(await client.callTool({ name: 'list_checkpoints', arguments: { session_id: id } }));
    assert.deepEqual(listed.checkpoints.map((c: any) => c.checkpoint_id), [checkpoint.checkpoint_id]);
    const preview = structured(await client.callTool({ name: 'restore_checkpoint', arguments: { checkpoint_id: checkpoint.checkpoint_id, dry_run: true } }));
    assert.deepEqual(preview.changes, [{ path: 'notes.txt', change: 'modified' }]);
    assert.equal(readFileSync(notes, 'utf8'), 'v2\n', 'a dry run changes nothing');

    const restored = structured(await client.callTool({ name: 'restore_checkpoint', arguments: { checkpoint_id: checkpoint.checkpoint_id } }));
    assert.equal(readFileSync(notes, 'utf8'), 'v1\n');
    assert.ok(restored.session_id && restored.session_id !== id);
    const next = structured(await client.callTool({ name: 'send_message', arguments: { session_id: restored.session_id, content: 'where are we?', wait: true } }));
    assert.equal(next.turn.text, 'back at the checkpoint');
    const seen = rig.api.mainTurns.at(-1)!.allUserTexts;
    assert.ok(seen.includes('get ready') && !seen.includes('change the file'), `the fork starts at the checkpoint: ${JSON.stringify(seen)}`);
    await client.callTool({ name: 'cancel_session', arguments: { session_id: id } });
    await client.callTool({ name: 'cancel_session', arguments: { session_id: restored.session_id } });
  });

  test('resources: read the list, a session and its transcript; subscribers hear about changes', async () => {
    const watcher = await rig.connect('watcher');
    const listChanged: unknown[] = [];
    const updated: string[] = [];
    watcher.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => void listChanged.push(n));
    watcher.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await watcher.subscribeResource({ uri: 'shannon://sessions' });

    rig.api.setResponder(script(text('resource answer')));
    const created = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'resource question', cwd: rig.workspace, wait: true } }));
    const id: string = created.session_id;
    await waitUntil(() => listChanged.length > 0, 5_000, 'resources/list_changed');
    await waitUntil(() => updated.includes('shannon://sessions'), 5_000, 'resources/updated for the list');

    await watcher.subscribeResource({ uri: `shannon://sessions/${id}` });
    await watcher.subscribeResource({ uri: `shannon://sessions/${id}/transcript` });
    const list = await watcher.readResource({ uri: 'shannon://sessions' });
    assert.ok(JSON.parse((list.contents[0] as { text: string }).text).some((s: any) => s.session_id === id));
    const one = await watcher.readResource({ uri: `shannon://sessions/${id}` });
    assert.equal(JSON.parse((one.contents[0] as { text: string }).text).state, 'idle');
    const transcript = await watcher.readResource({ uri: `shannon://sessions/${id}/transcript` });
    assert.match((transcript.contents[0] as { text: string }).text, /You: resource question[\s\S]*Claude: resource answer/);

    await client.callTool({ name: 'cancel_session', arguments: { session_id: id } });
    await waitUntil(() => updated.includes(`shannon://sessions/${id}`), 5_000, 'resources/updated for the session');
    const { resources } = await watcher.listResources();
    assert.ok(resources.some((r) => r.uri === `shannon://sessions/${id}`));
    await assert.rejects(watcher.readResource({ uri: 'shannon://sessions/unknown-id' }), /no session/);
  });
});

describe('the HTTP endpoint is only for the holder of the token, from this machine', () => {
  let rig: McpHttpRig;
  before(async () => {
    rig = await startMcpHttpRig();
  });
  after(async () => rig?.dispose());

  const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  function post(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const url = new URL(rig.http.url);
      const req = http.request(
        { host: '127.0.0.1', port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(initialize);
    });
  }

  test('binds to loopback with a random token', () => {
    assert.match(rig.http.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.ok(rig.http.token.length >= 32);
  });

  test('a request without the token, or with a wrong one, gets 401', async () => {
    assert.equal(await post({}), 401);
    assert.equal(await post({ authorization: 'Bearer not-the-token' }), 401);
    assert.equal(await post({ authorization: `Bearer ${rig.http.token}` }), 200);
  });

  test('a foreign Origin or Host is refused even with the token (DNS rebinding)', async () => {
    const auth = { authorization: `Bearer ${rig.http.token}` };
    assert.equal(await post({ ...auth, origin: 'https://evil.example' }), 403);
    assert.equal(await post({ ...auth, host: `evil.example:${rig.http.port}` }), 403);
    assert.equal(await post({ ...auth, origin: 'null' }), 403);
    assert.equal(await post({ ...auth, origin: `http://localhost:${rig.http.port}` }), 200);
  });

  test('the SDK client without the token cannot connect', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const client = new Client({ name: 'no-token', version: '1' });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(rig.http.url))), /401|Unauthorized/);
  });
});
