/**
 * MCP `search_sessions` with `file`: which sessions edited a file. The real CLI makes the edit
 * (its Write tool, against the fake API), Shannon's store records it, and the tool finds it from
 * the path a caller would give, relative or absolute, with the cursor at the edit call.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { startMcpHttpRig, structured, textOf, type McpHttpRig } from '../support/mcpHarness.js';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });

describe('search_sessions by file', { timeout: 180_000 }, () => {
  let rig: McpHttpRig;
  let client: Client;
  before(async () => {
    rig = await startMcpHttpRig(script());
    client = await rig.connect();
  });
  after(async () => rig?.dispose());

  test('finds the session whose Write created a file, newest first, the cursor at that tool call; a session that only talked is not found', async () => {
    const notes = path.join(rig.workspace, 'docs', 'plan.md');
    rig.api.setResponder(
      script(
        { blocks: [{ type: 'tool_use', name: 'Write', input: { file_path: notes, content: 'the plan\n' } }] },
        text('wrote the plan'),
        text('nothing to edit'),
      ),
    );
    // acceptEdits: the write runs without an ask.
    const writer = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'write the plan about bananas', cwd: rig.workspace, permission_mode: 'acceptEdits', wait: true } }));
    assert.equal(readFileSync(notes, 'utf8'), 'the plan\n', 'the CLI wrote the file');
    const talker = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'talk about bananas', cwd: rig.workspace, wait: true } }));

    const byRelative = structured(await client.callTool({ name: 'search_sessions', arguments: { file: 'docs/plan.md' } }));
    assert.deepEqual(
      byRelative.hits.map((h: any) => [h.session_id, h.tool, h.edits]),
      [[writer.session_id, 'Write', 1]],
    );
    const hit = byRelative.hits[0];
    assert.equal(hit.snippet, `Write ${notes}`);
    assert.ok(Date.parse(hit.edited_at) > Date.now() - 120_000, hit.edited_at);
    // The cursor reads the transcript from the tool call.
    const output = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: writer.session_id, cursor: hit.cursor, format: 'raw' } }));
    assert.equal(output.entries[0].seq, hit.cursor);
    // The entry's message is the CLI's line: { type: 'assistant', message: { content } }.
    const call = output.entries[0].message.message.content[0];
    assert.deepEqual([call.type, call.name, call.input.file_path], ['tool_use', 'Write', notes]);

    const byAbsolute = structured(await client.callTool({ name: 'search_sessions', arguments: { file: notes, cwd: rig.workspace } }));
    assert.deepEqual(byAbsolute.hits.map((h: any) => h.session_id), [writer.session_id]);

    // Words and file together: only the editing session's matches.
    await rig.core.store.settleIndex();
    const words = structured(await client.callTool({ name: 'search_sessions', arguments: { query: 'bananas' } }));
    assert.deepEqual(new Set(words.hits.map((h: any) => h.session_id)), new Set([writer.session_id, talker.session_id]));
    const both = structured(await client.callTool({ name: 'search_sessions', arguments: { query: 'bananas', file: notes } }));
    assert.deepEqual([...new Set(both.hits.map((h: any) => h.session_id))], [writer.session_id]);

    const untouched = await client.callTool({ name: 'search_sessions', arguments: { file: 'README.never' } });
    assert.deepEqual(structured(untouched).hits, []);
    assert.match(textOf(untouched), /Nothing matches edits of README\.never/);
  });

  test('asks for a query or a file when given neither', async () => {
    const result = await client.callTool({ name: 'search_sessions', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /needs `query`, `file` or both/);
  });
});
