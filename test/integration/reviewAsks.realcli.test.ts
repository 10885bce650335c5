/**
 * Reviewing edits, approving plans, answering questions and allowing narrowly, against the real
 * CLI (fake API): the answers Shannon builds (core/review/editProposal.ts, session/permissions.ts)
 * do what the user saw, on disk and in what reaches the model.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { proposalOf, reviewedAnswer } from '../../src/core/review/editProposal.js';
import type { PermissionAsk, PermissionDecision } from '../../src/core/session/permissions.js';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { startEngine, type Engine } from '../support/engine.js';

const tool = (name: string, input: Record<string, unknown>): Reply => ({ blocks: [{ type: 'tool_use', name, input }] });
const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });

/** Runs one turn, answering each ask with `decide`; returns the asks seen. */
async function turn(engine: Engine, prompt: string, decide: (ask: PermissionAsk) => PermissionDecision, options = {}): Promise<{ asks: PermissionAsk[]; sessionId: string }> {
  const asks: PermissionAsk[] = [];
  const sub = engine.manager.onDidRequestPermission((ask) => {
    asks.push(ask);
    engine.manager.respondToPermission(ask.sessionId, ask.requestId, decide(ask));
  });
  try {
    const record = await engine.manager.create({ prompt, workspaceFolder: engine.workspace, options });
    await engine.manager.waitForTurn(record.id, undefined, record.promptUuid);
    return { asks, sessionId: record.id };
  } finally {
    sub.dispose();
  }
}

/** What Accept sends once the user has changed the right side to `userText`. */
function acceptWith(ask: PermissionAsk, userText: string): PermissionDecision {
  const file = String(ask.input.file_path);
  const current = (() => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  })();
  const proposal = proposalOf(ask.toolName, ask.input, current)!;
  const answer = reviewedAnswer(ask.toolName, ask.input, proposal, userText);
  assert.equal(answer.kind, 'edited');
  return { behavior: 'allow', updatedInput: answer.kind === 'edited' ? answer.input : undefined };
}

describe('reviewing asks with the real CLI', { timeout: 180_000 }, () => {
  let engine: Engine;
  before(async () => {
    engine = await startEngine();
  });
  after(async () => engine?.dispose());

  test('a rejected Edit leaves the file byte for byte as it was, and Claude hears the reason', async () => {
    const file = path.join(engine.workspace, 'reject.txt');
    const original = 'keep me\r\nexactly  \n\tas I am';
    writeFileSync(file, original);
    engine.api.setResponder(script(tool('Read', { file_path: file }), tool('Edit', { file_path: file, old_string: 'keep me', new_string: 'changed' }), text('ok')));
    const { asks, sessionId } = await turn(engine, 'edit it', () => ({ behavior: 'deny', message: 'not this line' }));
    assert.deepEqual(asks.map((a) => a.toolName), ['Edit']);
    assert.equal(readFileSync(file, 'utf8'), original);
    const result = engine.api.mainTurns.at(-1)!.toolResults[0]!;
    assert.equal(result.is_error, true);
    assert.match(result.content, /not this line/);
    await engine.manager.cancel(sessionId);
  });

  test('a Write and then an Edit after a Read, each changed in review: the disk holds exactly the user’s versions', async () => {
    const written = path.join(engine.workspace, 'new.ts');
    const edited = path.join(engine.workspace, 'crlf.txt');
    writeFileSync(edited, 'one\r\ntwo\r\nthree\r\n');
    engine.api.setResponder(
      script(
        tool('Write', { file_path: written, content: 'export const a = 1;\n' }),
        tool('Read', { file_path: edited }),
        tool('Edit', { file_path: edited, old_string: 'two', new_string: 'TWO' }),
        text('done'),
      ),
    );
    const userWrite = 'export const a = 2;  \n// “reviewed”\n';
    const userEdit = 'one\r\nTWO, fixed by hand\r\nthree\r\n';
    const { asks, sessionId } = await turn(engine, 'write and edit', (ask) => acceptWith(ask, ask.toolName === 'Write' ? userWrite : userEdit));
    assert.deepEqual(asks.map((a) => a.toolName), ['Write', 'Edit']);
    assert.equal(readFileSync(written, 'utf8'), userWrite);
    assert.equal(readFileSync(edited, 'utf8'), userEdit);
    await engine.manager.cancel(sessionId);
  });

  test('an unchanged review writes what Claude proposed, computed as the CLI applies it', async () => {
    const file = path.join(engine.workspace, 'proposed.txt');
    writeFileSync(file, 'a\r\nb b\r\n');
    engine.api.setResponder(script(tool('Read', { file_path: file }), tool('Edit', { file_path: file, old_string: 'b', new_string: 'B', replace_all: true }), text('ok')));
    let shown: string | undefined;
    const { sessionId } = await turn(engine, 'edit', (ask) => {
      shown = proposalOf(ask.toolName, ask.input, readFileSync(file, 'utf8'))!.after;
      return { behavior: 'allow' };
    });
    assert.equal(shown, 'a\r\nB B\r\n');
    assert.equal(readFileSync(file, 'utf8'), shown);
    await engine.manager.cancel(sessionId);
  });

  test('approving a plan with "accept edits" switches the mode: the next Edit does not ask', async () => {
    const file = path.join(engine.workspace, 'planned.txt');
    writeFileSync(file, 'before\n');
    engine.api.setResponder(
      script(tool('ExitPlanMode', { plan: '# Plan\n\n1. Change planned.txt' }), tool('Read', { file_path: file }), tool('Edit', { file_path: file, old_string: 'before', new_string: 'after' }), text('done')),
    );
    const { asks, sessionId } = await turn(engine, 'plan it', () => ({ behavior: 'allow', mode: 'acceptEdits' }), { permissionMode: 'plan' });
    assert.deepEqual(asks.map((a) => a.toolName), ['ExitPlanMode']);
    assert.equal(readFileSync(file, 'utf8'), 'after\n');
    assert.equal(engine.manager.get(sessionId)!.options.permissionMode, 'acceptEdits');
    const approved = engine.api.mainTurns.find((r) => r.toolResults.some((t) => /approved your plan/.test(t.content)));
    assert.ok(approved, 'Claude is told the plan was approved');
    await engine.manager.cancel(sessionId);
  });

  test('"Keep planning" stays in plan mode and Claude reads the feedback', async () => {
    engine.api.setResponder(script(tool('ExitPlanMode', { plan: '# Plan\n\n1. Delete everything' }), text('I will revise it.')));
    const { sessionId } = await turn(engine, 'plan it', () => ({ behavior: 'deny', message: 'The user wants to keep planning: keep the tests' }), { permissionMode: 'plan' });
    const result = engine.api.mainTurns.at(-1)!.toolResults[0]!;
    assert.equal(result.is_error, true);
    assert.match(result.content, /keep the tests/);
    assert.equal(engine.manager.get(sessionId)!.options.permissionMode, 'plan');
    await engine.manager.cancel(sessionId);
  });

  test('an answered AskUserQuestion reaches the model in the tool result', async () => {
    const questions = [
      { question: 'Which library should we use?', header: 'Library', multiSelect: false, options: [{ label: 'date-fns', description: 'small' }, { label: 'luxon', description: 'zones' }] },
      { question: 'Which checks should run?', header: 'Checks', multiSelect: true, options: [{ label: 'lint', description: '' }, { label: 'tests', description: '' }] },
    ];
    engine.api.setResponder(script(tool('AskUserQuestion', { questions }), text('thanks')));
    const { asks, sessionId } = await turn(engine, 'ask me', () => ({
      behavior: 'allow',
      answers: { 'Which library should we use?': 'luxon', 'Which checks should run?': 'lint, tests' },
    }));
    assert.deepEqual(asks.map((a) => a.toolName), ['AskUserQuestion']);
    const result = engine.api.mainTurns.at(-1)!.toolResults[0]!;
    assert.equal(result.is_error, false);
    assert.match(result.content, /"Which library should we use\?"="luxon"/);
    assert.match(result.content, /"Which checks should run\?"="lint, tests"/);
    await engine.manager.cancel(sessionId);
  });

  test('allowing the suggested rule lets a matching command run without asking; a different one still asks', async () => {
    engine.api.setResponder(
      script(
        tool('Bash', { command: 'touch allowed.txt', description: 'make a file' }),
        tool('Bash', { command: 'touch allowed.txt', description: 'again' }),
        tool('Bash', { command: 'touch other.txt', description: 'another file' }),
        text('done'),
      ),
    );
    const { asks, sessionId } = await turn(engine, 'touch things', (ask) => (ask.input.command === 'touch allowed.txt' ? { behavior: 'allow', scope: 'session' } : { behavior: 'deny', message: 'no' }));
    assert.deepEqual(asks.map((a) => a.input.command), ['touch allowed.txt', 'touch other.txt']);
    assert.deepEqual(engine.manager.get(sessionId)!.options.allowedTools, ['Bash(touch allowed.txt)']);
    await engine.manager.cancel(sessionId);
  });

  test('"Allow every Bash command" lets any later command through', async () => {
    engine.api.setResponder(script(tool('Bash', { command: 'touch one.txt', description: 'a' }), tool('Bash', { command: 'touch two.txt', description: 'b' }), text('done')));
    const { asks, sessionId } = await turn(engine, 'touch', () => ({ behavior: 'allow', scope: 'tool' }));
    assert.deepEqual(asks.map((a) => a.input.command), ['touch one.txt']);
    assert.equal(readFileSync(path.join(engine.workspace, 'two.txt'), 'utf8'), '');
    await engine.manager.cancel(sessionId);
  });
});
