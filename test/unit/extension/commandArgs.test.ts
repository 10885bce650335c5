import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkpointIdFrom, newSessionArgsFrom, sessionIdFrom, textFrom } from '../../../src/extension/model/commandArgs.js';
import { record } from './records.js';

test('a session command finds its session from a tree node, the webview, an id, or not at all', () => {
  const r = record();
  assert.equal(sessionIdFrom({ kind: 'session', id: `session:${r.id}`, record: r }), r.id);
  assert.equal(sessionIdFrom({ sessionId: 'abc' }), 'abc');
  assert.equal(sessionIdFrom('abc'), 'abc');
  assert.equal(sessionIdFrom({ kind: 'checkpoint', checkpoint: { id: 'c', sessionId: 'owner' } }), 'owner');
  assert.equal(sessionIdFrom(undefined), undefined, 'from the palette: ask');
  assert.equal(sessionIdFrom({ kind: 'group' }), undefined);
  assert.equal(sessionIdFrom(''), undefined);
});

test('a checkpoint command finds its checkpoint from a tree node or an id object', () => {
  assert.equal(checkpointIdFrom({ kind: 'checkpoint', checkpoint: { id: 'c1', sessionId: 's' } }), 'c1');
  assert.equal(checkpointIdFrom({ checkpointId: 'c2' }), 'c2');
  assert.equal(checkpointIdFrom({ kind: 'session', record: record() }), undefined);
});

test('New Session takes prompt, folder and model from scripted callers, and a folder from tree or explorer', () => {
  assert.deepEqual(newSessionArgsFrom({ prompt: 'hi', folder: '/ws', model: 'sonnet' }), { prompt: 'hi', folder: '/ws', model: 'sonnet', background: false });
  assert.equal(newSessionArgsFrom({ kind: 'folder', folder: { path: '/ws/b', name: 'b' } }).folder, '/ws/b');
  assert.equal(newSessionArgsFrom({ fsPath: '/ws/c', scheme: 'file' }).folder, '/ws/c');
  assert.deepEqual(newSessionArgsFrom(undefined), {});
  assert.equal(newSessionArgsFrom({ prompt: '   ' }).prompt, undefined);
});

test('New Session takes where it works from scripted callers, and ignores what is not a choice', () => {
  assert.deepEqual(newSessionArgsFrom({ prompt: 'hi', isolation: 'worktree', uncommitted: 'carry' }), { prompt: 'hi', folder: undefined, model: undefined, background: false, isolation: 'worktree', uncommitted: 'carry' });
  const odd = newSessionArgsFrom({ prompt: 'hi', isolation: 'sandbox', uncommitted: 'stash' });
  assert.equal(odd.isolation, undefined);
  assert.equal(odd.uncommitted, undefined);
});

test('text arguments must say something', () => {
  assert.equal(textFrom({ message: 'go on' }, 'message'), 'go on');
  assert.equal(textFrom({ message: ' ' }, 'message'), undefined);
  assert.equal(textFrom('x', 'message'), undefined);
});
