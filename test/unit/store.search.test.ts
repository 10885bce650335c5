/**
 * The search index on its own, over real transcript files: what the store's search shows after
 * a crash lost the in-memory part, after many segments merged, and under a bulk import.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ShannonError } from '../../src/core/errors';
import { SearchIndex, type SearchIndexOptions } from '../../src/core/store/search/searchIndex';
import { TranscriptFiles } from '../../src/core/store/transcripts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup(sessions: string[], over: Partial<SearchIndexOptions> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'shannon-index-'));
  dirs.push(dir);
  const transcripts = new TranscriptFiles(dir);
  const warnings: ShannonError[] = [];
  const deleted = new Set<string>();
  const open = (extra: Partial<SearchIndexOptions> = {}) =>
    new SearchIndex({
      storeDir: dir,
      transcripts,
      sessionFolders: () => new Map(sessions.filter((s) => !deleted.has(s)).map((s) => [s, '/w'])),
      deletedSessions: () => deleted,
      warn: (w) => warnings.push(w),
      ...over,
      ...extra,
    });
  return { dir, transcripts, warnings, deleted, open };
}

function write(transcripts: TranscriptFiles, sessionId: string, text: string) {
  return transcripts.append({ sessionId, at: 0, direction: 'out', type: 'assistant', raw: { type: 'assistant', message: { content: [{ type: 'text', text }] } } });
}

const segments = async (dir: string) => (await readdir(path.join(dir, 'index'))).filter((n) => n.endsWith('.seg'));

describe('SearchIndex', () => {
  it('indexes after a crash what the lost in-memory part held', async () => {
    const { transcripts, open } = await setup(['s1']);
    const first = open();
    write(transcripts, 's1', 'alpha kept in a segment');
    first.add((await transcripts.flush()).written);
    await first.settle();
    write(transcripts, 's1', 'beta only in memory when the window died');
    first.add((await transcripts.flush()).written);
    first.dispose(); // no segment written for beta: as after kill -9

    const second = open();
    try {
      second.catchUp();
      await second.settle();
      assert.deepEqual(
        (await second.search('beta')).map((h) => h.seq),
        [1],
      );
      assert.deepEqual(
        (await second.search('alpha')).map((h) => h.seq),
        [0],
        'what a segment holds is not indexed twice',
      );
    } finally {
      second.dispose();
    }
  });

  it('gives the same answers after many small segments merge into one', async () => {
    const { dir, transcripts, open } = await setup(['a', 'b'], { memDocs: 5 });
    const index = open();
    try {
      for (let i = 0; i < 200; i++) write(transcripts, i % 2 ? 'a' : 'b', `message ${i} ${i % 7 === 0 ? 'seventh' : 'plain'} words`);
      // Flushed in small batches: each fills a segment of 5.
      for (let round = 0; round < 4; round++) index.add((await transcripts.flush()).written);
      await index.settle();
      const hits = await index.search('seventh', { limit: 100 });
      assert.equal(hits.length, 29);
      assert.ok((await segments(dir)).length < 10, `merged: ${(await segments(dir)).length} segments for 40 written`);
      assert.deepEqual(
        new Set(hits.map((h) => `${h.sessionId}:${h.seq}`)).size,
        29,
        'no document twice',
      );
    } finally {
      index.dispose();
    }
  });

  it('reads lines back from disk when a bulk write outruns indexing', async () => {
    const { transcripts, open } = await setup(['bulk'], { maxQueued: 10 });
    const index = open();
    try {
      for (let i = 0; i < 500; i++) write(transcripts, 'bulk', `line ${i} ${i === 437 ? 'needle' : 'hay'}`);
      index.add((await transcripts.flush()).written);
      await index.settle();
      const [hit] = await index.search('needle');
      assert.equal(hit?.seq, 437);
      assert.match(hit.snippet, /line 437 needle/);
      assert.equal((await index.search('hay', { limit: 1000 })).length, 499);
    } finally {
      index.dispose();
    }
  });
});
