/**
 * Damaged storage (issue 13 §6): paths of the wrong kind, and a second process writing a
 * session another one runs. The store says what is wrong and where, keeps serving the rest,
 * never throws from appendMessage for an I/O reason, and loses nothing of the first writer's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isShannonError } from '../../src/core/errors';
import { emptyMetrics, type SessionRecord } from '../../src/core/session/types';
import { SessionStore } from '../../src/core/store';
import { tempDir } from '../support/tempDirs';

const WRITER = path.join(import.meta.dirname, '..', 'support', 'storeWriter.ts');

function record(id: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return { id, workspaceFolder: '/w', cwd: '/w', title: id, options: {}, state: 'running', createdAt: 1, updatedAt: 2, metrics: emptyMetrics(), origin: 'shannon', ...over };
}

function say(store: SessionStore, sessionId: string, text: string) {
  return store.appendMessage({ sessionId, at: 1, direction: 'in', type: 'assistant', raw: { type: 'assistant', message: { content: [{ type: 'text', text }] } } });
}

const textOf = (raw: unknown) => (raw as { message: { content: Array<{ text: string }> } }).message.content[0]!.text;
const damaged = (store: SessionStore) => store.warnings.filter((w) => w.code === 'STORE_DAMAGED');

async function rejectsDamaged(flush: Promise<void>, culprit: string, kind: RegExp): Promise<void> {
  await assert.rejects(flush, (err: unknown) => {
    assert.ok(isShannonError(err, 'STORE_DAMAGED'), String(err));
    assert.ok(err.message.includes(culprit), err.message);
    assert.match(err.message, kind);
    assert.match(err.hint ?? '', /Move .* out of the way/);
    return true;
  });
}

describe('damaged storage', () => {
  it('a database path that is a folder: says so, keeps sessions in memory, writes transcripts, saves once it is gone', async () => {
    const dir = tempDir('shannon-damage-');
    const db = path.join(dir, 'store.sqlite');
    fs.mkdirSync(db);
    const store = await SessionStore.open({ dir, flushDelayMs: 20 });
    try {
      assert.equal(damaged(store).length, 1);
      assert.match(damaged(store)[0]!.message, /its session database: .*store\.sqlite is a folder, not a file/);
      store.upsertSession(record('s1'));
      say(store, 's1', 'kept');
      assert.equal(store.getSession('s1')?.title, 's1');
      await rejectsDamaged(store.flush(), db, /is a folder, not a file/);
      assert.deepEqual((await store.readTranscript('s1')).map((e) => textOf(e.raw)), ['kept']);
      assert.ok(fs.statSync(path.join(dir, 'transcripts', 's1.jsonl')).size > 0, 'the transcript was written all the same');
      fs.rmdirSync(db);
      await store.flush();
    } finally {
      store.dispose();
    }
    const again = await SessionStore.open({ dir });
    assert.equal(again.getSession('s1')?.title, 's1');
    assert.deepEqual(again.warnings, []);
    again.dispose();
  });

  it('a transcript path that is a folder: appendMessage does not throw, other sessions are written, its lines follow once it is gone', async () => {
    const dir = tempDir('shannon-damage-');
    const store = await SessionStore.open({ dir, flushDelayMs: 20 });
    const bad = path.join(dir, 'transcripts', 'bad.jsonl');
    fs.mkdirSync(bad, { recursive: true });
    try {
      store.upsertSession(record('bad'));
      store.upsertSession(record('good'));
      for (let i = 0; i < 10; i++) {
        say(store, 'bad', `bad ${i}`);
        say(store, 'good', `good ${i}`);
      }
      await rejectsDamaged(store.flush(), bad, /transcript of session bad: .* is a folder, not a file/);
      await assert.rejects(store.flush()); // retried: still the same problem …
      assert.equal(damaged(store).length, 1, '… reported once');
      assert.equal(fs.readFileSync(path.join(dir, 'transcripts', 'good.jsonl'), 'utf8').trimEnd().split('\n').length, 10);
      assert.equal((await store.readTranscript('bad')).length, 10, 'held in memory, readable');
      fs.rmdirSync(bad);
      await store.flush();
      assert.equal(fs.readFileSync(bad, 'utf8').trimEnd().split('\n').length, 10);
    } finally {
      store.dispose();
    }
  });

  it('transcripts/ that is a file: ten appends do not throw, the metadata is saved, nothing is lost once it is a folder', async () => {
    const dir = tempDir('shannon-damage-');
    fs.writeFileSync(path.join(dir, 'transcripts'), 'not a folder');
    const store = await SessionStore.open({ dir, flushDelayMs: 20 });
    try {
      store.upsertSession(record('s1'));
      for (let i = 0; i < 10; i++) say(store, 's1', `line ${i}`);
      await rejectsDamaged(store.flush(), path.join(dir, 'transcripts'), /is a file, not a folder/);
      assert.equal((await store.readTranscript('s1')).length, 10);
      assert.deepEqual(await store.search('line'), [], 'search answers (nothing is indexed yet)');
      const peek = await SessionStore.open({ dir });
      assert.equal(peek.getSession('s1')?.title, 's1', 'the database was saved regardless');
      peek.dispose();
      fs.rmSync(path.join(dir, 'transcripts'));
      await store.flush();
    } finally {
      store.dispose();
    }
    const again = await SessionStore.open({ dir });
    assert.deepEqual(
      (await again.readTranscript('s1')).map((e) => [e.seq, textOf(e.raw)]),
      Array.from({ length: 10 }, (_, i) => [i, `line ${i}`]),
    );
    again.dispose();
  });

  it('owners/ that is a file: the store opens with a warning', async () => {
    const dir = tempDir('shannon-damage-');
    fs.writeFileSync(path.join(dir, 'owners'), '');
    const store = await SessionStore.open({ dir });
    try {
      assert.match(damaged(store)[0]?.message ?? '', /owners is a file, not a folder/);
      store.upsertSession(record('s1', { state: 'completed' }));
      await store.flush();
    } finally {
      store.dispose();
    }
  });

  it('a second process appending to a session the first one runs is refused loudly, and nothing of the first one is lost', async () => {
    const dir = tempDir('shannon-damage-');
    const first = await SessionStore.open({ dir, flushDelayMs: 5 });
    try {
      first.upsertSession(record('shared'));
      const second = runWriter(dir, 'append', 'shared', '333');
      for (let i = 0; i < 333; i++) {
        say(first, 'shared', `first writer line ${i}`);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      const out = await second;
      await first.flush();
      assert.match(out, /warnings .*STORE_SESSION_IN_USE/, `the second writer was told: ${out}`);
      const lines = fs.readFileSync(path.join(dir, 'transcripts', 'shared.jsonl'), 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 333, 'only the first writer wrote');
      assert.deepEqual(
        (await first.readTranscript('shared')).map((e) => textOf(e.raw)),
        Array.from({ length: 333 }, (_, i) => `first writer line ${i}`),
      );

      // Once the session ended here, another process may resume it, numbering on.
      first.upsertSession(record('shared', { state: 'completed', updatedAt: 3 }));
      await first.flush();
      const later = await runWriter(dir, 'append', 'shared', '5');
      assert.match(later, /^warnings \n/m, later);
      const reader = await SessionStore.open({ dir });
      const all = await reader.readTranscript('shared');
      reader.dispose();
      assert.deepEqual(all.map((e) => e.seq), Array.from({ length: 338 }, (_, i) => i));
      assert.equal(textOf(all.at(-1)!.raw), 'second writer line 4');
    } finally {
      first.dispose();
    }
  });
});

function runWriter(...args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer exited ${code}: ${err}`)))));
}
