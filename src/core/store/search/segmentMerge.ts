/** Merging segments into one, term by term, leaving out deleted sessions and repeated documents. */
import type { Slicer } from '../files';
import { ByteWriter } from './bytes';
import { decodePostings, normalizeRanges, type DocColumns, type Range, type SegmentHeader, type TermInfo } from './segment';
import type { SegmentReader } from './segmentReader';
import { SegmentFileWriter } from './segmentWriter';

/** Sequential reads of one section, in large chunks (merges read postings in term order). */
class SectionReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  constructor(
    private readonly seg: SegmentReader,
    private readonly base: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= this.chunkStart && offset + length <= this.chunkStart + this.chunk.length) {
      return this.chunk.subarray(offset - this.chunkStart, offset - this.chunkStart + length);
    }
    if (length > 1024 * 1024) return this.seg.read(this.base + offset, length);
    const want = Math.min(Math.max(length, 1024 * 1024), this.seg.header.postings[1] - offset);
    this.chunk = await this.seg.read(this.base + offset, want);
    this.chunkStart = offset;
    return this.chunk.subarray(0, length);
  }
}

/**
 * One segment from several: documents of `dropSessions` and repeated (session, seq) pairs are
 * left out. Streams term by term, yielding to the event loop through `slicer`.
 */
export async function mergeSegments(file: string, inputs: readonly SegmentReader[], dropSessions: ReadonlySet<string>, slicer: Slicer): Promise<SegmentHeader> {
  // Output sessions and document numbering: inputs concatenated, so each input's postings
  // stay sorted after renumbering and merging a term is a concatenation.
  const outSessions = new Map<string, { ordinal: number; ranges: Range[] }>();
  const seen = new Map<string, Set<number>>();
  const inputSessionCount = new Map<string, number>();
  for (const seg of inputs) for (const s of seg.header.sessions) inputSessionCount.set(s.id, (inputSessionCount.get(s.id) ?? 0) + 1);
  const remaps: Int32Array[] = [];
  // Typed columns, not an object per document: a merge may carry half a million documents.
  const capacity = inputs.reduce((n, seg) => n + seg.header.docCount, 0);
  const all: DocColumns = { session: new Uint32Array(capacity), seq: new Uint32Array(capacity), offset: new Float64Array(capacity), lineLen: new Uint32Array(capacity) };
  let count = 0;
  let totalLen = 0;
  for (const seg of inputs) {
    const cols = await seg.columns();
    const ordinals = seg.header.sessions.map((s) => {
      if (dropSessions.has(s.id)) return -1;
      let out = outSessions.get(s.id);
      if (!out) outSessions.set(s.id, (out = { ordinal: outSessions.size, ranges: [] }));
      out.ranges.push(...s.ranges);
      return out.ordinal;
    });
    const shared = seg.header.sessions.map((s) => inputSessionCount.get(s.id)! > 1);
    const remap = new Int32Array(seg.header.docCount).fill(-1);
    let keptHere = 0;
    for (let d = 0; d < seg.header.docCount; d++) {
      if ((d & 1023) === 0) await slicer.maybeYield();
      const local = cols.session[d]!;
      const ord = ordinals[local]!;
      if (ord < 0) continue;
      const seq = cols.seq[d]!;
      if (shared[local]) {
        const id = seg.header.sessions[local]!.id;
        let set = seen.get(id);
        if (!set) seen.set(id, (set = new Set()));
        if (set.has(seq)) continue;
        set.add(seq);
      }
      remap[d] = count;
      all.session[count] = ord;
      all.seq[count] = seq;
      all.offset[count] = cols.offset[d]!;
      all.lineLen[count] = cols.lineLen[d]!;
      count++;
      keptHere++;
    }
    remaps.push(remap);
    // Document lengths are only in the postings (as norms): take the kept share of the total.
    totalLen += seg.header.docCount === 0 ? 0 : (seg.header.totalLen * keptHere) / seg.header.docCount;
  }
  seen.clear();
  const cols: DocColumns = {
    session: all.session.subarray(0, count),
    seq: all.seq.subarray(0, count),
    offset: all.offset.subarray(0, count),
    lineLen: all.lineLen.subarray(0, count),
  };

  const out = new SegmentFileWriter(file);
  try {
    await out.open();
    const iters = inputs.map((seg) => seg.terms());
    const sections = inputs.map((seg) => new SectionReader(seg, seg.header.postings[0]));
    const heads: Array<TermInfo | undefined> = [];
    for (const it of iters) heads.push((await it.next()).value ?? undefined);
    const w = new ByteWriter();
    for (;;) {
      let term: string | undefined;
      for (const h of heads) if (h && (term === undefined || h.term < term)) term = h.term;
      if (term === undefined) break;
      let prev = 0;
      let df = 0;
      for (let i = 0; i < inputs.length; i++) {
        const h = heads[i];
        if (!h || h.term !== term) continue;
        const p = decodePostings(await sections[i]!.read(h.offset, h.length), h.df);
        const remap = remaps[i]!;
        for (let k = 0; k < p.docs.length; k++) {
          const doc = remap[p.docs[k]!]!;
          if (doc < 0) continue;
          w.varint(doc - prev);
          w.varint(p.tfs[k]!);
          w.byte(p.norms[k]!);
          prev = doc;
          df++;
        }
        heads[i] = (await iters[i]!.next()).value ?? undefined;
        if (slicer.due) await slicer.yield();
      }
      const bytes = w.take();
      if (df > 0) out.addTerm(term, df, bytes);
      // A common term's postings alone can take milliseconds: look at the clock every term.
      if (slicer.due) {
        await out.drain();
        await slicer.yield();
      }
    }
    const sessions = [...outSessions].map(([id, s]) => ({ id, ranges: normalizeRanges(s.ranges) }));
    return await out.finish({ format: 1, createdAt: Date.now(), docCount: cols.seq.length, totalLen: Math.round(totalLen), sessions }, cols);
  } catch (err) {
    await out.abort();
    throw err;
  }
}
