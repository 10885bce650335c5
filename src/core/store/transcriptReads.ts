/**
 * Reads of one transcript through its seq index: forward from a seq, or backward from the end
 * or from a seq, each parsing only the segments its answer lies in. Entries not yet written
 * (a flush pending or in flight) are newer than the file's and come from memory.
 *
 * A seq appears once in an answer: a batch that a dispose racing a flush wrote twice is read as
 * its first copy, and lines in flight that are already in the file are read from memory.
 */
import type { TranscriptEntry } from '../session/types';
import { LineFramer } from '../jsonl/lines';
import { readAt, type Io } from './io';
import { StaleIndex, type SeqIndex } from './seqIndex';
import { parseLine, seqAt } from './transcriptLine';

/** Which entries a read returns; entries it leaves out do not count toward `limit`. */
export type EntryFilter = (entry: TranscriptEntry) => boolean;

export interface ForwardRead {
  /** The first seq wanted (default 0). */
  fromSeq?: number;
  limit?: number;
  filter?: EntryFilter;
}

export interface BackwardRead {
  /** The newest this many entries … */
  limit: number;
  /** … before this seq (default: the newest there are). */
  beforeSeq?: number;
  filter?: EntryFilter;
}

export interface TailRead {
  /** Oldest first. */
  entries: TranscriptEntry[];
  /** Whether older entries (that pass the filter) exist. */
  hasOlder: boolean;
}

/** A transcript open for reading: its file (if any), its index caught up to the file's end, and what memory holds. */
export interface ReadSource {
  sessionId: string;
  file: { fd: number; index: SeqIndex } | undefined;
  /** Entries not yet written or still being written, oldest first. */
  memory: readonly TranscriptEntry[];
  onCorrupt?(offset: number): void;
}

export function* readForward(src: ReadSource, opts: ForwardRead): Io<TranscriptEntry[]> {
  const fromSeq = opts.fromSeq ?? 0;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const out: TranscriptEntry[] = [];
  if (limit <= 0) return out;
  let lastSeq = -1;
  if (src.file) {
    const { index } = src.file;
    for (let i = index.segmentOf(fromSeq); i < index.segments; i++) {
      for (const e of yield* segmentEntries(src, i)) {
        lastSeq = Math.max(lastSeq, e.seq);
        if (e.seq < fromSeq || (opts.filter && !opts.filter(e))) continue;
        out.push(e);
        if (out.length >= limit) return out;
      }
    }
  }
  for (const e of src.memory) {
    if (e.seq <= lastSeq || e.seq < fromSeq || (opts.filter && !opts.filter(e))) continue;
    out.push(e);
    if (out.length >= limit) break;
  }
  return out;
}

export function* readBackward(src: ReadSource, opts: BackwardRead): Io<TailRead> {
  const before = opts.beforeSeq ?? Number.POSITIVE_INFINITY;
  const newestFirst: TranscriptEntry[] = [];
  const wanted = Math.max(0, opts.limit) + 1; // one more tells whether there are older ones
  const take = (e: TranscriptEntry): boolean => {
    if (opts.filter && !opts.filter(e)) return false;
    newestFirst.push(e);
    return newestFirst.length >= wanted;
  };
  let done = false;
  for (let k = src.memory.length - 1; k >= 0 && !done; k--) {
    const e = src.memory[k]!;
    if (e.seq < before) done = take(e);
  }
  // What memory holds may also be in the file already (in flight): read the file below it.
  const ceiling = Math.min(before, src.memory[0]?.seq ?? Number.POSITIVE_INFINITY);
  if (src.file && !done) {
    const { index } = src.file;
    for (let i = index.segmentOf(ceiling - 1); i >= 0 && !done; i--) {
      const entries = yield* segmentEntries(src, i);
      for (let k = entries.length - 1; k >= 0 && !done; k--) {
        const e = entries[k]!;
        if (e.seq < ceiling) done = take(e);
      }
    }
  }
  const hasOlder = newestFirst.length > opts.limit;
  return { entries: newestFirst.slice(0, Math.max(0, opts.limit)).reverse(), hasOlder };
}

/** Segment `i`'s entries in seq order: the first copy of each seq within the segment's bounds. */
function* segmentEntries(src: ReadSource, i: number): Io<TranscriptEntry[]> {
  const { fd, index } = src.file!;
  const seg = index.segment(i);
  const out: TranscriptEntry[] = [];
  if (seg.end <= seg.start) return out;
  const buf = yield* readAt(fd, seg.start, seg.end - seg.start);
  let lastSeq = seg.minSeq - 1;
  let stale = false;
  new LineFramer({ startOffset: seg.start }).push(buf, (b, start, end, offset) => {
    if (stale) return;
    if (start === 0 && seg.firstSeq !== undefined && seqAt(b, 0, end) !== seg.firstSeq) {
      stale = true;
      return;
    }
    const text = b.toString('utf8', start, end);
    if (text.trim() === '') return; // a fresh start after a cut line
    const entry = parseLine(src.sessionId, text);
    if (!entry) {
      src.onCorrupt?.(offset);
      return;
    }
    if (entry.seq <= lastSeq || entry.seq >= seg.maxSeq) return;
    lastSeq = entry.seq;
    out.push(entry);
  });
  if (stale) throw new StaleIndex(`no line of seq ${seg.firstSeq} at byte ${seg.start}`);
  return out;
}
