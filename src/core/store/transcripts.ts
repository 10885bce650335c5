/**
 * Transcripts: one append-only JSONL file per session, beside the metadata database. Appending
 * costs the size of the new lines only, never of the history. Lines are written whole, in one
 * O_APPEND write, then fsync'd; a line cut by a crash is skipped on read (with a warning) and
 * the next append starts on a fresh line.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError } from '../errors';
import type { TranscriptEntry } from '../session/types';
import { errnoCode, fsyncDir } from './files';
import { call, ops, readAt, runAsync, runSync, writeAll, type Io } from './io';

/** A line as stored: the entry without its sessionId (the file name carries it). */
type StoredLine = Omit<TranscriptEntry, 'sessionId'>;

/** Where a flushed entry landed: what the search index needs to find it again. */
export interface FlushedLine {
  entry: TranscriptEntry;
  offset: number;
  length: number;
}

interface SessionTail {
  nextSeq: number;
  pending: TranscriptEntry[];
  /** Handed to a write that has not finished; kept for reads and for a synchronous dispose. */
  inflight: TranscriptEntry[];
}

export interface CorruptLine {
  sessionId: string;
  offset: number;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TAIL_CHUNK = 64 * 1024;

export class TranscriptFiles {
  readonly dir: string;
  private readonly tails = new Map<string, SessionTail>();

  constructor(storeDir: string) {
    this.dir = path.join(storeDir, 'transcripts');
  }

  fileFor(sessionId: string): string {
    if (!SAFE_ID.test(sessionId)) {
      throw new ShannonError('INVALID_ARGUMENT', `A session id must be a file-name-safe token; got ${JSON.stringify(sessionId)}.`);
    }
    return path.join(this.dir, `${sessionId}.jsonl`);
  }

  get hasPending(): boolean {
    for (const t of this.tails.values()) if (t.pending.length > 0) return true;
    return false;
  }

  /** Queues an entry for the next flush and gives it the session's next seq. */
  append(entry: Omit<TranscriptEntry, 'seq'> & { seq?: number }): TranscriptEntry {
    const tail = this.tail(entry.sessionId);
    const seq = entry.seq ?? tail.nextSeq;
    if (seq < tail.nextSeq) {
      throw new ShannonError('INVALID_ARGUMENT', `seq ${seq} of session ${entry.sessionId} is already taken (next is ${tail.nextSeq}).`);
    }
    const stored: TranscriptEntry = { ...entry, seq };
    tail.nextSeq = seq + 1;
    tail.pending.push(stored);
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
          const { lines, created } = await runAsync(this.writeBatch(sessionId, batch, shouldStop));
          createdFile ||= created;
          written.push(...lines);
        } catch (err) {
          tail.pending = [...batch, ...tail.pending];
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
      const batch = [...tail.inflight, ...tail.pending];
      if (batch.length === 0) continue;
      try {
        createdFile ||= runSync(this.writeBatch(sessionId, batch, () => false)).created;
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
   * The session's entries in seq order, from the file then from memory. Lines that do not
   * parse are skipped and reported through `onCorrupt`.
   */
  async read(sessionId: string, opts: { fromSeq?: number; limit?: number; onCorrupt?: (c: CorruptLine) => void } = {}): Promise<TranscriptEntry[]> {
    const fromSeq = opts.fromSeq ?? 0;
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const out: TranscriptEntry[] = [];
    let lastSeq = -1;
    const take = (e: TranscriptEntry): boolean => {
      if (e.seq <= lastSeq) return true; // a duplicate from a dispose racing a flush
      lastSeq = e.seq;
      if (e.seq >= fromSeq) out.push(e);
      return out.length < limit;
    };
    let more = true;
    for await (const line of this.lines(sessionId, 0)) {
      if (line.text.trim() === '') continue; // a fresh start after a cut line
      const entry = parseLine(sessionId, line.text);
      if (!entry) {
        opts.onCorrupt?.({ sessionId, offset: line.offset });
        continue;
      }
      if (!take(entry)) {
        more = false;
        break;
      }
    }
    const tail = this.tails.get(sessionId);
    if (more && tail) for (const e of [...tail.inflight, ...tail.pending]) if (!take(e)) break;
    return out;
  }

  /** Lines of the file from `start` (a line start) to `end`, with their byte offsets; empty ones too. */
  async *lines(sessionId: string, start: number, end = Number.POSITIVE_INFINITY): AsyncGenerator<{ text: string; offset: number; length: number; complete: boolean }> {
    let stream: fs.ReadStream;
    try {
      await fsp.access(this.fileFor(sessionId));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    stream = fs.createReadStream(this.fileFor(sessionId), { start, ...(Number.isFinite(end) ? { end: end - 1 } : {}), highWaterMark: 256 * 1024 });
    let carry: Buffer | undefined;
    let carryOffset = start;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
        let lineStart = 0;
        for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, lineStart)) {
          yield { text: buf.toString('utf8', lineStart, nl), offset: carryOffset + lineStart, length: nl + 1 - lineStart, complete: true };
          lineStart = nl + 1;
        }
        carry = lineStart < buf.length ? buf.subarray(lineStart) : undefined;
        carryOffset += lineStart;
      }
    } finally {
      stream.destroy();
    }
    // A last line without "\n": cut by a crash, or still being written by another process.
    if (carry && carry.length > 0) yield { text: carry.toString('utf8'), offset: carryOffset, length: carry.length, complete: false };
  }

  /** One line by position (search snippets). Undefined if the file changed under us. */
  async readEntryAt(sessionId: string, offset: number, length: number, seq: number): Promise<TranscriptEntry | undefined> {
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(this.fileFor(sessionId), 'r');
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      const entry = parseLine(sessionId, buf.toString('utf8', 0, bytesRead).trimEnd());
      return entry?.seq === seq ? entry : undefined;
    } catch {
      return undefined;
    } finally {
      await fh?.close().catch(() => undefined);
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

  /** Forgets the session's pending lines and removes its file. */
  async delete(sessionId: string): Promise<void> {
    this.tails.delete(sessionId);
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

  /** Appends `batch` in one write and waits for it to be on disk; where each line landed. */
  private *writeBatch(sessionId: string, batch: TranscriptEntry[], shouldStop: () => boolean): Io<{ lines: FlushedLine[]; created: boolean }> {
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
      // After a failed write, a crash, or (dispose) a write still in flight, the file may end
      // mid-line: start a fresh line.
      const lead = size > 0 && (yield* readAt(fd, size - 1, 1))[0] !== 10;
      const parts = batch.map(encodeLine);
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
        offset += length;
      }
      return { lines, created };
    } finally {
      yield* call(ops.close, fd);
    }
  }
}

function encodeLine(e: TranscriptEntry): string {
  const line: StoredLine = { seq: e.seq, at: e.at, direction: e.direction, type: e.type, raw: e.raw };
  if (e.subtype !== undefined) line.subtype = e.subtype;
  if (e.uuid !== undefined) line.uuid = e.uuid;
  return `${JSON.stringify(line)}\n`;
}

export function parseLine(sessionId: string, text: string): TranscriptEntry | undefined {
  try {
    const v = JSON.parse(text) as Partial<StoredLine> | null;
    if (!v || typeof v !== 'object' || typeof v.seq !== 'number' || typeof v.type !== 'string') return undefined;
    const entry: TranscriptEntry = {
      sessionId,
      seq: v.seq,
      at: typeof v.at === 'number' ? v.at : 0,
      direction: v.direction === 'in' ? 'in' : 'out',
      type: v.type,
      raw: v.raw,
    };
    if (typeof v.subtype === 'string') entry.subtype = v.subtype;
    if (typeof v.uuid === 'string') entry.uuid = v.uuid;
    return entry;
  } catch {
    return undefined;
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
