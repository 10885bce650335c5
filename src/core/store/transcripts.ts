/**
 * Transcripts: one append-only JSONL file per session, beside the metadata database. Appending
 * costs the size of the new lines only, never of the history. Lines are written whole, in one
 * O_APPEND write, then fsync'd; a line cut by a crash is skipped on read (with a warning) and
 * the next append starts on a fresh line. Reads go through each file's seq index (seqIndex.ts),
 * so they cost what they return (transcriptReads.ts).
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError } from '../errors';
import type { TranscriptEntry } from '../session/types';
import { errnoCode, fsyncDir } from './files';
import { call, ops, readAt, runAsync, runSync, withFile, writeAll, type Io } from './io';
import { SeqIndex, StaleIndex } from './seqIndex';
import { encodeLine, LineSplitter, parseLine } from './transcriptLine';
import { readBackward, readForward, type BackwardRead, type ForwardRead, type ReadSource, type TailRead } from './transcriptReads';

/** Where a flushed entry landed: what the search index needs to find it again. */
export interface FlushedLine {
  entry: TranscriptEntry;
  offset: number;
  length: number;
}

/** An entry waiting for its write, with the message's text as received (what is stored, if given). */
interface QueuedLine {
  entry: TranscriptEntry;
  rawText: string | undefined;
  /** It could not be encoded (reported once): never tried again. */
  unwritable?: true;
}

interface SessionTail {
  nextSeq: number;
  pending: QueuedLine[];
  /** Handed to a write that has not finished; kept for reads and for a synchronous dispose. */
  inflight: QueuedLine[];
}

/** A message to store; `seq` is assigned unless given. `rawText`: its JSON as received, stored as is. */
export type NewEntry = Omit<TranscriptEntry, 'seq'> & { seq?: number; rawText?: string };

export interface CorruptLine {
  sessionId: string;
  offset: number;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TAIL_CHUNK = 64 * 1024;
const LINES_CHUNK = 256 * 1024;

export class TranscriptFiles {
  readonly dir: string;
  private readonly tails = new Map<string, SessionTail>();
  private readonly indexes = new Map<string, SeqIndex>();

  /** `onUnwritable`: an entry that can never be written (its message cannot be serialised) was left out. */
  constructor(
    storeDir: string,
    private readonly onUnwritable: (entry: TranscriptEntry, err: unknown) => void = () => undefined,
  ) {
    this.dir = path.join(storeDir, 'transcripts');
  }

  fileFor(sessionId: string): string {
    if (!SAFE_ID.test(sessionId)) {
      throw new ShannonError('INVALID_ARGUMENT', `A session id must be a file-name-safe token; got ${JSON.stringify(sessionId)}.`);
    }
    return path.join(this.dir, `${sessionId}.jsonl`);
  }

  private indexFileFor(sessionId: string): string {
    return path.join(this.dir, `${sessionId}.idx`);
  }

  /** Queues an entry for the next flush and gives it the session's next seq. */
  append(entry: NewEntry): TranscriptEntry {
    const { rawText, ...fields } = entry;
    const tail = this.tail(entry.sessionId);
    const seq = entry.seq ?? tail.nextSeq;
    if (seq < tail.nextSeq) {
      throw new ShannonError('INVALID_ARGUMENT', `seq ${seq} of session ${entry.sessionId} is already taken (next is ${tail.nextSeq}).`);
    }
    const stored: TranscriptEntry = { ...fields, seq };
    tail.nextSeq = seq + 1;
    tail.pending.push({ entry: stored, rawText });
    return stored;
  }

  /**
   * Writes every pending line, session by session. A session whose write fails keeps its
   * lines for the next flush; the first error is thrown after the others were written.
   */
  async flush(shouldStop: () => boolean = () => false): Promise<{ written: FlushedLine[]; error?: unknown }> {
    const written: FlushedLine[] = [];
    let failure: unknown;
    let createdFile = false;
    const due = [...this.tails].filter(([, tail]) => tail.pending.length > 0 && tail.inflight.length === 0);
    // A few files at once: each write waits on its own fsync, and the disk batches them.
    const writeNext = async (): Promise<void> => {
      for (let next = due.shift(); next; next = due.shift()) {
        const [sessionId, tail] = next;
        if (shouldStop()) return;
        const batch = tail.pending;
        tail.pending = [];
        tail.inflight = batch;
        try {
          const { lines, created } = await runAsync(this.writeBatch(sessionId, batch, shouldStop, false));
          createdFile ||= created;
          written.push(...lines);
        } catch (err) {
          tail.pending = [...batch.filter((q) => !q.unwritable), ...tail.pending];
          failure ??= err;
        } finally {
          tail.inflight = [];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, due.length) }, writeNext));
    if (createdFile) await runAsync(fsyncDir(this.dir)).catch((err: unknown) => (failure ??= err));
    return failure === undefined ? { written } : { written, error: failure };
  }

  /** For dispose: writes pending and in-flight lines now (a reader drops the duplicates). */
  flushSync(): void {
    let failure: unknown;
    let createdFile = false;
    for (const [sessionId, tail] of this.tails) {
      const batch = [...tail.inflight, ...tail.pending].filter((q) => !q.unwritable);
      if (batch.length === 0) continue;
      try {
        createdFile ||= runSync(this.writeBatch(sessionId, batch, () => false, true)).created;
        tail.pending = [];
      } catch (err) {
        failure ??= err;
      }
    }
    if (createdFile) {
      try {
        runSync(fsyncDir(this.dir));
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure) throw failure;
  }

  /**
   * Entries with `seq >= fromSeq` in order, at most `limit` (of those `filter` keeps), from the
   * file then from memory. Lines that do not parse are skipped and reported through `onCorrupt`.
   */
  read(sessionId: string, opts: ForwardRead & { onCorrupt?: (c: CorruptLine) => void } = {}): Promise<TranscriptEntry[]> {
    return this.reading(sessionId, opts.onCorrupt, (src) => readForward(src, opts));
  }

  /** The newest `limit` entries (of those `filter` keeps) before `beforeSeq`, oldest first. */
  readTail(sessionId: string, opts: BackwardRead & { onCorrupt?: (c: CorruptLine) => void }): Promise<TailRead> {
    return this.reading(sessionId, opts.onCorrupt, (src) => readBackward(src, opts));
  }

  /** Lines of the file from `start` (a line start) to `end`, with their byte offsets; empty ones too. */
  async *lines(sessionId: string, start: number, end = Number.POSITIVE_INFINITY): AsyncGenerator<{ text: string; offset: number; length: number; complete: boolean }> {
    let fd: number;
    try {
      fd = await runAsync(call(ops.open, this.fileFor(sessionId), 'r'));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    try {
      const size = Math.min(end, Number((await runAsync(call(ops.fstat, fd))).size));
      const splitter = new LineSplitter(start);
      for (let pos = start; pos < size; ) {
        const chunk = await runAsync(readAt(fd, pos, Math.min(LINES_CHUNK, size - pos)));
        if (chunk.length === 0) break;
        pos += chunk.length;
        const found: Array<{ text: string; offset: number; length: number; complete: boolean }> = [];
        splitter.push(chunk, (l) => found.push({ text: l.buf.toString('utf8', l.start, l.end), offset: l.offset, length: l.end + 1 - l.start, complete: true }));
        yield* found;
      }
      // A last line without "\n": cut by a crash, or still being written by another process.
      const rest = splitter.rest;
      if (rest.bytes && rest.bytes.length > 0) yield { text: rest.bytes.toString('utf8'), offset: rest.offset, length: rest.bytes.length, complete: false };
    } finally {
      await runAsync(call(ops.close, fd));
    }
  }

  /** One line by position (search snippets). Undefined if the file changed under us. */
  async readEntryAt(sessionId: string, offset: number, length: number, seq: number): Promise<TranscriptEntry | undefined> {
    try {
      const buf = await runAsync(withFile(this.fileFor(sessionId), 'r', (fd) => readAt(fd, offset, length)));
      const entry = parseLine(sessionId, buf.toString('utf8').trimEnd());
      return entry?.seq === seq ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  async size(sessionId: string): Promise<number> {
    try {
      return (await fsp.stat(this.fileFor(sessionId))).size;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return 0;
      throw err;
    }
  }

  /** Sessions with a transcript file. */
  async sessionsOnDisk(): Promise<string[]> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.jsonl')).map((n) => n.slice(0, -'.jsonl'.length));
  }

  /** Forgets the session's pending lines and removes its file (its index first: never an index without its file). */
  async delete(sessionId: string): Promise<void> {
    this.tails.delete(sessionId);
    this.indexes.delete(sessionId);
    await fsp.rm(this.indexFileFor(sessionId), { force: true });
    await fsp.rm(this.fileFor(sessionId), { force: true });
  }

  private tail(sessionId: string): SessionTail {
    let tail = this.tails.get(sessionId);
    if (!tail) {
      tail = { nextSeq: readLastSeqSync(this.fileFor(sessionId)) + 1, pending: [], inflight: [] };
      this.tails.set(sessionId, tail);
    }
    return tail;
  }

  /** Runs a read over the session's file and memory; a stale index is rebuilt and the read run again. */
  private async reading<R>(sessionId: string, onCorrupt: ((c: CorruptLine) => void) | undefined, read: (src: ReadSource) => Io<R>): Promise<R> {
    const file = this.fileFor(sessionId);
    const tail = this.tails.get(sessionId);
    const memory = tail ? [...tail.inflight, ...tail.pending].map((q) => q.entry) : [];
    const report = onCorrupt ? (offset: number) => onCorrupt({ sessionId, offset }) : undefined;
    let fd: number;
    try {
      fd = await runAsync(call(ops.open, file, 'r'));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      return runAsync(read({ sessionId, file: undefined, memory, ...(report ? { onCorrupt: report } : {}) }));
    }
    try {
      for (let attempt = 0; ; attempt++) {
        const index = await runAsync(this.indexed(sessionId, fd, attempt > 0));
        try {
          const result = await runAsync(read({ sessionId, file: { fd, index }, memory, ...(report ? { onCorrupt: report } : {}) }));
          // Built from the file alone (an old transcript, a lost `.idx`): keep it for next time.
          if (index.sidecarEmpty) await runAsync(index.rewrite(this.indexFileFor(sessionId))).catch(() => undefined);
          return result;
        } catch (err) {
          if (!(err instanceof StaleIndex) || attempt > 0) throw err;
        }
      }
    } finally {
      await runAsync(call(ops.close, fd));
    }
  }

  /**
   * The session's index, caught up to the end of the open file `fd`: kept in memory, loaded from
   * `.idx` at first use, rebuilt from the file when it no longer matches (`rebuild`, a replaced file).
   */
  private *indexed(sessionId: string, fd: number, rebuild: boolean): Io<SeqIndex> {
    const st = yield* call(ops.fstat, fd);
    const size = Number(st.size);
    let index = this.indexes.get(sessionId);
    if (rebuild || (index && (index.ino !== st.ino || index.scanned > size))) index = SeqIndex.fresh(st.ino);
    if (!index) index = SeqIndex.fromSidecar(st.ino, yield* this.readSidecar(sessionId), size);
    this.indexes.set(sessionId, index);
    try {
      yield* index.catchUp(fd, size);
    } catch (err) {
      if (!(err instanceof StaleIndex)) throw err;
      index = SeqIndex.fresh(st.ino);
      this.indexes.set(sessionId, index);
      yield* index.catchUp(fd, size);
    }
    return index;
  }

  private *readSidecar(sessionId: string): Io<Buffer | undefined> {
    try {
      return yield* call(ops.readFile, this.indexFileFor(sessionId));
    } catch {
      return undefined;
    }
  }

  /**
   * Appends `batch` in one write and waits for it to be on disk; where each line landed. The
   * index learns the new lines and its `.idx` is brought up to date (not while closing: dispose
   * must not wait on an index the next open rebuilds from the file's tail anyway).
   */
  private *writeBatch(sessionId: string, queued: QueuedLine[], shouldStop: () => boolean, closing: boolean): Io<{ lines: FlushedLine[]; created: boolean }> {
    const file = this.fileFor(sessionId);
    let fd: number;
    try {
      fd = yield* call(ops.open, file, 'a+'); // O_APPEND; readable to check the last byte
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      yield* call(ops.mkdir, this.dir);
      fd = yield* call(ops.open, file, 'a+');
    }
    try {
      const size = Number((yield* call(ops.fstat, fd)).size);
      const created = size === 0;
      const index = closing ? undefined : yield* this.indexed(sessionId, fd, false);
      // After a failed write, a crash, or (dispose) a write still in flight, the file may end
      // mid-line: start a fresh line.
      const lead = size > 0 && (yield* readAt(fd, size - 1, 1))[0] !== 10;
      // Line by line: one message that cannot be stored must not keep the others from disk.
      const batch: TranscriptEntry[] = [];
      const parts: string[] = [];
      for (const q of queued) {
        try {
          parts.push(encodeLine(q.entry, q.rawText));
          batch.push(q.entry);
        } catch (err) {
          q.unwritable = true;
          this.onUnwritable(q.entry, err);
        }
      }
      if (parts.length === 0) return { lines: [], created: false };
      const data = Buffer.from((lead ? '\n' : '') + parts.join(''), 'utf8');
      // Disposed meanwhile: the synchronous flush wrote these lines; do not write them twice.
      if (shouldStop()) throw new Error('store closed during a flush');
      yield* writeAll(fd, data);
      yield* call(ops.fdatasync, fd);
      // With O_APPEND the batch ends at the file's end (one writer per session).
      let offset = Number((yield* call(ops.fstat, fd)).size) - data.length + (lead ? 1 : 0);
      const lines: FlushedLine[] = [];
      for (let i = 0; i < batch.length; i++) {
        const length = Buffer.byteLength(parts[i]!, 'utf8');
        lines.push({ entry: batch[i]!, offset, length });
        index?.observe(batch[i]!.seq, offset, length);
        offset += length;
      }
      if (index) {
        try {
          yield* index.persist(this.indexFileFor(sessionId));
        } catch {
          // The index is a hint: the next read rebuilds what `.idx` misses from the file.
        }
      }
      return { lines, created };
    } finally {
      yield* call(ops.close, fd);
    }
  }
}

/** The last seq in a transcript, read from its end (a few KiB, whatever the file's size). */
function readLastSeqSync(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return -1;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return -1;
    let end = size;
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const chunk = Buffer.alloc(end - start);
      fs.readSync(fd, chunk, 0, chunk.length, start);
      const buf = Buffer.concat([chunk, carry]);
      // Complete lines are those with a "\n" before them (or the file's start).
      // (lastIndexOf with a negative start counts from the end: never pass one.)
      const lastNewline = (before: number): number => (before <= 0 ? -1 : buf.lastIndexOf(10, before - 1));
      // The highest seq among the complete lines of this chunk, not just the last line's: a
      // dispose racing a flush can leave a batch written twice, the older copy last.
      let lineEnd = buf.length;
      let maxSeq = -1;
      for (let nl = lastNewline(lineEnd); ; nl = lastNewline(lineEnd)) {
        if (nl === -1 && start > 0) break;
        const text = buf.toString('utf8', nl + 1, lineEnd).trim();
        if (text) {
          const entry = parseLine('', text);
          if (entry && entry.seq > maxSeq) maxSeq = entry.seq;
        }
        if (nl === -1) break;
        lineEnd = nl;
      }
      if (maxSeq >= 0) return maxSeq;
      carry = buf.subarray(0, lineEnd);
      end = start;
    }
    return -1;
  } finally {
    fs.closeSync(fd);
  }
}
