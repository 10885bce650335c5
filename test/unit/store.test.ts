/**
 * The session store against the real file system and the real sql.js: what a user would
 * notice after a reload, a crash, a damaged file, a read-only folder or a second window.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import initSqlJs from 'sql.js';
import { isShannonError, type ShannonError } from '../../src/core/errors';
import { nextEvent } from '../../src/core/lifecycle';
import { emptyMetrics, type SessionRecord, type TurnMetrics } from '../../src/core/session/types';
import { SessionStore, SCHEMA_VERSION, type StoreChange } from '../../src/core/store';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'shannon-store-'));
  dirs.push(d);
  return d;
}

function record(id: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    workspaceFolder: '/work/a',
    cwd: '/work/a',
    title: `session ${id}`,
    options: { model: 'sonnet', permissionMode: 'default' },
    state: 'completed',
    createdAt: 1_000,
    updatedAt: 2_000,
    metrics: emptyMetrics(),
    origin: 'shannon',
    ...over,
  };
}

function say(store: SessionStore, sessionId: string, text: string) {
  return store.appendMessage({
    sessionId,
    at: Date.now(),
    direction: 'out',
    type: 'assistant',
    uuid: `u-${sessionId}-${text.length}`,
    raw: { type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text }] }, session_id: 'cli-1' },
  });
}

function turn(sessionId: string, n: number, over: Partial<TurnMetrics> = {}): TurnMetrics {
  return {
    sessionId,
    turn: n,
    endedAt: Date.UTC(2025, 0, 10, 12),
    model: 'claude-sonnet',
    inputTokens: 100,
    outputTokens: 50,
    cacheReadInputTokens: 10,
    cacheCreationInputTokens: 5,
    costUsd: 0.01,
    durationMs: 1000,
    durationApiMs: 800,
    numTurns: 1,
    isError: false,
    subtype: 'success',
    ...over,
  };
}

const isRoot = process.getuid?.() === 0;

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SessionStore', () => {
  it('shows after a reopen everything written before', async () => {
    const dir = await tempDir();
    const now = () => Date.UTC(2025, 0, 12);
    const store = await SessionStore.open({ dir, now });
    store.upsertSession(record('s1', { title: 'Fix the parser', pinned: true, cliSessionId: 'cli-1', error: { code: 'X', message: 'y' } }));
    store.upsertSession(record('s2', { workspaceFolder: '/work/b', updatedAt: 3_000 }));
    const first = say(store, 's1', 'hello there');
    const second = say(store, 's1', 'general kenobi');
    assert.deepEqual([first.seq, second.seq], [0, 1]);
    store.recordTurn(turn('s1', 1));
    store.recordTurn(turn('s2', 1, { model: 'claude-opus', costUsd: 0.5, endedAt: Date.UTC(2025, 0, 11, 12) }));
    store.addCheckpoint({ id: 'c1', sessionId: 's1', createdAt: 5, cliSessionId: 'cli-1', messageUuid: first.uuid!, seq: 0, label: 'before edit', snapshotRef: 'refs/x', files: 12, changedFiles: ['src/a.ts'] });
    await store.flush();
    store.dispose();

    const again = await SessionStore.open({ dir, now });
    try {
      assert.deepEqual(again.getSession('s1'), record('s1', { title: 'Fix the parser', pinned: true, cliSessionId: 'cli-1', error: { code: 'X', message: 'y' } }));
      assert.deepEqual(
        again.listSessions().map((s) => s.id),
        ['s2', 's1'],
      );
      assert.deepEqual(
        again.listSessions({ workspaceFolder: '/work/b' }).map((s) => s.id),
        ['s2'],
      );
      const transcript = await again.readTranscript('s1');
      assert.deepEqual(
        transcript.map((e) => [e.seq, (e.raw as { message: { content: Array<{ text: string }> } }).message.content[0]!.text]),
        [
          [0, 'hello there'],
          [1, 'general kenobi'],
        ],
      );
      assert.deepEqual(await again.readTranscript('s1', { fromSeq: 1 }), [transcript[1]]);
      assert.equal(say(again, 's1', 'next').seq, 2, 'seq continues after a reopen');
      assert.deepEqual(again.listTurns('s1'), [turn('s1', 1)]);
      assert.deepEqual(again.getCheckpoint('c1'), { id: 'c1', sessionId: 's1', createdAt: 5, cliSessionId: 'cli-1', messageUuid: first.uuid!, seq: 0, label: 'before edit', snapshotRef: 'refs/x', files: 12, changedFiles: ['src/a.ts'] });
      assert.deepEqual(
        again.listCheckpoints('s1').map((c) => c.id),
        ['c1'],
      );
      const byModel = again.usage({ groupBy: 'model' });
      assert.deepEqual(
        byModel.map((r) => [r.key, r.turns, r.costUsd]),
        [
          ['claude-opus', 1, 0.5],
          ['claude-sonnet', 1, 0.01],
        ],
      );
      assert.deepEqual(
        again.usage({ groupBy: 'workspaceFolder', since: Date.UTC(2025, 0, 11) }).map((r) => [r.key, r.inputTokens]),
        [['/work/b', 100]],
      );
      assert.equal(again.usage({ groupBy: 'day' }).length, 2);
      assert.deepEqual(again.warnings, []);
    } finally {
      again.dispose();
    }
  });

  it('keeps usage totals exact when old turns are summed per day', async () => {
    const dir = await tempDir();
    const jan = Date.UTC(2025, 0, 10, 12);
    const store = await SessionStore.open({ dir, now: () => jan });
    store.upsertSession(record('s1'));
    store.recordTurn(turn('s1', 1, { endedAt: jan }));
    store.recordTurn(turn('s1', 2, { endedAt: jan + 60_000, model: 'claude-opus', costUsd: 0.25 }));
    store.recordTurn(turn('s1', 3, { endedAt: jan + 3 * 86_400_000 }));
    await store.flush();
    const before = { model: store.usage({ groupBy: 'model' }), day: store.usage({ groupBy: 'day' }), folder: store.usage({ groupBy: 'workspaceFolder' }) };
    store.dispose();

    const july = Date.UTC(2025, 6, 1);
    const later = await SessionStore.open({ dir, now: () => july });
    try {
      await until(() => later.listTurns('s1').length === 0, 'turn detail older than 90 days is summed (in the background)');
      assert.deepEqual(later.usage({ groupBy: 'model' }), before.model);
      assert.deepEqual(later.usage({ groupBy: 'day' }), before.day);
      assert.deepEqual(later.usage({ groupBy: 'workspaceFolder' }), before.folder);
      later.recordTurn(turn('s1', 2, { endedAt: jan + 60_000 })); // imported again
      later.recordTurn(turn('s1', 4, { endedAt: july }));
      assert.deepEqual(
        later.usage({ groupBy: 'model' }).map((r) => [r.key, r.turns]),
        [
          ['claude-opus', 1],
          ['claude-sonnet', 3],
        ],
      );
      assert.deepEqual(
        later.usage({ groupBy: 'day', since: jan + 86_400_000, until: july }).map((r) => r.turns),
        [1],
        'a range picks whole summed days',
      );
    } finally {
      later.dispose();
    }
  });

  it('writes within the flush delay without an explicit flush, and on dispose', async () => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir, flushDelayMs: 50 });
    store.upsertSession(record('s1'));
    say(store, 's1', 'soon on disk');
    await new Promise((r) => setTimeout(r, 400));
    const peek = await SessionStore.open({ dir });
    assert.equal(peek.getSession('s1')?.title, 'session s1');
    assert.equal((await peek.readTranscript('s1')).length, 1);
    peek.dispose();
    say(store, 's1', 'written by dispose');
    store.upsertSession(record('s3'));
    store.dispose();
    const again = await SessionStore.open({ dir });
    assert.ok(again.getSession('s3'));
    assert.equal((await again.readTranscript('s1')).length, 2);
    again.dispose();
  });

  it('opens a store written before checkpoints kept their file count, and keeps counts from then on', async () => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    store.upsertSession(record('s1'));
    store.addCheckpoint({ id: 'old', sessionId: 's1', createdAt: 1, seq: 0, label: 'made by 0.1', snapshotRef: 'r1' });
    await store.flush();
    store.dispose();
    // The same file as schema 1 wrote it: no files, changed_files or forks column (schema 2),
    // no after_ref or end_seq (schema 3), no touched files (schema 4).
    const file = path.join(dir, 'store.sqlite');
    const SQL = await initSqlJs();
    const db = new SQL.Database(await readFile(file));
    db.run(
      'ALTER TABLE checkpoints DROP COLUMN files; ALTER TABLE checkpoints DROP COLUMN changed_files; ALTER TABLE checkpoints DROP COLUMN forks; ' +
        'ALTER TABLE checkpoints DROP COLUMN after_ref; ALTER TABLE checkpoints DROP COLUMN end_seq; DROP TABLE touched_files; PRAGMA user_version = 1',
    );
    await writeFile(file, db.export());

    const again = await SessionStore.open({ dir });
    try {
      assert.deepEqual(again.getCheckpoint('old'), { id: 'old', sessionId: 's1', createdAt: 1, seq: 0, label: 'made by 0.1', snapshotRef: 'r1' });
      again.addCheckpoint({ id: 'new', sessionId: 's1', createdAt: 2, seq: 1, label: 'made now', snapshotRef: 'r2', files: 3, changedFiles: ['a.txt'], afterRef: 'r3', endSeq: 7 });
      await again.flush();
    } finally {
      again.dispose();
    }
    const third = await SessionStore.open({ dir });
    const made = third.getCheckpoint('new');
    assert.deepEqual([made?.files, made?.changedFiles, made?.afterRef, made?.endSeq], [3, ['a.txt'], 'r3', 7]);
    third.dispose();
  });

  it('refuses a store written by a newer Shannon and leaves the file untouched', async () => {
    const dir = await tempDir();
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run(`CREATE TABLE sessions (id TEXT); PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    const bytes = db.export();
    const file = path.join(dir, 'store.sqlite');
    await writeFile(file, bytes);
    const before = fs.statSync(file);
    await assert.rejects(SessionStore.open({ dir }), (err: unknown) => {
      assert.ok(isShannonError(err, 'STORE_TOO_NEW'));
      assert.match(err.message, /newer Shannon/);
      assert.ok(err.hint);
      return true;
    });
    assert.deepEqual(await readFile(file), Buffer.from(bytes));
    assert.equal(fs.statSync(file).mtimeMs, before.mtimeMs);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('store.sqlite')), ['store.sqlite']);
  });

  it('moves a garbage database aside, keeps it, warns, and starts empty', async () => {
    const dir = await tempDir();
    const garbage = Buffer.from('this is not a database at all, just words '.repeat(100));
    await writeFile(path.join(dir, 'store.sqlite'), garbage);
    const store = await SessionStore.open({ dir });
    try {
      assert.equal(store.warnings.length, 1);
      assert.equal(store.warnings[0]!.code, 'STORE_CORRUPT');
      assert.match(store.warnings[0]!.toUserString(), /kept as store\.sqlite\.corrupt-/);
      const aside = (await readdir(dir)).filter((n) => n.startsWith('store.sqlite.corrupt-'));
      assert.equal(aside.length, 1);
      assert.deepEqual(await readFile(path.join(dir, aside[0]!)), garbage);
      assert.deepEqual(store.listSessions(), []);
      store.upsertSession(record('fresh'));
      await store.flush();
    } finally {
      store.dispose();
    }
    const again = await SessionStore.open({ dir });
    assert.ok(again.getSession('fresh'));
    assert.deepEqual(again.warnings, []);
    again.dispose();
  });

  it('restores the last good copy when the database is truncated', async () => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    for (let i = 0; i < 200; i++) store.upsertSession(record(`s${i}`, { title: `a long enough title to fill pages ${'x'.repeat(200)}` }));
    await store.flush();
    store.upsertSession(record('last', { updatedAt: 9_000 }));
    await store.flush(); // the previous save is now store.sqlite.bak
    store.dispose();
    const file = path.join(dir, 'store.sqlite');
    const full = await readFile(file);
    // A second save gave the .bak its own file; the truncation must not reach it.
    fs.unlinkSync(file);
    await writeFile(file, full.subarray(0, Math.floor(full.length / 2)));

    const again = await SessionStore.open({ dir });
    try {
      assert.equal(again.warnings.length, 1);
      assert.equal(again.warnings[0]!.code, 'STORE_CORRUPT');
      assert.match(again.warnings[0]!.toUserString(), /last good copy/);
      assert.equal(again.listSessions().length, 200, 'the .bak generation (before "last") came back');
      assert.equal(again.getSession('last'), undefined);
      const aside = (await readdir(dir)).filter((n) => n.startsWith('store.sqlite.corrupt-'));
      assert.equal(aside.length, 1);
      assert.equal(fs.statSync(path.join(dir, aside[0]!)).size, Math.floor(full.length / 2));
    } finally {
      again.dispose();
    }
  });

  it('skips an unreadable transcript line with a warning and keeps the rest', async () => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    store.upsertSession(record('s1'));
    say(store, 's1', 'one');
    await store.flush();
    store.dispose();
    fs.appendFileSync(path.join(dir, 'transcripts', 's1.jsonl'), '{"seq":1,"at":0,"dire'); // cut by a crash
    const again = await SessionStore.open({ dir });
    try {
      say(again, 's1', 'two');
      await again.flush();
      const entries = await again.readTranscript('s1');
      assert.deepEqual(
        entries.map((e) => e.seq),
        [0, 1],
      );
      assert.equal(again.warnings.length, 1);
      assert.equal(again.warnings[0]!.code, 'STORE_CORRUPT');
      assert.match(again.warnings[0]!.message, /1 unreadable line/);
    } finally {
      again.dispose();
    }
  });

  it('reports a read-only folder as STORE_WRITE_FAILED, keeps memory, and saves once writable', async (t) => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir, flushDelayMs: 20 });
    store.upsertSession(record('before'));
    await store.flush();
    // root ignores permission bits; the immutable attribute stops root too.
    const lock = isRoot ? () => execFileSync('chattr', ['+i', dir]) : () => fs.chmodSync(dir, 0o555);
    const unlock = isRoot ? () => execFileSync('chattr', ['-i', dir]) : () => fs.chmodSync(dir, 0o755);
    try {
      lock();
    } catch {
      t.skip('cannot make a folder read-only here');
      store.dispose();
      return;
    }
    try {
      const warned = nextEvent(store.onDidWarn);
      store.upsertSession(record('during', { updatedAt: 5_000 }));
      say(store, 'during', 'kept in memory');
      const warning: ShannonError = await warned;
      assert.equal(warning.code, 'STORE_WRITE_FAILED');
      assert.match(warning.toUserString(), /could not save.*(permission denied|read-only)/);
      await assert.rejects(store.flush(), (err: unknown) => isShannonError(err, 'STORE_WRITE_FAILED'));
      assert.equal(store.getSession('during')?.updatedAt, 5_000);
      assert.equal((await store.readTranscript('during')).length, 1);
    } finally {
      unlock();
    }
    await store.flush();
    store.dispose();
    const again = await SessionStore.open({ dir });
    assert.ok(again.getSession('during'));
    assert.equal((await again.readTranscript('during')).length, 1);
    again.dispose();
  });

  it('reports a full disk as STORE_WRITE_FAILED and keeps memory', async (t) => {
    const mnt = await tempDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      t.skip('no tmpfs mount here (needs root)');
      return;
    }
    try {
      const store = await SessionStore.open({ dir: mnt, flushDelayMs: 20 });
      store.upsertSession(record('s1'));
      await store.flush();
      const warned = nextEvent(store.onDidWarn);
      for (let i = 0; i < 400; i++) say(store, 's1', `filler ${i} ${'z'.repeat(1000)}`);
      const warning = await warned;
      assert.equal(warning.code, 'STORE_WRITE_FAILED');
      assert.match(warning.message, /disk is full/);
      assert.equal((await store.readTranscript('s1')).length, 400, 'unwritten lines stay readable from memory');
      assert.ok(store.getSession('s1'));
      store.dispose();
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });

  it('brings sessions that were running when their window died back as interrupted', async () => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    store.upsertSession(record('live', { state: 'running', updatedAt: 10_000, cliSessionId: 'cli-live' }));
    store.upsertSession(record('waiting', { state: 'awaiting_permission', updatedAt: 10_000 }));
    store.upsertSession(record('done', { state: 'completed' }));
    say(store, 'live', 'working on it');
    await store.flush();

    // A second window opening meanwhile leaves the first window's sessions running, even
    // after it pinned one of them and closed.
    const other = await SessionStore.open({ dir });
    assert.equal(other.getSession('live')?.state, 'running');
    other.upsertSession({ ...other.getSession('waiting')!, pinned: true, updatedAt: 10_001 });
    other.dispose();
    const third = await SessionStore.open({ dir });
    assert.equal(third.getSession('waiting')?.state, 'awaiting_permission');
    assert.equal(third.getSession('waiting')?.pinned, true);
    third.dispose();
    await store.flush(); // merges the pin into the first window's copy

    store.dispose(); // its owner goes away, as when the extension host dies
    const again = await SessionStore.open({ dir });
    try {
      const live = again.getSession('live')!;
      assert.equal(live.state, 'interrupted');
      assert.equal(live.cliSessionId, 'cli-live', 'still resumable');
      assert.ok(live.updatedAt > 10_000);
      assert.equal(again.getSession('waiting')?.state, 'interrupted');
      assert.equal(again.getSession('done')?.state, 'completed');
      assert.equal((await again.readTranscript('live')).length, 1);
    } finally {
      again.dispose();
    }
  });

  it('finds messages by their words, best match first, with a snippet', async () => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    try {
      store.upsertSession(record('a'));
      store.upsertSession(record('b', { workspaceFolder: '/work/b' }));
      say(store, 'a', 'The parser fails on nested brackets; the tokenizer is fine.');
      say(store, 'a', 'Unrelated chatter about lunch.');
      say(store, 'b', 'parser parser parser: rewrote the parser around a stack of brackets.');
      say(store, 'b', `${'Long preamble words here. '.repeat(30)}Finally the zebra appears near the end of this message.`);
      store.appendMessage({ sessionId: 'a', at: 1, direction: 'in', type: 'user', raw: { type: 'user', message: { role: 'user', content: 'Please look at the PARSER' } } });
      await store.settleIndex();
      // More lines after the first segment: the in-memory part is searched too.
      say(store, 'a', 'one more parser note');
      await store.flush();

      const hits = await store.search('parser');
      assert.deepEqual(
        hits.map((h) => [h.sessionId, h.seq]).slice(0, 1),
        [['b', 0]],
      );
      assert.equal(hits.length, 4);
      for (const h of hits) {
        assert.ok(h.score > 0);
        for (const [s, e] of h.highlights) assert.equal(h.snippet.slice(s, e).toLowerCase(), 'parser');
      }
      assert.ok(hits[0]!.score >= hits[1]!.score);

      const both = await store.search('nested BRACKETS parser');
      assert.deepEqual(
        both.map((h) => [h.sessionId, h.seq]),
        [['a', 0]],
      );
      assert.match(both[0]!.snippet, /nested brackets/);

      const zebra = await store.search('zebra');
      assert.equal(zebra.length, 1);
      assert.match(zebra[0]!.snippet, /^…/, 'the snippet is cut around the match');
      assert.match(zebra[0]!.snippet, /zebra appears/);

      assert.deepEqual(
        (await store.search('parser', { workspaceFolder: '/work/a' })).map((h) => h.sessionId).sort(),
        ['a', 'a', 'a'],
      );
      assert.deepEqual(await store.search('nothing-like-this'), []);
      assert.deepEqual(await store.search('  '), []);
    } finally {
      store.dispose();
    }
  });

  it('deletes a session with its transcript, turns, checkpoints and words in the index', async () => {
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    try {
      store.upsertSession(record('gone'));
      store.upsertSession(record('stays'));
      say(store, 'gone', 'secretword appears here');
      say(store, 'stays', 'ordinary words');
      store.recordTurn(turn('gone', 1));
      store.addCheckpoint({ id: 'cp', sessionId: 'gone', createdAt: 1, seq: 0, label: '' });
      await store.settleIndex();
      assert.equal((await store.search('secretword')).length, 1);

      await store.deleteSession('gone');
      assert.equal(store.getSession('gone'), undefined);
      assert.deepEqual(await store.search('secretword'), []);
      assert.equal(fs.existsSync(path.join(dir, 'transcripts', 'gone.jsonl')), false);
      assert.deepEqual(store.listCheckpoints('gone'), []);
      assert.deepEqual(store.listTurns('gone'), []);
      await store.settleIndex();
      for (const name of await readdir(path.join(dir, 'index'))) {
        if (name.endsWith('.seg')) assert.equal((await readFile(path.join(dir, 'index', name))).includes('secretword'), false, `${name} still holds the word`);
      }
      assert.equal((await store.search('ordinary')).length, 1);
    } finally {
      store.dispose();
    }
  });

  it('prunes old and oversized history but never a pinned or live session', async () => {
    const dir = await tempDir();
    const day = 86_400_000;
    const now = 400 * day;
    const store = await SessionStore.open({ dir, now: () => now });
    try {
      store.upsertSession(record('old', { updatedAt: now - 100 * day }));
      store.upsertSession(record('old-pinned', { updatedAt: now - 100 * day, pinned: true }));
      store.upsertSession(record('old-running', { updatedAt: now - 100 * day, state: 'running' }));
      store.upsertSession(record('mid', { updatedAt: now - 5 * day }));
      store.upsertSession(record('new', { updatedAt: now - day }));
      for (const id of ['old', 'old-pinned', 'old-running', 'mid', 'new']) say(store, id, `${id} ${'x'.repeat(1000)}`);
      store.recordTurn(turn('old', 1));
      await store.flush();

      assert.deepEqual(await store.prune({ maxAgeDays: 30 }), { removed: ['old'] });
      assert.equal(store.usage({ groupBy: 'model' })[0]?.turns, 1, 'usage totals keep pruned turns');
      const size = (id: string) => fs.statSync(path.join(dir, 'transcripts', `${id}.jsonl`)).size;
      const total = ['old-pinned', 'old-running', 'mid', 'new'].reduce((sum, id) => sum + size(id), 0);
      const { removed } = await store.prune({ maxBytes: total - size('mid') });
      assert.deepEqual(removed, ['mid']);
      assert.deepEqual(
        store
          .listSessions()
          .map((s) => s.id)
          .sort(),
        ['new', 'old-pinned', 'old-running'],
      );
      assert.deepEqual(await store.prune({ maxBytes: 0 }), { removed: ['new'] });
      assert.deepEqual(
        store
          .listSessions()
          .map((s) => s.id)
          .sort(),
        ['old-pinned', 'old-running'],
      );
    } finally {
      store.dispose();
    }
  });

  it('keeps both windows’ changes and tells each about the other’s', async () => {
    const dir = await tempDir();
    const a = await SessionStore.open({ dir, flushDelayMs: 10, pollMs: 100 });
    const b = await SessionStore.open({ dir, flushDelayMs: 10, pollMs: 100 });
    try {
      const bSawA = nextEvent(b.onDidChange, (e: StoreChange) => e.external && e.sessionIds.includes('from-a'));
      const aSawB = nextEvent(a.onDidChange, (e: StoreChange) => e.external && e.sessionIds.includes('from-b'));
      a.upsertSession(record('from-a'));
      b.upsertSession(record('from-b'));
      a.upsertSession(record('shared', { title: 'old', updatedAt: 5_000 }));
      b.upsertSession(record('shared', { title: 'new', updatedAt: 6_000 }));
      await Promise.all([a.flush(), b.flush()]);
      await Promise.all([bSawA, aSawB]);
      for (const s of [a, b]) {
        assert.ok(s.getSession('from-a'));
        assert.ok(s.getSession('from-b'));
      }
      assert.equal(a.getSession('shared')?.title, 'new', 'the later updatedAt wins');
      await b.deleteSession('from-a');
      await a.flush();
      a.upsertSession(record('another'));
      await a.flush();
      assert.equal(a.getSession('from-a'), undefined, 'a deletion is not undone by the other window');
    } finally {
      a.dispose();
      b.dispose();
    }
    const again = await SessionStore.open({ dir });
    assert.deepEqual(
      again
        .listSessions()
        .map((s) => s.id)
        .sort(),
      ['another', 'from-b', 'shared'],
    );
    again.dispose();
  });
});
