import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AutoCheckpoints } from '../../src/core/checkpoints/autoCheckpoints';
import { CheckpointService } from '../../src/core/checkpoints/checkpointService';
import { ConversationPoints } from '../../src/core/checkpoints/conversationPoints';
import { TurnEdits } from '../../src/core/checkpoints/turnEdits';
import type { Checkpoint } from '../../src/core/checkpoints/types';
import { WorkspaceSnapshots } from '../../src/core/checkpoints/workspaceSnapshots';
import { isShannonError } from '../../src/core/errors';
import { Emitter } from '../../src/core/lifecycle';
import type { SessionMessageEvent, TurnEndEvent } from '../../src/core/session/sessionEvents';
import type { SessionRecord } from '../../src/core/session/types';
import { tempDir } from '../support/tempDirs';

function write(folder: string, rel: string, content: string | Buffer): void {
  const file = path.join(folder, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

const BEFORE_BYTES = Buffer.from('line one\r\nline two\r\n\u00e9\u0000tail', 'latin1');

/** A folder, its snapshots, and a turn that was recorded as AutoCheckpoints records one. */
async function recordedTurn() {
  const folder = tempDir('shannon-turn-ws-');
  const snapshots = new WorkspaceSnapshots({ storageDir: tempDir('shannon-turn-storage-') });
  write(folder, 'edited.txt', BEFORE_BYTES);
  write(folder, 'deleted.txt', 'the turn deletes me\n');
  write(folder, 'untouched.txt', 'same\n');
  const before = await snapshots.snapshot(folder, 'Turn 1');
  // The turn: edits one file, creates one in a new folder, deletes one.
  write(folder, 'edited.txt', 'the turn rewrote this\n');
  write(folder, 'src/created.ts', 'export const x = 1;\n');
  rmSync(path.join(folder, 'deleted.txt'));
  const after = await snapshots.snapshot(folder, 'After: Turn 1');
  const checkpoint: Checkpoint = {
    id: 'cp-1',
    sessionId: 's-1',
    createdAt: before.createdAt,
    seq: 3,
    label: 'Rewrite the files',
    snapshotRef: before.ref,
    afterRef: after.ref,
    changedFiles: ['deleted.txt', 'edited.txt', 'src/created.ts'],
    endSeq: 9,
  };
  const checkpoints = new Map([[checkpoint.id, checkpoint]]);
  const edits = new TurnEdits({
    checkpoint: (id) => checkpoints.get(id),
    checkpoints: (sessionId) => [...checkpoints.values()].filter((c) => c.sessionId === sessionId),
    snapshots,
    folderOf: () => folder,
  });
  return { folder, snapshots, checkpoint, checkpoints, edits };
}

describe('TurnEdits', () => {
  it('lists the files the turn changed and what it did to each, and nothing it did not touch', async () => {
    const { edits } = await recordedTurn();
    const review = await edits.review('cp-1');
    assert.deepEqual(review.files, [
      { path: 'deleted.txt', change: 'deleted', reverted: false, changedSince: false },
      { path: 'edited.txt', change: 'modified', reverted: false, changedSince: false },
      { path: 'src/created.ts', change: 'added', reverted: false, changedSince: false },
    ]);
  });

  it('a change made after the turn is not the turn’s: the file shows as changed since, and another file edited later is not listed', async () => {
    const { folder, edits } = await recordedTurn();
    write(folder, 'edited.txt', 'the user edited it after the turn\n');
    write(folder, 'untouched.txt', 'a later turn changed this one\n');
    const review = await edits.review('cp-1');
    assert.deepEqual(
      review.files.map((f) => [f.path, f.changedSince]),
      [
        ['deleted.txt', false],
        ['edited.txt', true],
        ['src/created.ts', false],
      ],
    );
  });

  it('reverting one file puts it back byte for byte and leaves the turn’s other files as it left them', async () => {
    const { folder, edits } = await recordedTurn();
    const outcome = await edits.revert('cp-1', ['edited.txt']);
    assert.deepEqual(outcome, { kind: 'reverted', restored: ['edited.txt'], removed: [] });
    assert.ok(readFileSync(path.join(folder, 'edited.txt')).equals(BEFORE_BYTES));
    assert.equal(readFileSync(path.join(folder, 'src/created.ts'), 'utf8'), 'export const x = 1;\n');
    assert.equal(existsSync(path.join(folder, 'deleted.txt')), false);
    const review = await edits.review('cp-1');
    assert.deepEqual(
      review.files.map((f) => [f.path, f.reverted]),
      [
        ['deleted.txt', false],
        ['edited.txt', true],
        ['src/created.ts', false],
      ],
    );
  });

  it('reverting a created file removes it (and the folder it made); reverting a deleted one brings it back', async () => {
    const { folder, edits } = await recordedTurn();
    assert.deepEqual(await edits.revert('cp-1', ['src/created.ts', 'deleted.txt']), { kind: 'reverted', restored: ['deleted.txt'], removed: ['src/created.ts'] });
    assert.equal(existsSync(path.join(folder, 'src')), false);
    assert.equal(readFileSync(path.join(folder, 'deleted.txt'), 'utf8'), 'the turn deletes me\n');
    assert.equal(readFileSync(path.join(folder, 'edited.txt'), 'utf8'), 'the turn rewrote this\n');
  });

  it('revert all puts the folder back as before the turn; reverting again does nothing', async () => {
    const { folder, snapshots, checkpoint, edits } = await recordedTurn();
    const outcome = await edits.revert('cp-1');
    assert.equal(outcome.kind, 'reverted');
    assert.deepEqual(await snapshots.diff(folder, checkpoint.snapshotRef!), []);
    assert.deepEqual(await edits.revert('cp-1'), { kind: 'reverted', restored: [], removed: [] });
  });

  it('never overwrites a later change silently: names the file and changes nothing until told to', async () => {
    const { folder, edits } = await recordedTurn();
    write(folder, 'edited.txt', 'the user edited it after the turn\n');
    assert.deepEqual(await edits.revert('cp-1'), { kind: 'changed-since', files: ['edited.txt'] });
    assert.equal(readFileSync(path.join(folder, 'edited.txt'), 'utf8'), 'the user edited it after the turn\n');
    assert.ok(existsSync(path.join(folder, 'src/created.ts')), 'nothing was reverted, not even the files without a later change');
    // A file the turn deleted and someone wrote again is a later change too.
    write(folder, 'deleted.txt', 'written again after the turn\n');
    assert.deepEqual(await edits.revert('cp-1', ['deleted.txt']), { kind: 'changed-since', files: ['deleted.txt'] });
    // One the turn created and the user deleted since is simply back as before the turn.
    rmSync(path.join(folder, 'src/created.ts'));
    assert.equal((await edits.review('cp-1')).files.find((f) => f.path === 'src/created.ts')?.reverted, true);

    const forced = await edits.revert('cp-1', ['edited.txt'], { overwriteLaterChanges: true });
    assert.deepEqual(forced, { kind: 'reverted', restored: ['edited.txt'], removed: [] });
    assert.ok(readFileSync(path.join(folder, 'edited.txt')).equals(BEFORE_BYTES));
  });

  it('refuses files the turn did not change, and turns recorded without their end state, with a clear error', async () => {
    const { checkpoints, edits } = await recordedTurn();
    await assert.rejects(edits.revert('cp-1', ['untouched.txt']), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT') && /untouched\.txt/.test(e.message));
    await assert.rejects(edits.review('nope'), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT'));
    const old = { ...checkpoints.get('cp-1')!, id: 'cp-old' };
    delete old.afterRef;
    checkpoints.set(old.id, old);
    await assert.rejects(edits.review('cp-old'), (e: unknown) => isShannonError(e, 'NOT_SUPPORTED'));
    assert.deepEqual(
      edits.turns('s-1').map((c) => c.id),
      ['cp-1'],
      'only turns that kept their end state are offered for review',
    );
  });
});

describe('AutoCheckpoints', () => {
  function harness() {
    const folder = tempDir('shannon-auto-ws-');
    const snapshots = new WorkspaceSnapshots({ storageDir: tempDir('shannon-auto-storage-') });
    const kept: Checkpoint[] = [];
    const errors: unknown[] = [];
    const messages = new Emitter<SessionMessageEvent>();
    const turnEnds = new Emitter<TurnEndEvent>();
    const store = { addCheckpoint: (c: Checkpoint) => void kept.push(c), readTranscriptTail: () => ({ entries: [], hasMore: false }) };
    const service = new CheckpointService({
      snapshots,
      store: { addCheckpoint: () => undefined, getCheckpoint: () => undefined, listCheckpoints: () => [], deleteCheckpoint: () => undefined, getSession: () => undefined },
      sessions: { startSession: () => Promise.reject(new Error('not in this test')) },
    });
    const auto = new AutoCheckpoints({
      service,
      snapshots,
      store,
      manager: { onDidMessage: messages.event, onDidEndTurn: turnEnds.event },
      points: new ConversationPoints(store as never),
      onError: (err) => errors.push(err),
    });
    const session = { id: 's-1', workspaceFolder: folder, metrics: { turns: 0 }, options: {} } as unknown as SessionRecord;
    /** Ends the turn the way a Session does: the end event, then the result message (stored as `seq`). */
    const endTurn = (seq: number) => {
      turnEnds.fire({ sessionId: 's-1', result: {} as never, metrics: {} as never });
      messages.fire({ sessionId: 's-1', direction: 'in', message: { kind: 'result', message: {} as never }, at: Date.now(), entry: { seq } as never });
    };
    const settled = async () => {
      for (let i = 0; i < 200 && kept.length === 0 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    };
    return { folder, snapshots, kept, errors, auto, session, endTurn, settled };
  }

  it('keeps a turn that edited files with the snapshot of how it left them and the seq of its result', async () => {
    const h = harness();
    write(h.folder, 'a.txt', 'before\n');
    await h.auto.beforeTurn(h.session);
    write(h.folder, 'a.txt', 'after\n');
    h.endTurn(12);
    await h.settled();
    assert.deepEqual(h.errors, []);
    assert.equal(h.kept.length, 1);
    const [cp] = h.kept;
    assert.deepEqual(cp!.changedFiles, ['a.txt']);
    assert.equal(cp!.endSeq, 12);
    assert.deepEqual(await h.snapshots.compare(h.folder, cp!.snapshotRef!, cp!.afterRef!), [{ path: 'a.txt', change: 'modified' }]);
    h.auto.dispose();
  });

  it('a turn that changed no file leaves no checkpoint behind', async () => {
    const h = harness();
    write(h.folder, 'a.txt', 'same\n');
    await h.auto.beforeTurn(h.session);
    h.endTurn(5);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(h.kept, []);
    assert.deepEqual(h.errors, []);
    h.auto.dispose();
  });
});
