/**
 * Live changes cost little: a watched session's changes are read when watching starts and after
 * a burst of tool results once, never for unwatched sessions, never after the last watcher left.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Emitter } from '../../src/core/lifecycle.js';
import { classifyMessage } from '../../src/core/protocol/messages.js';
import type { SessionMessageEvent } from '../../src/core/session/session.js';
import type { SessionRecord } from '../../src/core/session/types.js';
import { ChangesTracker } from '../../src/core/worktrees/changesTracker.js';
import type { SessionChanges } from '../../src/core/worktrees/types.js';
import { waitUntil } from '../support/engine.js';

function rig() {
  const messages = new Emitter<SessionMessageEvent>();
  const sessions = new Emitter<SessionRecord>();
  const reads: string[] = [];
  const tracker = new ChangesTracker({
    read: async (id) => {
      reads.push(id);
      return { sessionId: id, isolated: true, root: '/r', base: 'b', files: [], additions: 0, deletions: 0, computedAt: Date.now() } satisfies SessionChanges;
    },
    onDidMessage: messages.event,
    onDidChangeSession: sessions.event,
    delayMs: 30,
  });
  const toolResult = (sessionId: string): SessionMessageEvent => ({
    sessionId,
    direction: 'in',
    at: Date.now(),
    message: classifyMessage({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] } }),
  });
  return { messages, sessions, reads, tracker, toolResult };
}

const settle = () => new Promise((r) => setTimeout(r, 200));

test('a burst of tool results of a watched session costs one read; other sessions cost none', async () => {
  const { messages, reads, tracker, toolResult } = rig();
  const seen: SessionChanges[] = [];
  tracker.onDidChange((c) => seen.push(c));
  const watch = tracker.watch('a');
  await waitUntil(() => reads.length === 1, 5000, 'the first read when watching starts');
  for (let i = 0; i < 20; i++) {
    messages.fire(toolResult('a'));
    messages.fire(toolResult('unwatched'));
  }
  await waitUntil(() => reads.length === 2, 5000, 'one read after the burst');
  await settle();
  assert.deepEqual(reads, ['a', 'a']);
  assert.equal(seen.length, 2);
  watch.dispose();
  messages.fire(toolResult('a'));
  await settle();
  assert.equal(reads.length, 2, 'nothing is read once nobody watches');
  tracker.dispose();
});

test('a changed worktree field (work merged, a file kept) reads again at once; two watchers share one session', async () => {
  const { sessions, reads, tracker } = rig();
  const one = tracker.watch('a');
  const two = tracker.watch('a');
  await waitUntil(() => reads.length === 1, 5000, 'one first read for both watchers');
  const record = { id: 'a', worktree: { base: 'c' } } as unknown as SessionRecord;
  sessions.fire(record);
  await waitUntil(() => reads.length === 2, 5000, 'a read after the record changed');
  sessions.fire(record);
  await settle();
  assert.equal(reads.length, 2, 'the same worktree field again is no change');
  one.dispose();
  sessions.fire({ ...record, worktree: { base: 'd' } } as unknown as SessionRecord);
  await waitUntil(() => reads.length === 3, 5000, 'the second watcher still follows');
  two.dispose();
  tracker.dispose();
});
