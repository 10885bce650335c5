/**
 * BM25 over every segment and the in-memory part at once: collection statistics (document
 * count, average length, document frequencies) are global, so scores compare across segments.
 * Every query word must match. Postings are walked rarest term first, in time slices.
 */
import type { Slicer } from '../files';
import { NORM_TO_LEN, type MemDoc } from './segment';
import type { SegmentReader } from './segmentReader';

const K1 = 1.2;
const B = 0.75;

/** A scored document: in a segment (`seg`, `doc`) or in memory (`mem`). */
export interface Candidate {
  score: number;
  seg: SegmentReader | undefined;
  doc: number;
  mem?: MemDoc;
}

/** The best candidates for `terms`, best first: a few times `limit` (repeats are dropped later). */
export async function rank(terms: readonly string[], segments: readonly SegmentReader[], memDocs: readonly MemDoc[], allowed: (sessionId: string) => boolean, limit: number, slicer: Slicer): Promise<Candidate[]> {
  // Collection statistics over everything searched.
  let n = memDocs.length;
  let totalLen = 0;
  for (const d of memDocs) totalLen += d.len;
  const infos = new Map<SegmentReader, Array<Awaited<ReturnType<SegmentReader['lookup']>>>>();
  const df = new Map<string, number>(terms.map((t) => [t, 0]));
  for (const seg of segments) {
    n += seg.header.docCount;
    totalLen += seg.header.totalLen;
    const found = [];
    for (const t of terms) {
      const info = await seg.lookup(t);
      if (info) df.set(t, df.get(t)! + info.df);
      found.push(info);
    }
    infos.set(seg, found);
  }
  for (const d of memDocs) for (const t of terms) if (d.tf.has(t)) df.set(t, df.get(t)! + 1);
  if (n === 0) return [];
  const avgLen = totalLen / n || 1;
  const idf = terms.map((t) => {
    const f = df.get(t)!;
    return Math.log(1 + (n - f + 0.5) / (f + 0.5));
  });
  const bm25 = (i: number, tf: number, len: number): number => (idf[i]! * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * len) / avgLen));

  let candidates: Candidate[] = [];
  const keep = Math.max(limit * 4, 50);
  const push = (c: Candidate): void => {
    candidates.push(c);
    if (candidates.length > keep * 4) candidates = candidates.sort((a, b) => b.score - a.score).slice(0, keep);
  };

  for (const seg of segments) {
    const found = infos.get(seg)!;
    if (found.some((f) => f === undefined)) continue; // every term must match
    const sessionOk = seg.header.sessions.map((s) => allowed(s.id));
    if (!sessionOk.includes(true)) continue;
    const sessionCol = await seg.sessions();
    const order = terms.map((_, i) => i).sort((a, b) => found[a]!.df - found[b]!.df);
    const lists = [];
    for (const i of order) lists.push(await seg.postings(found[i]!));
    const cursors = new Array<number>(lists.length).fill(0);
    const first = lists[0]!;
    outer: for (let k = 0; k < first.docs.length; k++) {
      if ((k & 1023) === 0) await slicer.maybeYield();
      const doc = first.docs[k]!;
      if (!sessionOk[sessionCol[doc]!]) continue;
      const len = NORM_TO_LEN[first.norms[k]!]!;
      let score = bm25(order[0]!, first.tfs[k]!, len);
      for (let j = 1; j < lists.length; j++) {
        const list = lists[j]!;
        let c = cursors[j]!;
        while (c < list.docs.length && list.docs[c]! < doc) c++;
        cursors[j] = c;
        if (c >= list.docs.length) break outer;
        if (list.docs[c] !== doc) continue outer;
        score += bm25(order[j]!, list.tfs[c]!, len);
      }
      push({ score, seg, doc });
    }
    await slicer.maybeYield();
  }
  for (const d of memDocs) {
    if (!allowed(d.sessionId) || !terms.every((t) => d.tf.has(t))) continue;
    push({ score: terms.reduce((s, t, i) => s + bm25(i, d.tf.get(t)!, d.len), 0), seg: undefined, doc: 0, mem: d });
  }
  return candidates.sort((a, b) => b.score - a.score);
}
