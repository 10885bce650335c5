/**
 * A sparse seq → byte-offset index of one transcript, so that a read costs what it returns,
 * not the history before it. Every 64 lines or 64 KiB, a line's seq and offset are recorded;
 * the records cut the file into segments, and a read parses only the segments its seqs fall in.
 *
 * The records are kept beside the transcript in `<id>.idx` ("SHNTIX01", then 16 bytes per
 * record: seq and offset as little-endian doubles), appended by the writer after each batch and
 * never fsync'd: the index is a hint that can always be rebuilt. Opening it reads the records,
 * then re-reads the file from the last record to its end (what a crash, or another process,
 * wrote since). A record that does not match its line (a damaged or foreign `.idx`) is found
 * when a read lands on it, and the index is rebuilt from the file.
 */
import { atomicWrite } from './files';
import { call, ops, readAt, writeAll, type Io } from './io';
import { LineFramer } from '../jsonl/lines';
import { seqAt } from './transcriptLine';

const STRIDE_LINES = 64;
const STRIDE_BYTES = 64 * 1024;
const MAGIC = Buffer.from('SHNTIX01', 'latin1');
const RECORD_BYTES = 16;
const SCAN_CHUNK = 256 * 1024;

/** The index does not describe the file (it was replaced, or the `.idx` is damaged): rebuild it. */
export class StaleIndex extends Error {}

/** Lines `[start, end)` of the file; their seqs are at least `minSeq` and below `maxSeq`. */
export interface Segment {
  start: number;
  end: number;
  minSeq: number;
  maxSeq: number;
  /** The seq the first line must have (undefined: the file's first segment, unchecked). */
  firstSeq: number | undefined;
}

export class SeqIndex {
  private readonly seqs: number[] = [];
  private readonly offsets: number[] = [];
  /** Bytes of the file observed line by line; what follows is not known yet. */
  private scannedTo = 0;
  private linesSinceRecord = 0;
  /** What the `.idx` file holds of these records, in bytes (-1: not a prefix of them). */
  private sidecarBytes = 0;

  /** Which file this describes (its inode): a replaced file needs a new index. */
  constructor(readonly ino: bigint) {}

  /** An index with no records, to build from the file; `.idx` is rewritten at the next persist. */
  static fresh(ino: bigint): SeqIndex {
    const index = new SeqIndex(ino);
    index.sidecarBytes = -1;
    return index;
  }

  get scanned(): number {
    return this.scannedTo;
  }

  get segments(): number {
    return Math.max(1, this.seqs.length);
  }

  /**
   * A complete line at `offset` (`length` bytes with its "\n"), with the seq its first bytes
   * give (-1: not a line of ours). Lines must come in file order; one already seen is ignored,
   * and one past a gap waits for the scan that fills the gap.
   */
  observe(seq: number, offset: number, length: number): void {
    if (offset !== this.scannedTo) return;
    this.scannedTo = offset + length;
    if (seq < 0) return;
    const n = this.seqs.length;
    // A seq not above the last record (a batch written twice by a dispose racing a flush) is
    // never a boundary: segments stay ordered and disjoint by seq.
    if (n > 0 && (seq <= this.seqs[n - 1]! || (this.linesSinceRecord < STRIDE_LINES && offset - this.offsets[n - 1]! < STRIDE_BYTES))) {
      this.linesSinceRecord++;
      return;
    }
    this.seqs.push(seq);
    this.offsets.push(offset);
    this.linesSinceRecord = 1;
  }

  /** The segment holding `seq` (the first one if `seq` is below every record). */
  segmentOf(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! <= seq) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  segment(i: number): Segment {
    const n = this.seqs.length;
    const last = i >= n - 1;
    return {
      start: i === 0 ? 0 : this.offsets[i]!,
      end: last ? this.scannedTo : this.offsets[i + 1]!,
      minSeq: i === 0 ? Number.NEGATIVE_INFINITY : this.seqs[i]!,
      maxSeq: last ? Number.POSITIVE_INFINITY : this.seqs[i + 1]!,
      firstSeq: i === 0 ? undefined : this.seqs[i]!,
    };
  }

  // --- the `.idx` file ----------------------------------------------------------------------

  /** The records in `.idx` bytes, as far as they are sound and lie inside a file of `size` bytes. */
  static fromSidecar(ino: bigint, bytes: Buffer | undefined, size: number): SeqIndex {
    const index = new SeqIndex(ino);
    if (!bytes || bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
      index.sidecarBytes = bytes && bytes.length > 0 ? -1 : 0;
      return index;
    }
    const count = Math.floor((bytes.length - MAGIC.length) / RECORD_BYTES);
    let sound = (bytes.length - MAGIC.length) % RECORD_BYTES === 0;
    for (let k = 0; k < count; k++) {
      const at = MAGIC.length + k * RECORD_BYTES;
      const seq = bytes.readDoubleLE(at);
      const offset = bytes.readDoubleLE(at + 8);
      const n = index.seqs.length;
      const ordered = n === 0 ? offset >= 0 : seq > index.seqs[n - 1]! && offset > index.offsets[n - 1]!;
      if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(offset) || !ordered || offset >= size) {
        sound = false;
        continue;
      }
      index.seqs.push(seq);
      index.offsets.push(offset);
    }
    index.sidecarBytes = sound ? MAGIC.length + index.seqs.length * RECORD_BYTES : -1;
    // The lines from the last record on are read again (catchUp): a crash or another process
    // may have written past what the records say.
    const n = index.seqs.length;
    if (n > 0) {
      index.scannedTo = index.offsets[n - 1]!;
      index.linesSinceRecord = 0;
    }
    return index;
  }

  /** Reads the lines from what is known to `size`, checking that the last record matches its line. */
  *catchUp(fd: number, size: number): Io<void> {
    const n = this.seqs.length;
    const check = n > 0 && this.scannedTo === this.offsets[n - 1] ? { offset: this.scannedTo, seq: this.seqs[n - 1]! } : undefined;
    let pos = this.scannedTo;
    const framer = new LineFramer({ startOffset: pos });
    let stale = false;
    while (pos < size && !stale) {
      const chunk = yield* readAt(fd, pos, Math.min(SCAN_CHUNK, size - pos));
      if (chunk.length === 0) break;
      framer.push(chunk, (buf, start, end, offset) => {
        if (stale) return;
        const seq = seqAt(buf, start, end);
        if (check && offset === check.offset && seq !== check.seq) stale = true;
        else this.observe(seq, offset, end - start + 1);
      });
      pos += chunk.length;
    }
    if (stale) throw new StaleIndex(`no line of seq ${check!.seq} at byte ${check!.offset}`);
  }

  /** Brings `.idx` up to these records: an append, or a rewrite if it is not a prefix of them. */
  *persist(file: string): Io<void> {
    const wanted = MAGIC.length + this.seqs.length * RECORD_BYTES;
    if (this.sidecarBytes === wanted) return;
    let appended = false;
    if (this.sidecarBytes >= 0) {
      const fd = yield* call(ops.open, file, 'a');
      try {
        const size = Number((yield* call(ops.fstat, fd)).size);
        if (size === this.sidecarBytes) {
          const head = size === 0 ? MAGIC : Buffer.alloc(0);
          yield* writeAll(fd, Buffer.concat([head, this.encode(size === 0 ? 0 : (size - MAGIC.length) / RECORD_BYTES)]));
          this.sidecarBytes = wanted;
          appended = true;
        }
      } finally {
        yield* call(ops.close, fd);
      }
    }
    if (!appended) yield* this.rewrite(file);
  }

  /** Writes `.idx` whole (temp file and rename: a reader never sees half of it). */
  *rewrite(file: string): Io<void> {
    yield* atomicWrite(file, Buffer.concat([MAGIC, this.encode(0)]));
    this.sidecarBytes = MAGIC.length + this.seqs.length * RECORD_BYTES;
  }

  /** Whether `.idx` holds none of these records (a reader that built them may write it). */
  get sidecarEmpty(): boolean {
    return this.sidecarBytes <= MAGIC.length && this.seqs.length > 0;
  }

  private encode(from: number): Buffer {
    const out = Buffer.allocUnsafe((this.seqs.length - from) * RECORD_BYTES);
    for (let k = from; k < this.seqs.length; k++) {
      out.writeDoubleLE(this.seqs[k]!, (k - from) * RECORD_BYTES);
      out.writeDoubleLE(this.offsets[k]!, (k - from) * RECORD_BYTES + 8);
    }
    return out;
  }
}
