import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionTreeModel, sessionContextValue, type Refresh, type TreeNode } from '../../../src/extension/model/sessionTreeModel.js';
import { GROUP_LABELS, sessionDescription, sessionIcon, sessionTooltip } from '../../../src/extension/model/format.js';
import { NOW, record } from './records.js';

const A = { path: '/ws/a', name: 'a' };
const B = { path: '/ws/b', name: 'b' };

function labels(model: SessionTreeModel, nodes: TreeNode[]): string[] {
  return nodes.map((n) => {
    switch (n.kind) {
      case 'folder':
        return `folder:${n.folder.name}`;
      case 'group':
        return `group:${n.group}`;
      case 'session':
        return n.record.title;
      case 'more':
        return `more:${n.hidden}`;
      case 'checkpoint':
        return `cp:${n.checkpoint.label}`;
    }
  });
}

function refreshed(r: Refresh): string[] | 'all' {
  return r.all ? 'all' : r.nodes.map((n) => n.id);
}

test('one folder: the state groups are the roots, in a fixed order, empty groups hidden', () => {
  const m = new SessionTreeModel();
  m.reset([record({ title: 'done', state: 'completed' }), record({ title: 'busy', state: 'running' }), record({ title: 'asks', state: 'awaiting_permission' })], [A]);
  assert.deepEqual(labels(m, m.roots()), ['group:running', 'group:awaiting', 'group:finished']);
  const finished = m.roots()[2]!;
  assert.deepEqual(labels(m, m.children(finished)), ['done']);
});

test('several folders with sessions: grouped by folder first, in the workspace order', () => {
  const m = new SessionTreeModel();
  m.reset([record({ workspaceFolder: B.path, title: 'in b' }), record({ workspaceFolder: A.path, title: 'in a', state: 'idle' })], [A, B]);
  assert.deepEqual(labels(m, m.roots()), ['folder:a', 'folder:b']);
  const [fa] = m.roots();
  assert.deepEqual(labels(m, m.children(fa!)), ['group:idle']);
});

test("sessions of folders this window does not show stay out of its tree", () => {
  const m = new SessionTreeModel();
  m.reset([record({ workspaceFolder: '/elsewhere', title: 'other' }), record({ title: 'mine' })], [A]);
  assert.equal(m.size, 1);
  assert.deepEqual(m.apply([record({ workspaceFolder: '/elsewhere' })]), { all: false, nodes: [] });
});

test('a streaming session refreshes only its own item; nodes keep their identity', () => {
  const m = new SessionTreeModel();
  const s = record({ title: 'busy', state: 'running' });
  m.reset([s, record({ title: 'other', state: 'running' })], [A]);
  const group = m.roots()[0]!;
  const before = m.children(group)[1];
  const r = m.apply([{ ...s, updatedAt: NOW, metrics: { ...s.metrics, costUsd: 0.1 } }]);
  assert.deepEqual(refreshed(r), [`session:${s.id}`]);
  const after = m.children(group).find((n) => n.id === `session:${s.id}`);
  assert.equal(after, m.session(s.id), 'the same object is handed back');
  assert.equal(m.children(group)[1], before);
});

test('a state change moves the item between groups and refreshes just those groups', () => {
  const m = new SessionTreeModel();
  const s = record({ title: 'busy', state: 'running' });
  m.reset([s, record({ state: 'running' }), record({ state: 'idle' })], [A]);
  const r = m.apply([{ ...s, state: 'idle' }]);
  assert.deepEqual(refreshed(r), ['group:running\u0000/ws/a', 'group:idle\u0000/ws/a']);
});

test('a group appearing or disappearing redraws its parent (root with one folder, the folder with several)', () => {
  const m = new SessionTreeModel();
  const s = record({ state: 'running' });
  m.reset([s], [A]);
  assert.equal(refreshed(m.apply([{ ...s, state: 'awaiting_permission' }])), 'all');

  const two = new SessionTreeModel();
  const t = record({ state: 'running' });
  two.reset([t, record({ workspaceFolder: B.path })], [A, B]);
  assert.deepEqual(refreshed(two.apply([{ ...t, state: 'completed' }])), ['folder:/ws/a']);
});

test('a new session in an existing group refreshes that group only', () => {
  const m = new SessionTreeModel();
  m.reset([record({ state: 'running' })], [A]);
  assert.deepEqual(refreshed(m.apply([record({ state: 'running', title: 'new' })])), ['group:running\u0000/ws/a']);
});

test('the first session of a second folder switches on the folder level', () => {
  const m = new SessionTreeModel();
  m.reset([record()], [A, B]);
  assert.equal(m.showsFolders, false);
  assert.equal(refreshed(m.apply([record({ workspaceFolder: B.path })])), 'all');
  assert.equal(m.showsFolders, true);
});

test('items are ordered by creation, newest first, so a streaming item never jumps', () => {
  const m = new SessionTreeModel();
  const old = record({ title: 'old', createdAt: NOW - 10_000 });
  const young = record({ title: 'young', createdAt: NOW - 1_000 });
  m.reset([old, young], [A]);
  const group = m.roots()[0]!;
  assert.deepEqual(labels(m, m.children(group)), ['young', 'old']);
  m.apply([{ ...old, updatedAt: NOW }]);
  assert.deepEqual(labels(m, m.children(group)), ['young', 'old']);
});

test('a long Finished group is paged with a "more" item', () => {
  const m = new SessionTreeModel(3);
  m.reset(Array.from({ length: 7 }, (_, i) => record({ state: 'completed', title: `t${i}` })), [A]);
  const group = m.roots()[0]!;
  assert.deepEqual(labels(m, m.children(group)).slice(-1), ['more:4']);
  assert.equal(m.children(group).length, 4);
  assert.deepEqual(refreshed(m.showMore(A.path)), [group.id]);
  assert.equal(m.children(group).length, 7);
});

test('removing sessions refreshes their groups, or everything when the tree empties', () => {
  const m = new SessionTreeModel();
  const a = record({ state: 'completed' });
  const b = record({ state: 'completed' });
  m.reset([a, b], [A]);
  assert.deepEqual(refreshed(m.remove([a.id])), [m.roots()[0]!.id]);
  assert.equal(refreshed(m.remove([b.id])), 'all');
  assert.deepEqual(m.roots(), []);
});

test('parents lead back to the root', () => {
  const m = new SessionTreeModel();
  const s = record({ state: 'idle' });
  m.reset([s, record({ workspaceFolder: B.path })], [A, B]);
  const node = m.session(s.id)!;
  const group = m.parent(node)!;
  assert.equal(group.kind, 'group');
  const folder = m.parent(group)!;
  assert.equal(folder.kind, 'folder');
  assert.equal(m.parent(folder), undefined);
  const [cp] = m.checkpointNodes([{ id: 'c1', sessionId: s.id, createdAt: NOW, label: 'before edit' }]);
  assert.equal(m.parent(cp!), node);
});

test('a checkpoint count change refreshes the session item, which then can expand', () => {
  const m = new SessionTreeModel();
  const s = record();
  m.reset([s], [A]);
  assert.deepEqual(refreshed(m.setCheckpointCount(s.id, 2)), [`session:${s.id}`]);
  assert.equal(m.checkpointCount(s.id), 2);
  assert.deepEqual(refreshed(m.setCheckpointCount(s.id, 2)), []);
});

test('context values say what can be done to a session now', () => {
  const words = (state: Parameters<typeof record>[0]) => new Set(sessionContextValue(record(state)).split(' '));
  assert.ok(words({ state: 'running' }).has('busy'));
  assert.ok(words({ state: 'idle' }).has('canSend'));
  assert.ok(!words({ state: 'idle' }).has('busy'));
  assert.ok(words({ state: 'completed', cliSessionId: 'x' }).has('resumable'));
  assert.ok(!words({ state: 'completed' }).has('resumable'), 'never reached the CLI: nothing to resume');
  assert.ok(!words({ state: 'running', cliSessionId: 'x' }).has('resumable'));
  assert.ok(words({ state: 'failed', cliSessionId: 'x' }).has('forkable'));
  const mcp = (access: 'shared' | 'unshared' | undefined) => sessionContextValue(record({ state: 'idle' }), access).split(' ');
  assert.ok(mcp('unshared').includes('mcpUnshared') && !mcp('unshared').includes('mcpShared'), 'above the MCP limits: Share is offered');
  assert.ok(mcp('shared').includes('mcpShared') && !mcp('shared').includes('mcpUnshared'), 'shared: Stop Sharing is offered');
  assert.ok(!mcp(undefined).some((w) => w.startsWith('mcp')), 'within the limits: nothing to share');
});

test('a queued session has a group of its own, between the ones at work and the idle ones, saying why it waits', () => {
  const m = new SessionTreeModel();
  const waiting = record({ title: 'fourth', state: 'queued', waiting: { busy: 3, limit: 3, position: 1 } });
  m.reset([record({ title: 'busy', state: 'running' }), waiting, record({ title: 'resting', state: 'idle' })], [A]);
  assert.deepEqual(labels(m, m.roots()), ['group:running', 'group:queued', 'group:idle']);
  const queued = m.roots()[1]!;
  assert.equal(queued.kind === 'group' && GROUP_LABELS[queued.group], 'Queued: waiting for a slot');
  assert.deepEqual(labels(m, m.children(queued)), ['fourth']);
  assert.match(sessionDescription(waiting, NOW), /^waits: 3\/3 at work · /);
  const tooltip = sessionTooltip(waiting, NOW);
  assert.match(tooltip, /Queued: 3 at work in this folder, limit 3 — it starts when one of them finishes its turn\./);
  assert.match(tooltip, /Start Now[\s\S]*Open Setting[\s\S]*shannon\.maxConcurrentSessions/);
  // Start Now and Open Setting are offered on it (package.json matches `queued`), not the live-session actions.
  const words = sessionContextValue(waiting).split(' ');
  assert.ok(words.includes('queued') && !words.includes('live'));
  // Once it starts it moves to Running: both groups are redrawn.
  const started = m.apply([{ ...waiting, state: 'running', waiting: undefined }]);
  assert.deepEqual(refreshed(started), 'all', 'the Queued group goes away: the roots change');
  assert.deepEqual(labels(m, m.roots()), ['group:running', 'group:idle']);
});

test('an open session whose turn failed shows the error and offers its fix', () => {
  const failed = record({ title: 'bad model', state: 'idle', model: 'no-such-model-xyz', error: { code: 'MODEL_NOT_FOUND', message: 'The model "no-such-model-xyz" does not exist, or this account may not use it.', hint: 'Choose another model for this session; the next message uses it.', fix: 'choose-model' } });
  assert.deepEqual(sessionIcon(failed), { id: 'warning', color: 'list.errorForeground' });
  assert.match(sessionDescription(failed, NOW), /^model not found · no-such-model-xyz/);
  assert.match(sessionTooltip(failed, NOW), /does not exist[\s\S]*Choose another model/);
  const words = sessionContextValue(failed).split(' ');
  assert.ok(words.includes('hasError') && words.includes('fix-choose-model') && words.includes('canSend'));
  // A good turn clears the error: back to the idle look.
  const fixed = { ...failed, error: undefined };
  assert.deepEqual(sessionIcon(fixed), { id: 'comment-discussion' });
  assert.ok(!sessionContextValue(fixed).includes('hasError'));
  // A session that failed to start keeps its failed look (the error is why it ended).
  assert.deepEqual(sessionIcon(record({ state: 'failed', error: { code: 'SPAWN_FAILED', message: 'x' } })), { id: 'error', color: 'list.errorForeground' });
});
