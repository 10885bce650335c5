/**
 * How a session's changes and its worktree read: in the Changes view (rows, the message above
 * them, what their context menus offer) and in the Sessions view (branch, tooltip, actions).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionWorktree } from '../../../src/core/session/types.js';
import type { ChangedFile, SessionChanges } from '../../../src/core/worktrees/types.js';
import { changeContextValue, changeDescription, changesMessage, changeTooltip, orderedFiles } from '../../../src/extension/model/changesModel.js';
import { sessionDescription, sessionTooltip } from '../../../src/extension/model/format.js';
import { sessionContextValue } from '../../../src/extension/model/sessionTreeModel.js';
import { NOW, record } from './records.js';

const isolated: SessionWorktree = { isolation: 'worktree', repoRoot: '/ws/a', root: '/data/worktrees/a-1/fix-the-tests-abc123', base: 'b'.repeat(40), branch: 'shannon/fix-the-tests-abc123', target: 'main' };
const file = (over: Partial<ChangedFile>): ChangedFile => ({ path: 'src/parser/index.ts', status: 'modified', additions: 12, deletions: 3, ...over });
const changes = (files: ChangedFile[], over: Partial<SessionChanges> = {}): SessionChanges => ({
  sessionId: 's',
  isolated: true,
  root: isolated.root,
  base: isolated.base,
  branch: isolated.branch,
  files,
  additions: files.reduce((n, f) => n + (f.additions ?? 0), 0),
  deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
  computedAt: NOW,
  ...over,
});

test('a changed file reads as its name, with its folder and line counts beside it', () => {
  assert.equal(changeDescription(file({})), 'src/parser · +12 −3');
  assert.equal(changeDescription(file({ path: 'README.md', additions: 1, deletions: 0 })), '+1 −0');
  assert.equal(changeDescription(file({ path: 'logo.png', additions: null, deletions: null })), 'binary');
  assert.match(changeTooltip(file({ status: 'added' }), { isolated: true, branch: isolated.branch }), /Added in the session's worktree \(shannon\/fix-the-tests-abc123\)/);
  assert.match(changeTooltip(file({ kept: true }), { isolated: false }), /Modified in the folder[\s\S]*Kept/);
});

test('rows offer Keep until kept, Unkeep after, Discard always; kept rows sort last', () => {
  assert.deepEqual(changeContextValue(file({})).split(' '), ['change', 'change-modified', 'unkept']);
  assert.deepEqual(changeContextValue(file({ kept: true, status: 'deleted' })).split(' '), ['change', 'change-deleted', 'kept']);
  const ordered = orderedFiles([file({ path: 'b', kept: true }), file({ path: 'c' }), file({ path: 'a' })]);
  assert.deepEqual(ordered.map((f) => f.path), ['a', 'c', 'b']);
});

test("the view's message says how much changed and where it would go, or why there is nothing", () => {
  const r = record({ worktree: isolated });
  assert.equal(changesMessage(undefined, undefined), 'Select a session in the Sessions view to see what it changed.');
  assert.match(changesMessage(undefined, r), /^Reading the changes of "Fix the tests"/);
  assert.equal(changesMessage(changes([file({}), file({ path: 'b.ts', additions: 1, deletions: 0, kept: true })]), r), '2 files changed on shannon/fix-the-tests-abc123 (from main) · +13 −3 · 1 kept');
  assert.equal(changesMessage(changes([]), r), 'No changes since it began on shannon/fix-the-tests-abc123 (from main).');
  const merged = record({ worktree: { ...isolated, broughtBack: { how: 'squash', at: NOW, commit: 'c'.repeat(40) } } });
  assert.match(changesMessage(changes([]), merged), /^No changes since then on .*Its work was merged /);
  const folder = record({ worktree: { isolation: 'folder', repoRoot: '/ws/a', root: '/ws/a', base: isolated.base, target: 'main' } });
  assert.equal(changesMessage(changes([file({})], { isolated: false }), folder), '1 file changed in the folder, on main · +12 −3');
  assert.equal(changesMessage(changes([], { problem: 'Its worktree was discarded.' }), r), 'Its worktree was discarded.');
});

test('the Sessions view shows an isolated session’s branch, its worktree in the tooltip, and what can be done', () => {
  const r = record({ worktree: isolated, state: 'idle', model: 'sonnet' });
  assert.equal(sessionDescription(r, NOW), 'shannon/fix-the-tests-abc123 · sonnet · 1m');
  assert.match(sessionTooltip(r, NOW), /Worktree: branch `shannon\/fix-the-tests-abc123` from main at `bbbbbbb`/);
  const words = (w: SessionWorktree | undefined, state = 'completed' as const) => new Set(sessionContextValue(record({ worktree: w, state, cliSessionId: 'cli' })).split(' '));
  assert.ok(words(isolated).has('isolated') && words(isolated).has('hasChanges') && words(isolated).has('resumable'));
  const folder: SessionWorktree = { isolation: 'folder', repoRoot: '/ws/a', root: '/ws/a', base: isolated.base };
  assert.ok(words(folder).has('hasChanges') && !words(folder).has('isolated'));
  assert.ok(!words(undefined).has('hasChanges'));
  const discarded = words({ ...isolated, removedAt: NOW });
  assert.ok(!discarded.has('isolated') && !discarded.has('resumable') && !discarded.has('forkable'), 'a discarded worktree leaves nothing to run or merge');
  assert.equal(sessionDescription(record({ worktree: { ...isolated, removedAt: NOW } }), NOW), 'shannon/fix-the-tests-abc123 (discarded) · 1m');
});
