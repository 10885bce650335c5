/**
 * The offline demo (`scripts/start.sh --offline`) shows what it promises, with the real CLI:
 * `run touch hello.txt` asks first, `edit hello.txt` asks for a Write then an Edit to review,
 * `plan` asks to approve a plan, `ask` asks a question.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PermissionAsk, PermissionDecision } from '../../src/core/session/permissions.js';
import { demoReply } from '../support/demoModel.js';
import { startEngine, type Engine } from '../support/engine.js';

describe('the offline demo model with the real CLI', { timeout: 180_000 }, () => {
  let engine: Engine;
  let sessionId: string;
  before(async () => {
    engine = await startEngine(demoReply);
  });
  after(async () => engine?.dispose());

  /** Sends one message, answering each ask with `decide`; the asks' tools, in order. */
  async function say(text: string, decide: (ask: PermissionAsk) => PermissionDecision = () => ({ behavior: 'allow' })): Promise<PermissionAsk[]> {
    const asks: PermissionAsk[] = [];
    const sub = engine.manager.onDidRequestPermission((ask) => {
      asks.push(ask);
      engine.manager.respondToPermission(ask.sessionId, ask.requestId, decide(ask));
    });
    try {
      if (!sessionId) {
        const record = await engine.manager.create({ prompt: text, workspaceFolder: engine.workspace });
        sessionId = record.id;
        await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
      } else {
        const turn = engine.manager.waitForTurn(sessionId);
        await engine.manager.send(sessionId, text);
        await turn;
      }
      return asks;
    } finally {
      sub.dispose();
    }
  }

  test('`run touch hello.txt` asks before it runs', async () => {
    const asks = await say('run touch hello.txt');
    assert.deepEqual(asks.map((a) => `${a.toolName}:${String(a.input.command)}`), ['Bash:touch hello.txt']);
  });

  test('`edit` on a new file asks for a Write, then on the written file for an Edit of its first line', async () => {
    const file = path.join(engine.workspace, 'greeting.txt');
    const write = await say('edit greeting.txt');
    assert.deepEqual(write.map((a) => a.toolName), ['Write']);
    assert.equal(readFileSync(file, 'utf8'), 'Hello from the offline demo.\nReview me in the diff editor.\n');
    const edit = await say('edit greeting.txt');
    assert.deepEqual(edit.map((a) => a.toolName), ['Edit']);
    assert.equal(readFileSync(file, 'utf8'), 'Hello from the offline demo. (edited by the offline demo)\nReview me in the diff editor.\n');
  });

  test('`plan` asks to approve a plan, and `ask` asks a question with options', async () => {
    const plan = await say('plan');
    assert.deepEqual(plan.map((a) => a.toolName), ['ExitPlanMode']);
    assert.match(String(plan[0]!.input.plan), /^# Plan/);
    const question = await say('ask', (ask) => ({ behavior: 'allow', answers: { 'Which greeting should hello.txt have?': 'Good morning' } }));
    assert.deepEqual(question.map((a) => a.toolName), ['AskUserQuestion']);
    assert.match(engine.api.mainTurns.at(-1)!.toolResults[0]!.content, /Good morning/);
    await engine.manager.cancel(sessionId);
  });
});
