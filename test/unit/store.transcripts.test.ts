/**
 * Reading transcripts through the seq index: every kind of windowed read gives the answer a
 * whole-file scan would, across flushes, memory not yet written, another window's appends, a
 * lost or damaged `.idx`, and a batch a crash left written twice.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { TranscriptEntry } from '../../src/core/session/types';
import { SessionStore, type NewTranscriptEntry } from '../../src/core/store';
import { tempDir } from '../support/tempDirs';


const TYPES = ['assistant', 'user', 'stream_event', 'system', 'result'];

/** Message n of a session: a mix of types and sizes, some lines long enough to fill a segment alone. */
function message(sessionId: string, n: number): NewTranscriptEntry {
  const type = TYPES[n % TYPES.length]!;
  const text = n % 97 === 0 ? `long ${n} ${'x'.repeat(90_000)}` : `message ${n}`;
  return { sessionId, at: n, direction: 'in', type, raw: { type, n, message: { content: [{ type: 'text', text }] } } };
}

const seqs = (entries: readonly TranscriptEntry[]) => entries.map((e) => e.seq);
const shown = (e: TranscriptEntry) => e.type !== 'stream_event';

/** Every windowed read against the same question asked of the whole transcript. */
async function assertReadsAgree(store: SessionStore, sessionId: string): Promise<void> {
  const all = await store.readTranscript(sessionId);
  assert.deepEqual(seqs(all), Array.from(all, (_, i) => i), 'the whole transcript, each seq once, in order');
  const last = all.length;
  for (const limit of [1, 50, 333]) {
    const tail = await store.readTranscriptTail(sessionId, { limit });
    assert.deepEqual(seqs(tail.entries), seqs(all.slice(-limit)), `newest ${limit}`);
    assert.equal(tail.hasOlder, last > limit);
    const shownAll = all.filter(shown);
    const filtered = await store.readTranscriptTail(sessionId, { limit, filter: shown });
    assert.deepEqual(seqs(filtered.entries), seqs(shownAll.slice(-limit)), `newest ${limit} shown`);
    for (const before of [0, 1, 64, 65, Math.floor(last / 2), last - 1, last + 10]) {
      const older = await store.readTranscriptTail(sessionId, { limit, beforeSeq: before, filter: shown });
      const expected = shownAll.filter((e) => e.seq < before);
      assert.deepEqual(seqs(older.entries), seqs(expected.slice(-limit)), `${limit} shown before ${before}`);
      assert.equal(older.hasOlder, expected.length > limit, `older than those ${limit} before ${before}`);
    }
    for (const from of [0, 63, 64, 500, last - 3, last, last + 5]) {
      assert.deepEqual(seqs(await store.readTranscript(sessionId, { fromSeq: from, limit })), seqs(all.filter((e) => e.seq >= from).slice(0, limit)), `${limit} from ${from}`);
      assert.deepEqual(
        seqs(await store.readTranscript(sessionId, { fromSeq: from, limit, filter: shown })),
        seqs(all.filter((e) => e.seq >= from && shown(e)).slice(0, limit)),
        `${limit} shown from ${from}`,
      );
    }
  }
  for (const seq of [0, 1, 97, Math.floor(last / 3), last - 1]) assert.deepEqual(await store.readTranscriptEntry(sessionId, seq), all[seq], `entry ${seq}`);
  assert.equal(await store.readTranscriptEntry(sessionId, last + 1), undefined);
}

describe('transcript reads', () => {
  it('answer every windowed read as a whole-file scan would, with lines on disk and in memory', async () => {
    const dir = tempDir('shannon-transcripts-');
    const store = await SessionStore.open({ dir, flushDelayMs: 60_000 });
    try {
      let n = 0;
      for (let round = 0; round < 7; round++) {
        for (let k = 0; k < 173; k++) store.appendMessage(message('s', n++));
        await store.flush();
      }
      await assertReadsAgree(store, 's');
      for (let k = 0; k < 40; k++) store.appendMessage(message('s', n++)); // not flushed: memory only
      await assertReadsAgree(store, 's');
      assert.deepEqual(seqs((await store.readTranscriptTail('s', { limit: 3 })).entries), [n - 3, n - 2, n - 1]);
      assert.deepEqual(await store.readTranscriptTail('nobody', { limit: 5 }), { entries: [], hasOlder: false });
      assert.deepEqual(await store.readTranscript('nobody', { fromSeq: 3 }), []);
    } finally {
      store.dispose();
    }
    assert.ok(fs.statSync(path.join(dir, 'transcripts', 's.idx')).size > 8, 'the index is kept beside the transcript');
  });

  it('rebuilds the index from the transcript when .idx is lost, cut short, or points at the wrong bytes', async () => {
    const dir = tempDir('shannon-transcripts-');
    const store = await SessionStore.open({ dir });
    for (let n = 0; n < 1500; n++) store.appendMessage(message('s', n));
    await store.flush();
    store.dispose();
    const idx = path.join(dir, 'transcripts', 's.idx');
    const good = fs.readFileSync(idx);

    fs.rmSync(idx);
    let again = await SessionStore.open({ dir });
    await assertReadsAgree(again, 's');
    again.dispose();
    assert.deepEqual(fs.readFileSync(idx), good, 'a lost index is written again, the same');

    fs.writeFileSync(idx, good.subarray(0, good.length - 20)); // as after a crash: records missing, one cut
    again = await SessionStore.open({ dir });
    await assertReadsAgree(again, 's');
    again.appendMessage(message('s', 1500));
    await again.flush();
    assert.deepEqual(seqs((await again.readTranscriptTail('s', { limit: 2 })).entries), [1499, 1500]);
    again.dispose();

    const wrong = Buffer.from(good);
    // Offsets mid-line, but for the last record (the one an open checks against the file).
    for (let at = 8 + 16 * 3 + 8; at < wrong.length - 16; at += 16) wrong.writeDoubleLE(wrong.readDoubleLE(at) + 7, at);
    fs.writeFileSync(idx, wrong);
    again = await SessionStore.open({ dir });
    await assertReadsAgree(again, 's');
    again.dispose();

    fs.writeFileSync(idx, Buffer.from('not an index at all'));
    again = await SessionStore.open({ dir });
    await assertReadsAgree(again, 's');
    assert.deepEqual(again.warnings, []);
    again.dispose();
  });

  it('sees what another window appends, and reads a batch written twice (dispose racing a flush) once', async () => {
    const dir = tempDir('shannon-transcripts-');
    const writer = await SessionStore.open({ dir });
    const reader = await SessionStore.open({ dir });
    try {
      for (let n = 0; n < 300; n++) writer.appendMessage(message('s', n));
      await writer.flush();
      assert.deepEqual(seqs((await reader.readTranscriptTail('s', { limit: 2 })).entries), [298, 299]);
      for (let n = 300; n < 700; n++) writer.appendMessage(message('s', n));
      await writer.flush();
      assert.deepEqual(seqs((await reader.readTranscriptTail('s', { limit: 2 })).entries), [698, 699]);
      await assertReadsAgree(reader, 's');

      // The last 30 lines again, as a synchronous dispose writes what an async flush had in flight.
      const file = path.join(dir, 'transcripts', 's.jsonl');
      const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
      fs.appendFileSync(file, `${lines.slice(-30).join('\n')}\n`);
      for (let n = 700; n < 720; n++) writer.appendMessage(message('s', n));
      await writer.flush();
      await assertReadsAgree(reader, 's');
      await assertReadsAgree(writer, 's');
    } finally {
      writer.dispose();
      reader.dispose();
    }
  });

  it('keeps a message nested too deep to serialise as received, and one that cannot be written never blocks the others', async () => {
    const dir = tempDir('shannon-transcripts-');
    const depth = 100_000;
    const deepText = `{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Probe","input":{"nested":${'['.repeat(depth)}${']'.repeat(depth)}}}]}}`;
    const deep = JSON.parse(deepText) as Record<string, unknown>;
    assert.throws(() => JSON.stringify(deep), RangeError, 'the premise: Node cannot write this value back');
    const store = await SessionStore.open({ dir, flushDelayMs: 60_000 });
    const say = (text: string) => store.appendMessage({ sessionId: 's', at: 1, direction: 'in', type: 'assistant', raw: { type: 'assistant', message: { content: [{ type: 'text', text }] } } });
    try {
      say('before');
      store.appendMessage({ sessionId: 's', at: 2, direction: 'in', type: 'assistant', raw: deep, rawText: deepText });
      say('between');
      store.appendMessage({ sessionId: 's', at: 3, direction: 'in', type: 'assistant', raw: deep }); // no text: must be serialised, cannot be
      say('after');
      await store.flush();
      say('later');
      await store.flush();
      const unwritable = store.warnings.filter((w) => w.code === 'STORE_MESSAGE_UNWRITABLE');
      assert.equal(unwritable.length, 1, 'reported once, not at every flush');
      assert.match(unwritable[0]!.message, /Message 3 \(assistant\) of session s was not saved: it is nested too deeply/);
      assert.ok(unwritable[0]!.hint);
      assert.deepEqual(
        store.warnings.filter((w) => w.code !== 'STORE_MESSAGE_UNWRITABLE'),
        [],
      );
    } finally {
      store.dispose();
    }
    const again = await SessionStore.open({ dir });
    try {
      const texts = (await again.readTranscript('s')).map((e) => {
        const block = (e.raw as { message: { content: Array<{ text?: string; input?: unknown }> } }).message.content[0]!;
        return [e.seq, block.text ?? 'deep'];
      });
      assert.deepEqual(texts, [
        [0, 'before'],
        [1, 'deep'],
        [2, 'between'],
        [4, 'after'],
        [5, 'later'],
      ]);
      const line = fs.readFileSync(path.join(dir, 'transcripts', 's.jsonl'), 'utf8').split('\n')[1]!;
      assert.ok(line.endsWith(`,"raw":${deepText}}`), 'the message is stored byte for byte as received');
      assert.deepEqual(again.warnings, []);
    } finally {
      again.dispose();
    }
  });
});
