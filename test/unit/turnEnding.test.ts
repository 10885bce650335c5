/**
 * How a turn ended, read from what the real CLI printed (test/fixtures/cli captures): a stop
 * the user asked for is a stop (never an error), an API failure inside a turn is the session's
 * error with the fix that gets past it, and the output channel says the same.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TurnLedger } from '../../src/core/session/turnLedger.js';
import { turnEnding, turnError } from '../../src/core/session/turnErrors.js';
import { emptyMetrics } from '../../src/core/session/types.js';
import type { SDKAssistantMessage, SDKResultMessage } from '../../src/core/protocol/messages.js';
import { TranscriptRenderer } from '../../src/core/transcript/render.js';

type Line = { dir: string; msg: Record<string, any>; proc?: number };
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'cli');
const capture = (name: string): Line[] =>
  readFileSync(path.join(FIXTURES, `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
const stdout = (name: string) => capture(name).filter((l) => l.dir === 'out').map((l) => l.msg);
const results = (name: string) => stdout(name).filter((m) => m.type === 'result') as SDKResultMessage[];

/** Feeds a capture's stdout through a ledger as a session does: the errors each turn leaves. */
function ledgerErrors(name: string, model: string) {
  const ledger = new TurnLedger(0);
  const totals = emptyMetrics();
  const ended = [];
  for (const m of stdout(name)) {
    if (m.type === 'assistant') ledger.sawAssistant(m as SDKAssistantMessage);
    if (m.type === 'result') ended.push(ledger.end('s1', m as SDKResultMessage, totals, 0, model, 0));
  }
  return ended;
}

test('a stop the user asked for is a stop, whether mid-reply, mid-tool or at a permission ask', () => {
  for (const name of ['interrupt-streaming', 'interrupt-hung', 'interrupt-permission', 'interrupt-tool-running', 'bash-deny-interrupt']) {
    const [first, next] = results(name);
    assert.equal(turnEnding(first!), 'stopped', name);
    assert.equal(turnError(first!, undefined, 'opus'), undefined, `${name}: a stop leaves no error`);
    assert.equal(turnEnding(next!), 'completed', name);
  }
});

test('an unknown model is MODEL_NOT_FOUND with the choose-model fix, and the next good turn clears it', () => {
  const [failed, fixed] = ledgerErrors('model-not-found', 'no-such-model-xyz');
  assert.equal(failed!.ending, 'error');
  assert.deepEqual(failed!.error, {
    code: 'MODEL_NOT_FOUND',
    message: 'The model "no-such-model-xyz" does not exist, or this account may not use it.',
    hint: 'Choose another model for this session; the next message uses it.',
    fix: 'choose-model',
  });
  assert.equal(fixed!.ending, 'completed');
  assert.equal(fixed!.error, undefined);
});

test('a refused key is AUTH_FAILED with the log-in fix', () => {
  const [failed] = ledgerErrors('auth-failed', 'opus');
  assert.equal(failed!.error?.code, 'AUTH_FAILED');
  assert.equal(failed!.error?.fix, 'log-in');
  assert.match(failed!.error!.hint!, /claude auth login[\s\S]*ANTHROPIC_API_KEY/);
});

test('other error results say what happened: an API 400 quotes the API, a turn limit says how to go on', () => {
  const [bad] = ledgerErrors('api-error-400', 'opus');
  assert.equal(bad!.error?.code, 'API_ERROR');
  assert.match(bad!.error!.message, /Claude Code said: API Error: 400/);
  const [limit] = ledgerErrors('max-turns', 'opus');
  assert.equal(limit!.error?.code, 'TURN_FAILED');
  assert.match(limit!.error!.message, /max turns/);
});

test('the output channel says a stopped tool call was stopped, not the CLI\'s note to the model', () => {
  const renderer = new TranscriptRenderer();
  const lines = stdout('interrupt-tool-running').flatMap((raw) => renderer.render({ direction: 'in', type: String(raw.type), raw }));
  const text = lines.map((l) => `[${l.level}] ${l.text}`).join('\n');
  assert.match(text, /\[info\] ← stopped by you before it finished/);
  assert.match(text, /\[info\] ■ Turn stopped by you/);
  assert.doesNotMatch(text, /STOP what you are doing|\[error\]|Turn failed/);
});
