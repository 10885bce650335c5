import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Checkpoint } from '../../../src/core/checkpoints/types';
import { laterChangesQuestion, REVIEW_NEEDS_CHECKPOINTS, turnEditRow, turnEditsInfo } from '../../../src/extension/model/turnReviewModel';

const turn = (id: string, changedFiles: string[], endSeq?: number): Checkpoint => ({ id, sessionId: 's', createdAt: 1, seq: 0, label: id, snapshotRef: 'a', afterRef: 'b', changedFiles, ...(endSeq === undefined ? {} : { endSeq }) });

test('the panel offers Review edits on each turn whose result it knows, with its file count', () => {
  assert.deepEqual(turnEditsInfo([turn('t1', ['a', 'b'], 7), turn('t2', ['c'])], true), { turns: [{ checkpointId: 't1', endSeq: 7, files: 2 }] });
});

test('with automatic checkpoints off the panel says why turns cannot be reviewed, naming the setting', () => {
  const info = turnEditsInfo([], false);
  assert.equal(info.unavailable, REVIEW_NEEDS_CHECKPOINTS);
  assert.match(REVIEW_NEEDS_CHECKPOINTS, /shannon\.autoCheckpoint/);
});

test('a file’s row says what the turn did and what happened since', () => {
  assert.deepEqual(turnEditRow({ path: 'src/a.ts', change: 'added', reverted: false, changedSince: false }), { label: '$(diff-added) src/a.ts', description: 'created by the turn' });
  assert.equal(turnEditRow({ path: 'b', change: 'modified', reverted: false, changedSince: true }).description, 'changed by the turn · changed again since');
  assert.equal(turnEditRow({ path: 'c', change: 'deleted', reverted: true, changedSince: false }).description, 'deleted by the turn · reverted');
});

test('the question before overwriting a later change names the files and what is lost', () => {
  assert.match(laterChangesQuestion(['a.txt']), /^a\.txt changed after this turn .*loses that later change/);
  assert.match(laterChangesQuestion(['a', 'b', 'c', 'd']), /^4 files changed \(a, b, c, …\)/);
});
