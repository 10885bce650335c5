/**
 * The in-host HTTP server holds nothing for ever: idle MCP sessions expire, their number is
 * capped, and slow clients are cut off in seconds, while a long `wait` that streams progress
 * over SSE runs to its end. The real CLI and the SDK's own client; times shortened by options.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { waitUntil } from '../support/engine.js';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { startMcpHttpRig, structured, type McpHttpRig } from '../support/mcpHarness.js';

const text = (t: string, extra: Partial<Reply> = {}): Reply => ({ blocks: [{ type: 'text', text: t }], ...extra });

const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

async function rawInitialize(rig: McpHttpRig): Promise<{ status: number; body: string }> {
  const res = await fetch(rig.http.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.http.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: initialize,
  });
  return { status: res.status, body: await res.text() };
}

/** Resolves with how long the server took to close a connection that stalls after `sent`. */
function stall(rig: McpHttpRig, sent: string, giveUpMs: number): Promise<{ closedAfterMs: number | undefined; reply: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let reply = '';
    const socket = net.connect(rig.http.port, '127.0.0.1', () => socket.write(sent));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closedAfterMs: undefined, reply });
    }, giveUpMs);
    socket.on('data', (d) => (reply += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closedAfterMs: Date.now() - started, reply });
    });
  });
}

describe('MCP sessions of the HTTP server expire when idle; slow clients are cut off', () => {
  let rig: McpHttpRig;
  before(async () => {
    rig = await startMcpHttpRig(script(), {}, { http: { idleSessionMs: 1_500, timeouts: { headersMs: 500, requestMs: 1_000, checkEveryMs: 100, sweepEveryMs: 100 } } });
  });
  after(async () => rig?.dispose());

  test('an idle MCP session is closed; its client gets 404 saying so, and a new session works', async () => {
    const client = await rig.connect('idle');
    await client.listTools();
    assert.equal(rig.http.sessionCount, 1);
    await waitUntil(() => rig.http.sessionCount === 0, 5_000, 'the idle session to expire');
    await assert.rejects(client.listTools(), /404|expired/);
    const fresh = await rig.connect('fresh');
    assert.ok((await fresh.listTools()).tools.length > 0);
    await fresh.close();
  });

  test('a wait far longer than the request timeout and the idle time streams progress to its end', async () => {
    const client = await rig.connect('waiting');
    // Three slow tool calls (read-only `echo`: no permission ask), then the answer: about 4 s in all.
    const echo = (word: string): Reply => ({ blocks: [{ type: 'tool_use', name: 'Bash', input: { command: `echo ${word}`, description: `say ${word}` } }], chunkSize: 4, chunkDelayMs: 100 });
    rig.api.setResponder(script(echo('one'), echo('two'), echo('three'), text('a patient answer')));
    const progress: string[] = [];
    const started = Date.now();
    const result = structured(
      await client.callTool({ name: 'create_session', arguments: { prompt: 'take your time', cwd: rig.workspace, wait: true, timeout: 60 } }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ''),
        timeout: 90_000,
      }),
    );
    const tookMs = Date.now() - started;
    assert.equal(result.turn.status, 'completed');
    assert.equal(result.turn.text, 'a patient answer');
    assert.ok(tookMs > 3_000, `the call ran ${tookMs} ms: longer than the 1 s request timeout and the 1.5 s idle time`);
    for (const word of ['one', 'two', 'three']) assert.ok(progress.some((m) => m.includes(`echo ${word}`)), `progress kept streaming: ${JSON.stringify(progress)}`);
    assert.ok((await client.listTools()).tools.length > 0, 'the session is still there right after');
    await client.callTool({ name: 'cancel_session', arguments: { session_id: result.session_id } });
    await client.close();
  });

  test('a client that stalls in its headers or its body is cut off in about a second, not a minute', async () => {
    const headers = await stall(rig, 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', 10_000);
    assert.ok(headers.closedAfterMs !== undefined && headers.closedAfterMs < 3_000, `closed after ${headers.closedAfterMs} ms`);
    const body = await stall(rig, `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${rig.http.token}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"jsonrpc":`, 10_000);
    assert.ok(body.closedAfterMs !== undefined && body.closedAfterMs < 4_000, `closed after ${body.closedAfterMs} ms`);
    assert.match(body.reply, /^HTTP\/1\.1 408/);
  });
});

describe('the number of MCP sessions is capped: the longest idle goes, or a new one is refused when all are busy', () => {
  let rig: McpHttpRig;
  before(async () => {
    rig = await startMcpHttpRig(script(), {}, { http: { maxSessions: 2 } });
  });
  after(async () => rig?.dispose());

  test('a third session evicts the longest idle; with both others busy it is refused with 503 and a clear error', async () => {
    const first = await rig.connect('first');
    const second = await rig.connect('second');
    await second.listTools(); // second is now the more recently active
    const third = await rig.connect('third');
    assert.equal(rig.http.sessionCount, 2);
    await assert.rejects(first.listTools(), /404|expired/, 'the longest idle session was closed');
    await second.listTools();
    await third.listTools();

    rig.api.setResponder(script({ blocks: [], hang: true }, { blocks: [], hang: true }));
    const busy = (client: Client, prompt: string) =>
      client.callTool({ name: 'create_session', arguments: { prompt, cwd: rig.workspace, wait: true, timeout: 60 } }, undefined, { timeout: 90_000 });
    const calls = [busy(second, 'hang one'), busy(third, 'hang two')];
    await rig.api.waitForMainTurns(2);
    const refused = await rawInitialize(rig);
    assert.equal(refused.status, 503);
    assert.match(refused.body, /Too many MCP sessions: all 2 are busy/);

    for (const r of rig.core.manager.list({ states: ['running'] })) await rig.core.manager.cancel(r.id);
    await Promise.all(calls);
    assert.equal((await rawInitialize(rig)).status, 200, 'once a call ends, its session is idle and can make room');
  });
});
