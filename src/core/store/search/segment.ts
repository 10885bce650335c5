/**
 * An index segment: an immutable file holding an inverted index over some transcript lines.
 *
 *   "SHNIDX01" | postings | doc columns | term dictionary | header JSON | u32 header length | "SHNIDX01"
 *
 * - postings: per term, per document: varint doc-id delta, varint term frequency, one byte of
 *   document length (log scale, for BM25).
 * - doc columns (little-endian typed arrays): session ordinal (u32), seq (u32), line offset in
 *   the transcript (f64), line length (u32): enough to filter by session and to fetch a snippet.
 * - dictionary: sorted terms in ~4 KiB blocks (varint length, UTF-8 term, varint df, varint
 *   postings offset, varint postings length); the header keeps each block's first term, so a
 *   lookup is one binary search in memory and one 4 KiB read.
 * - header: document count and total length (BM25 statistics), the sessions it covers with the
 *   transcript byte ranges it indexed (to find what is not indexed yet), and section offsets.
 *
 * Segments are written once (temp + fsync + rename) and replaced by merges, never modified.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDir, Slicer, tempPathFor } from '../files';

const MAGIC = Buffer.from('SHNIDX01', 'latin1');
const BLOCK_BYTES = 4096;
export const SEGMENT_SUFFIX = '.seg';

export type Range = [start: number, end: number];

export interface SegmentHeader {
  format: 1;
  createdAt: number;
  docCount: number;
  /** Sum of document lengths in words. */
  totalLen: number;
  sessions: Array<{ id: string; ranges: Range[] }>;
  postings: Range;
  sessionCol: Range;
  seqCol: Range;
  offsetCol: Range;
  lineLenCol: Range;
  dict: Range;
  /** [first term, offset, length] of each dictionary block. */
  blocks: Array<[string, number, number]>;
}

export interface TermInfo {
  term: string;
  df: number;
  offset: number;
  length: number;
}

export interface Postings {
  docs: Uint32Array;
  tfs: Uint32Array;
  norms: Uint8Array;
}

/** A document as the in-memory index holds it before it reaches a segment. */
export interface MemDoc {
  sessionId: string;
  seq: number;
  offset: number;
  lineLen: number;
  len: number;
  tf: Map<string, number>;
}

// --- length norms ----------------------------------------------------------------------------

export function encodeNorm(len: number): number {
  return Math.min(255, Math.round(Math.log2(1 + len) * 12));
}
export const NORM_TO_LEN = Float64Array.from({ length: 256 }, (_, b) => 2 ** (b / 12) - 1);

// --- bytes -------------------------------------------------------------------------------------

class ByteWriter {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The bytes written so far; the writer starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

class ByteReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }
  byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new Error('truncated byte');
    return b;
  }
  string(len: number): string {
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, len).toString('utf8');
    this.pos += len;
    return s;
  }
}

export function decodePostings(bytes: Uint8Array, df: number): Postings {
  const r = new ByteReader(bytes);
  const docs = new Uint32Array(df);
  const tfs = new Uint32Array(df);
  const norms = new Uint8Array(df);
  let doc = 0;
  for (let i = 0; i < df; i++) {
    doc += r.varint();
    docs[i] = doc;
    tfs[i] = r.varint();
    norms[i] = r.byte();
  }
  return { docs, tfs, norms };
}

// --- writing -----------------------------------------------------------------------------------

/**
 * Writes a segment file section by section: postings stream to disk as they are produced (a
 * merge may produce hundreds of megabytes), the dictionary and columns follow, then the header.
 */
class SegmentFileWriter {
  private fh!: fsp.FileHandle;
  private pos = 0;
  private readonly tmp: string;
  private readonly postings = new ByteWriter();
  private postingsStart = 0;
  private postingsWritten = 0;
  private readonly dict = new ByteWriter();
  private readonly blocks: Array<[string, number, number]> = [];
  private blockFirst: string | undefined;
  private blockStart = 0;
  private readonly blockBytes = new ByteWriter();

  constructor(readonly file: string) {
    this.tmp = tempPathFor(file);
  }

  async open(): Promise<void> {
    this.fh = await fsp.open(this.tmp, 'w');
    await this.write(MAGIC);
    this.postingsStart = this.pos;
  }

  private async write(data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, this.pos + done);
      done += bytesWritten;
    }
    this.pos += data.length;
  }

  /** Adds a term whose postings were just encoded with `posting()`; terms in sorted order. */
  addTerm(term: string, df: number, postings: Buffer): void {
    const offset = this.postingsWritten + this.postings.pos;
    this.postings.bytes(postings);
    const tb = Buffer.from(term, 'utf8');
    if (this.blockFirst === undefined) this.blockFirst = term;
    this.blockBytes.varint(tb.length);
    this.blockBytes.bytes(tb);
    this.blockBytes.varint(df);
    this.blockBytes.varint(offset);
    this.blockBytes.varint(postings.length);
    if (this.blockBytes.pos >= BLOCK_BYTES) this.closeBlock();
  }

  private closeBlock(): void {
    if (this.blockFirst === undefined) return;
    const b = this.blockBytes.take();
    this.blocks.push([this.blockFirst, this.blockStart, b.length]);
    this.dict.bytes(b);
    this.blockStart += b.length;
    this.blockFirst = undefined;
  }

  /** Sends buffered postings to disk once they pass a few MiB. */
  async drain(force = false): Promise<void> {
    if (!force && this.postings.pos < 4 * 1024 * 1024) return;
    const chunk = this.postings.take();
    this.postingsWritten += chunk.length;
    await this.write(chunk);
  }

  async finish(header: Omit<SegmentHeader, 'postings' | 'dict' | 'blocks' | 'sessionCol' | 'seqCol' | 'offsetCol' | 'lineLenCol'>, cols: DocColumns): Promise<SegmentHeader> {
    await this.drain(true);
    this.closeBlock();
    const postings: Range = [this.postingsStart, this.postingsWritten];
    const col = async (a: ArrayBufferView): Promise<Range> => {
      const start = this.pos;
      await this.write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return [start, a.byteLength];
    };
    const sessionCol = await col(cols.session);
    const seqCol = await col(cols.seq);
    const offsetCol = await col(cols.offset);
    const lineLenCol = await col(cols.lineLen);
    const dictStart = this.pos;
    const dictBytes = this.dict.take();
    await this.write(dictBytes);
    const full: SegmentHeader = {
      ...header,
      postings,
      sessionCol,
      seqCol,
      offsetCol,
      lineLenCol,
      dict: [dictStart, dictBytes.length],
      blocks: this.blocks.map(([t, off, len]) => [t, dictStart + off, len]),
    };
    const json = Buffer.from(JSON.stringify(full), 'utf8');
    const tail = Buffer.alloc(4 + MAGIC.length);
    tail.writeUInt32LE(json.length, 0);
    MAGIC.copy(tail, 4);
    await this.write(json);
    await this.write(tail);
    await this.fh.sync();
    await this.fh.close();
    await fsp.rename(this.tmp, this.file);
    await fsyncDir(path.dirname(this.file));
    return full;
  }

  async abort(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    await fsp.rm(this.tmp, { force: true }).catch(() => undefined);
  }
}

interface DocColumns {
  session: Uint32Array;
  seq: Uint32Array;
  offset: Float64Array;
  lineLen: Uint32Array;
}

function encodePostingList(w: ByteWriter, list: readonly number[] | Uint32Array, stride: 3): Buffer {
  let prev = 0;
  for (let i = 0; i < list.length; i += stride) {
    const doc = list[i]!;
    w.varint(doc - prev);
    w.varint(list[i + 1]!);
    w.byte(list[i + 2]!);
    prev = doc;
  }
  return w.take();
}

/** A new segment from in-memory documents (the index's recent additions). */
export async function writeSegment(file: string, docs: readonly MemDoc[], coverage: ReadonlyMap<string, Range[]>, slicer: Slicer): Promise<SegmentHeader> {
  const sessionIds = [...new Set([...coverage.keys(), ...docs.map((d) => d.sessionId)])];
  const ordinal = new Map(sessionIds.map((id, i) => [id, i]));
  const inverted = new Map<string, number[]>();
  const cols: DocColumns = {
    session: new Uint32Array(docs.length),
    seq: new Uint32Array(docs.length),
    offset: new Float64Array(docs.length),
    lineLen: new Uint32Array(docs.length),
  };
  let totalLen = 0;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    cols.session[i] = ordinal.get(d.sessionId)!;
    cols.seq[i] = d.seq;
    cols.offset[i] = d.offset;
    cols.lineLen[i] = d.lineLen;
    totalLen += d.len;
    const norm = encodeNorm(d.len);
    for (const [t, f] of d.tf) {
      let list = inverted.get(t);
      if (!list) inverted.set(t, (list = []));
      list.push(i, f, norm);
    }
    if ((i & 15) === 0) await slicer.maybeYield();
  }
  const terms = [...inverted.keys()];
  await slicer.maybeYield();
  terms.sort();
  await slicer.maybeYield();
  const out = new SegmentFileWriter(file);
  try {
    await out.open();
    const w = new ByteWriter();
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i]!;
      const list = inverted.get(t)!;
      out.addTerm(t, list.length / 3, encodePostingList(w, list, 3));
      if (slicer.due) {
        await out.drain();
        await slicer.yield();
      }
    }
    return await out.finish(
      { format: 1, createdAt: Date.now(), docCount: docs.length, totalLen, sessions: sessionIds.map((id) => ({ id, ranges: coverage.get(id) ?? [] })) },
      cols,
    );
  } catch (err) {
    await out.abort();
    throw err;
  }
}

// --- reading -----------------------------------------------------------------------------------

export class SegmentReader {
  private blockCache = new Map<number, TermInfo[]>();
  private sessionColumn: Uint32Array | undefined;

  private constructor(
    readonly file: string,
    private readonly fh: fsp.FileHandle,
    readonly header: SegmentHeader,
    readonly bytes: number,
  ) {}

  static async open(file: string): Promise<SegmentReader> {
    const fh = await fsp.open(file, 'r');
    try {
      const { size } = await fh.stat();
      if (size < 2 * MAGIC.length + 4) throw new Error(`${file}: too short for a segment`);
      const tail = Buffer.alloc(4 + MAGIC.length);
      await fh.read(tail, 0, tail.length, size - tail.length);
      if (!tail.subarray(4).equals(MAGIC)) throw new Error(`${file}: not a segment`);
      const len = tail.readUInt32LE(0);
      const json = Buffer.alloc(len);
      await fh.read(json, 0, len, size - tail.length - len);
      const header = JSON.parse(json.toString('utf8')) as SegmentHeader;
      if (header.format !== 1) throw new Error(`${file}: unknown segment format ${String(header.format)}`);
      return new SegmentReader(file, fh, header, size);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  get name(): string {
    return path.basename(this.file);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(new ArrayBuffer(length));
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`${this.file}: unexpected end of file`);
      done += bytesRead;
    }
    return out;
  }

  async block(i: number): Promise<TermInfo[]> {
    let entries = this.blockCache.get(i);
    if (entries) return entries;
    const [, offset, length] = this.header.blocks[i]!;
    const r = new ByteReader(await this.read(offset, length));
    entries = [];
    while (!r.done) {
      const term = r.string(r.varint());
      entries.push({ term, df: r.varint(), offset: r.varint(), length: r.varint() });
    }
    if (this.blockCache.size > 64) this.blockCache.clear();
    this.blockCache.set(i, entries);
    return entries;
  }

  async lookup(term: string): Promise<TermInfo | undefined> {
    const blocks = this.header.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (blocks[mid]![0] <= term) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    return (await this.block(found)).find((e) => e.term === term);
  }

  async postings(info: TermInfo): Promise<Postings> {
    return decodePostings(await this.read(this.header.postings[0] + info.offset, info.length), info.df);
  }

  /** Session ordinal of every document: the search filter. Cached while the reader lives. */
  async sessions(): Promise<Uint32Array> {
    this.sessionColumn ??= new Uint32Array((await this.read(...this.header.sessionCol)).buffer);
    return this.sessionColumn;
  }

  async columns(): Promise<DocColumns> {
    return {
      session: await this.sessions(),
      seq: new Uint32Array((await this.read(...this.header.seqCol)).buffer),
      offset: new Float64Array((await this.read(...this.header.offsetCol)).buffer),
      lineLen: new Uint32Array((await this.read(...this.header.lineLenCol)).buffer),
    };
  }

  async doc(id: number): Promise<{ sessionId: string; seq: number; offset: number; lineLen: number }> {
    const h = this.header;
    const session = new Uint32Array((await this.read(h.sessionCol[0] + id * 4, 4)).buffer)[0]!;
    const seq = new Uint32Array((await this.read(h.seqCol[0] + id * 4, 4)).buffer)[0]!;
    const offset = new Float64Array((await this.read(h.offsetCol[0] + id * 8, 8)).buffer)[0]!;
    const lineLen = new Uint32Array((await this.read(h.lineLenCol[0] + id * 4, 4)).buffer)[0]!;
    return { sessionId: h.sessions[session]!.id, seq, offset, lineLen };
  }

  /** Drops what searches cached (the session column can be megabytes). */
  trim(): void {
    this.sessionColumn = undefined;
    this.blockCache.clear();
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  /** Every term in order, block by block (merges). */
  async *terms(): AsyncGenerator<TermInfo> {
    for (let i = 0; i < this.header.blocks.length; i++) {
      const entries = await this.block(i);
      this.blockCache.delete(i);
      yield* entries;
    }
  }
}

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

// --- merging -----------------------------------------------------------------------------------

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

/** Sorted, with overlapping and touching ranges joined. */
export function normalizeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}
