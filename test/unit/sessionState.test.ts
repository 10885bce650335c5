import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShannonError } from '../../src/core/errors.js';
import { assertTransition, canTransition } from '../../src/core/session/stateMachine.js';

test('a session follows the documented life: created → starting → running ⇄ idle → completed', () => {
  const path = ['created', 'starting', 'running', 'awaiting_permission', 'running', 'idle', 'running', 'idle', 'completed'] as const;
  for (let i = 1; i < path.length; i++) assert.ok(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`);
});

test('a finished or interrupted session can be resumed through the queue', () => {
  for (const from of ['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'] as const) {
    assert.ok(canTransition(from, 'queued'));
    assert.ok(canTransition(from, 'starting'));
    assert.ok(!canTransition(from, 'running'), `${from} cannot run without a process`);
  }
});

test('an illegal move throws a coded error instead of corrupting the state', () => {
  assert.throws(
    () => assertTransition('completed', 'idle', 's1'),
    (err: unknown) => isShannonError(err, 'ILLEGAL_TRANSITION') && /completed to idle/.test(err.message),
  );
  assert.throws(() => assertTransition('created', 'running', 's1'));
  assert.throws(() => assertTransition('queued', 'idle', 's1'));
});
