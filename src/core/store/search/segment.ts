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
 * Segments are written once (temp + fsync + rename) and replaced by merges, never modified:
 * segmentWriter.ts writes them, segmentReader.ts reads them, segmentMerge.ts merges them.
 */
import { ByteReader } from './bytes';

export const MAGIC = Buffer.from('SHNIDX01', 'latin1');
export const BLOCK_BYTES = 4096;
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

/** Per document, in document order: what filters by session and finds its line again. */
export interface DocColumns {
  session: Uint32Array;
  seq: Uint32Array;
  offset: Float64Array;
  lineLen: Uint32Array;
}

// --- postings --------------------------------------------------------------------------------

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
