/**
 * The session engine against the real Claude Code CLI (pinned) talking to a fake Anthropic API.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InboundMessage } from '../../src/core/protocol/messages.js';
import { textOf } from '../../src/core/transcript/blocks.js';
import type { MessageEvent } from '../../src/core/session/manager.js';
import type { SessionRecord } from '../../src/core/session/types.js';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { groupAlive, startEngine, waitUntil, type Engine } from '../support/engine.js';

const text = (t: string, extra: Partial<Reply> = {}): Reply => ({ blocks: [{ type: 'text', text: t }], ...extra });
const bash = (command: string): Reply => ({ blocks: [{ type: 'tool_use', name: 'Bash', input: { command, description: 'test command' } }] });

function collect(engine: Engine, sessionId: string): MessageEvent[] {
  const seen: MessageEvent[] = [];
  engine.manager.onDidMessage((e) => {
    if (e.sessionId === sessionId) seen.push(e);
  });
  return seen;
}

function kinds(events: MessageEvent[], kind: InboundMessage['kind']): InboundMessage[] {
  return events.filter((e) => e.direction === 'in' && e.message.kind === kind).map((e) => e.message);
}

describe('a session with the real CLI', { timeout: 120_000 }, () => {
  let engine: Engine;
  before(async () => {
    engine = await startEngine();
  });
  after(async () => engine?.dispose());

  test('streams the reply as it is written and ends the turn with cost and tokens', async () => {
    engine.api.setResponder(script(text('Hello from the fake model, streamed in pieces.', { chunkSize: 8 })));
    const record = await engine.manager.create({ prompt: 'say hello', workspaceFolder: engine.workspace, options: { includePartialMessages: true } });
    const events = collect(engine, record.id);
    const turn = await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);

    const deltas = kinds(events, 'stream_event').filter((m) => m.kind === 'stream_event' && (m.message.event as { type: string }).type === 'content_block_delta');
    assert.ok(deltas.length >= 3, `expected several streamed deltas, got ${deltas.length}`);
    const assistant = kinds(events, 'assistant').map((m) => (m.kind === 'assistant' ? textOf(m.message.message.content).text : '')).join('');
    assert.equal(assistant, 'Hello from the fake model, streamed in pieces.');
    assert.equal(turn.metrics.inputTokens, 100);
    assert.equal(turn.metrics.outputTokens, 20);
    assert.ok(turn.metrics.costUsd > 0, 'the turn has a cost');
    const info = engine.manager.get(record.id)!;
    assert.equal(info.state, 'idle');
    assert.match(info.cliSessionId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(info.metrics.turns, 1);
    assert.equal(info.title, 'say hello');
    await engine.manager.cancel(record.id);
  });

  test('runs two turns in one process, the second knowing the first', async () => {
    engine.api.setResponder(script(text('first answer'), text('second answer')));
    const record = await engine.manager.create({ prompt: 'first question', workspaceFolder: engine.workspace });
    await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
    const pid = engine.manager.liveSession(record.id)!.pid;
    const second = engine.manager.waitForTurn(record.id);
    const sent = collect(engine, record.id);
    const uuid = await engine.manager.send(record.id, 'second question');
    const turn = await second;
    // The turn is named by its prompt's uuid, here and in the CLI's own transcript.
    assert.ok(sent.some((e) => e.direction === 'out' && e.message.kind === 'user' && e.message.message.uuid === uuid));
    // Waiting for that turn after it ended still finds it, by the prompt's uuid.
    assert.equal(await engine.manager.waitForTurn(record.id, undefined, uuid), turn);
    assert.equal(turn.promptUuid, uuid);

    assert.equal(engine.manager.liveSession(record.id)!.pid, pid, 'same process');
    assert.deepEqual(engine.api.mainTurns.at(-1)!.allUserTexts.slice(-2), ['first question', 'second question']);
    assert.equal(turn.metrics.turn, 2);
    const info = engine.manager.get(record.id)!;
    assert.equal(info.metrics.turns, 2);
    assert.ok(Math.abs(info.metrics.costUsd - 0.002) < 1e-9, `two turns cost the sum of both (${info.metrics.costUsd})`);
    await engine.manager.end(record.id);
    const cliId = engine.manager.get(record.id)!.cliSessionId!;
    assert.match(readFileSync(path.join(engine.claude.transcriptsDir(engine.workspace), `${cliId}.jsonl`), 'utf8'), new RegExp(`"uuid":"${uuid}"`));
  });

  test('asks before running a tool, runs it when allowed, and reports the real output', async () => {
    // Read-only commands never ask (fixtures README); writing a file does.
    engine.api.setResponder(script(bash('echo shannon-was-here | tee out.txt'), text('It printed the words.')));
    const asks: string[] = [];
    const sub = engine.manager.onDidRequestPermission((ask) => {
      asks.push(`${ask.toolName}:${String(ask.input.command)}`);
      engine.manager.respondToPermission(ask.sessionId, ask.requestId, { behavior: 'allow' });
    });
    const record = await engine.manager.create({ prompt: 'run a command', workspaceFolder: engine.workspace });
    await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
    sub.dispose();
    assert.deepEqual(asks, ['Bash:echo shannon-was-here | tee out.txt']);
    assert.equal(readFileSync(path.join(engine.workspace, 'out.txt'), 'utf8'), 'shannon-was-here\n');
    const results = engine.api.mainTurns.at(-1)!.toolResults;
    assert.equal(results.length, 1);
    assert.equal(results[0]!.is_error, false);
    assert.match(results[0]!.content, /shannon-was-here/);
    assert.equal(engine.manager.get(record.id)!.metrics.toolCalls, 1);
    await engine.manager.cancel(record.id);
  });

  test('a denied tool is not run, the model hears why, and the session carries on', async () => {
    engine.api.setResponder(script(bash('echo no > should-not-exist'), text('Understood, I will not.'), text('still here')));
    const states: string[] = [];
    const sub = engine.manager.onDidRequestPermission((ask) => {
      states.push(engine.manager.get(ask.sessionId)!.state);
      engine.manager.respondToPermission(ask.sessionId, ask.requestId, { behavior: 'deny', message: 'not in this folder' });
    });
    const record = await engine.manager.create({ prompt: 'make a file', workspaceFolder: engine.workspace });
    await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
    sub.dispose();
    assert.deepEqual(states, ['awaiting_permission']);
    const result = engine.api.mainTurns.at(-1)!.toolResults[0]!;
    assert.equal(result.is_error, true);
    assert.match(result.content, /not in this folder/);
    assert.throws(() => readFileSync(path.join(engine.workspace, 'should-not-exist')));
    const next = engine.manager.waitForTurn(record.id);
    await engine.manager.send(record.id, 'are you there?');
    await next;
    await engine.manager.cancel(record.id);
  });

  test('interrupt ends a turn mid-stream and the next turn works in the same process', async () => {
    engine.api.setResponder(script(text('a very long story '.repeat(40), { chunkSize: 4, chunkDelayMs: 50 }), text('back after the interrupt')));
    const record = await engine.manager.create({ prompt: 'tell me a long story', workspaceFolder: engine.workspace, options: { includePartialMessages: true } });
    const events = collect(engine, record.id);
    await waitUntil(() => kinds(events, 'stream_event').length > 5, 20_000, 'streaming to begin');
    const interrupted = engine.manager.waitForTurn(record.id);
    await engine.manager.interrupt(record.id);
    const turn = await interrupted;
    assert.equal(turn.result.subtype, 'error_during_execution');
    assert.equal(engine.manager.get(record.id)!.state, 'idle');
    const next = engine.manager.waitForTurn(record.id);
    await engine.manager.send(record.id, 'next question');
    assert.equal((await next).result.subtype, 'success');
    await engine.manager.cancel(record.id);
  });

  test('permission mode and model change between turns, and a made-up mode is refused', async () => {
    engine.api.setResponder(script(text('one'), text('two')));
    const record = await engine.manager.create({ prompt: 'first', workspaceFolder: engine.workspace });
    await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
    await engine.manager.setPermissionMode(record.id, 'acceptEdits');
    await engine.manager.setModel(record.id, 'claude-haiku-4-5');
    await assert.rejects(engine.manager.setPermissionMode(record.id, 'yolo' as never), /not a permission mode/);
    const events = collect(engine, record.id);
    const next = engine.manager.waitForTurn(record.id);
    await engine.manager.send(record.id, 'second');
    await next;
    const init = kinds(events, 'init')[0];
    assert.ok(init?.kind === 'init');
    assert.equal(init.message.permissionMode, 'acceptEdits');
    assert.match(init.message.model, /haiku/);
    assert.equal(engine.api.mainTurns.at(-1)!.body.model, 'claude-haiku-4-5');
    assert.equal(engine.manager.get(record.id)!.options.permissionMode, 'acceptEdits');
    await engine.manager.cancel(record.id);
  });

  test('cancel ends the CLI and every process it started', async () => {
    const marker = path.join(engine.workspace, 'sleeping');
    engine.api.setResponder(script(bash(`echo started > ${marker}; sleep 300 & sleep 301`), text('done')));
    const record = await engine.manager.create({ prompt: 'sleep a while', workspaceFolder: engine.workspace, options: { allowedTools: ['Bash'] } });
    const pid = engine.manager.liveSession(record.id)!.pid!;
    await waitUntil(() => existsSync(marker), 20_000, 'the Bash tool to start its sleeps');
    assert.ok(groupAlive(pid));
    await engine.manager.cancel(record.id);
    assert.equal(engine.manager.get(record.id)!.state, 'cancelled');
    await waitUntil(() => !groupAlive(pid), 5_000, 'the process group to be gone');
  });

  test('resume after the process ended sends the earlier conversation to the model', async () => {
    engine.api.setResponder(script(text('I will remember 42.'), text('You told me 42.')));
    const record = await engine.manager.create({ prompt: 'remember the number 42', workspaceFolder: engine.workspace });
    await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
    await engine.manager.end(record.id);
    assert.equal(engine.manager.get(record.id)!.state, 'completed');
    const cliId = engine.manager.get(record.id)!.cliSessionId;

    await engine.manager.resume(record.id);
    const turn = engine.manager.waitForTurn(record.id);
    await engine.manager.send(record.id, 'what number?');
    await turn;
    const last = engine.api.mainTurns.at(-1)!;
    assert.ok(last.allUserTexts.includes('remember the number 42'), 'the earlier prompt reached the model');
    assert.equal(engine.manager.get(record.id)!.cliSessionId, cliId, 'resume keeps the CLI session');
    assert.equal(engine.manager.get(record.id)!.metrics.turns, 2);
    await engine.manager.cancel(record.id);
  });

  test('fork continues the conversation under a new CLI session id', async () => {
    engine.api.setResponder(script(text('original answer'), text('forked answer')));
    const parent = await engine.manager.create({ prompt: 'the original question', workspaceFolder: engine.workspace });
    await engine.manager.waitForTurn(parent.id, undefined, parent.promptUuid);
    await engine.manager.end(parent.id);
    const parentCli = engine.manager.get(parent.id)!.cliSessionId!;

    const fork = await engine.manager.fork(parent.id, { prompt: 'a different follow-up' });
    await engine.manager.waitForTurn(fork.id, undefined, fork.promptUuid);
    const forked = engine.manager.get(fork.id)!;
    assert.equal(forked.parentId, parent.id);
    assert.ok(forked.cliSessionId && forked.cliSessionId !== parentCli, 'a new CLI session id');
    assert.ok(engine.api.mainTurns.at(-1)!.allUserTexts.includes('the original question'));
    await engine.manager.cancel(fork.id);
  });
});

describe('limits', { timeout: 120_000 }, () => {
  test('a session that runs past its time limit is ended and marked timed out', async () => {
    const engine = await startEngine(script({ blocks: [], hang: true }), { sessionTimeoutMs: 3000 });
    try {
      const record = await engine.manager.create({ prompt: 'never answered', workspaceFolder: engine.workspace });
      const pid = engine.manager.liveSession(record.id)!.pid!;
      await waitUntil(() => engine.manager.get(record.id)!.state === 'timed_out', 15_000, 'timed_out');
      assert.equal(engine.manager.get(record.id)!.error?.code, 'TIMED_OUT');
      await waitUntil(() => !groupAlive(pid), 5_000, 'the process to be gone');
    } finally {
      await engine.dispose();
    }
  });

  test('past its idle timeout a session is suspended: its process ends, its next message resumes it', async () => {
    const engine = await startEngine(script(text('done'), text('still here')), { idleTimeoutMs: 1000 });
    try {
      const record = await engine.manager.create({ prompt: 'quick one', workspaceFolder: engine.workspace });
      await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
      const pid = engine.manager.liveSession(record.id)!.pid!;
      await waitUntil(() => engine.manager.get(record.id)!.state === 'suspended', 15_000, 'idle timeout');
      assert.equal(engine.manager.get(record.id)!.error, undefined);
      await waitUntil(() => !groupAlive(pid), 5_000, 'the process to be gone');
      const uuid = await engine.manager.send(record.id, 'are you there?');
      await engine.manager.waitForTurn(record.id, undefined, uuid);
      assert.deepEqual(engine.api.mainTurns.at(-1)!.allUserTexts, ['quick one', 'are you there?']);
      assert.equal(engine.manager.get(record.id)!.cliSessionId, record.cliSessionId ?? engine.manager.get(record.id)!.cliSessionId);
    } finally {
      await engine.dispose();
    }
  });

  test('with a limit of 2 per folder, 4 sessions run two at a time in the order they came; an idle session holds no slot', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The first two jobs' turns stay in flight until the test lets them answer.
    const engine = await startEngine(async (req) => {
      if (!req.isMainTurn) return text('t');
      if (/^job [12]$/.test(req.latestUserText)) await gate;
      return text(`answer to ${req.latestUserText}`);
    }, { maxConcurrentPerFolder: 2 });
    try {
      let maxBusy = 0;
      const startOrder: string[] = [];
      engine.manager.onDidChangeSession((r) => {
        maxBusy = Math.max(maxBusy, engine.manager.busyCount(engine.workspace));
        if (r.state === 'starting') startOrder.push(r.title);
      });
      const records: SessionRecord[] = [];
      for (let i = 1; i <= 4; i++) records.push(await engine.manager.create({ prompt: `job ${i}`, workspaceFolder: engine.workspace }));
      assert.deepEqual(records.map((r) => r.state), ['running', 'running', 'queued', 'queued']);
      assert.deepEqual(engine.manager.get(records[3]!.id)!.waiting, { busy: 2, limit: 2, position: 2 });
      // A message to a queued session waits for it to start, then runs after its first turn.
      await engine.manager.send(records[2]!.id, 'job 3 follow-up');
      // The first two answer and go idle, keeping their processes: that alone frees their slots.
      release();
      await waitUntil(() => records.slice(2).every((r) => engine.manager.get(r.id)!.state === 'idle') && engine.api.mainTurns.length === 5, 30_000, 'queued sessions to run');
      for (const r of records.slice(0, 2)) assert.ok(engine.manager.liveSession(r.id)!.hasProcess, `${r.title} keeps its process`);
      assert.equal(engine.manager.get(records[2]!.id)!.metrics.turns, 2);
      assert.equal(engine.manager.get(records[2]!.id)!.waiting, undefined);
      assert.equal(maxBusy, 2);
      assert.deepEqual(startOrder, ['job 1', 'job 2', 'job 3', 'job 4']);
    } finally {
      await engine.dispose();
    }
  });

});
