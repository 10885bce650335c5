/**
 * Transcripts: one append-only JSONL file per session, beside the metadata database. Appending
 * costs the size of the new lines only, never of the history. Lines are written whole, in one
 * O_APPEND write, then fsync'd; a line cut by a crash is skipped on read (with a warning) and
 * the next append starts on a fresh line. Reads go through each file's seq index (seqIndex.ts),
 * so they cost what they return (transcriptReads.ts).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError } from '../errors';
import type { TranscriptEntry } from '../session/types';
import { errnoCode, fsyncDir } from './files';
import { call, ops, readAt, runAsync, runSync, withFile, writeAll, type Io } from './io';
import { SeqIndex, StaleIndex } from './seqIndex';
import type { SessionWriters } from './sessionWriters';
import { sessionInUse, transcriptFailed, unwritableMessage } from './storeErrors';
import { LineFramer } from '../jsonl/lines';
import { encodeLine, parseLine, readLastSeq } from './transcriptLine';
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
  /** Another store instance writes this session: lines get seqs here but are not stored. */
  refused: boolean;
  /** The file's last seq could not be read (an I/O problem): read again before the first write. */
  seqUnknown: boolean;
}

export interface TranscriptFilesOptions {
  /** What the user should hear about: a message left out, a second writer refused. */
  warn?(err: ShannonError): void;
  /** One writer per session (without: this instance is the only one, as in unit tests). */
  writers?: SessionWriters;
}

/** A message to store; `seq` is assigned unless given. `rawText`: its JSON as received, stored as is. */
export type NewEntry = Omit<TranscriptEntry, 'seq'> & { seq?: number; rawText?: string };

export interface CorruptLine {
  sessionId: string;
  offset: number;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const LINES_CHUNK = 256 * 1024;

export class TranscriptFiles {
  readonly dir: string;
  private readonly tails = new Map<string, SessionTail>();
  private readonly indexes = new Map<string, SeqIndex>();

  private readonly warn: (err: ShannonError) => void;
  private readonly writers: SessionWriters | undefined;

  constructor(storeDir: string, options: TranscriptFilesOptions = {}) {
    this.dir = path.join(storeDir, 'transcripts');
    this.warn = options.warn ?? (() => undefined);
    this.writers = options.writers;
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

  /**
   * Queues an entry for the next flush and gives it the session's next seq. Never throws for an
   * I/O reason (the flush reports those); a second writer's entries are refused (reported once).
   */
  append(entry: NewEntry): TranscriptEntry {
    const tail = this.tail(entry.sessionId);
    const seq = entry.seq ?? tail.nextSeq;
    if (seq < tail.nextSeq) {
      throw new ShannonError('INVALID_ARGUMENT', `seq ${seq} of session ${entry.sessionId} is already taken (next is ${tail.nextSeq}).`);
    }
    // Built field by field (not a spread without rawText): the hot path, and one object shape.
    const stored: TranscriptEntry = { sessionId: entry.sessionId, seq, at: entry.at, direction: entry.direction, type: entry.type, raw: entry.raw };
    if (entry.subtype !== undefined) stored.subtype = entry.subtype;
    if (entry.uuid !== undefined) stored.uuid = entry.uuid;
    if (entry.parentToolUseId !== undefined) stored.parentToolUseId = entry.parentToolUseId;
    tail.nextSeq = seq + 1;
    if (!tail.refused) tail.pending.push({ entry: stored, rawText: entry.rawText });
    return stored;
  }

  /**
   * After a flush: sessions with nothing left to write that are not live here let go of their
   * lock and tail, so another instance may write them (a resume elsewhere) and memory stays small.
   */
  releaseIdle(isLive: (sessionId: string) => boolean): void {
    for (const [id, tail] of this.tails) {
      if (tail.pending.length > 0 || tail.inflight.length > 0 || isLive(id)) continue;
      this.writers?.release(id);
      this.tails.delete(id);
    }
  }

  /** For dispose, after the last flush: every lock this instance holds. */
  releaseAll(): void {
    this.writers?.releaseAll();
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
          const { lines, created } = await runAsync(this.writeBatch(sessionId, tail, batch, shouldStop, false));
          createdFile ||= created;
          written.push(...lines);
        } catch (err) {
          tail.pending = [...batch.filter((q) => !q.unwritable), ...tail.pending];
          failure ??= this.writeError(sessionId, err);
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
        createdFile ||= runSync(this.writeBatch(sessionId, tail, batch, () => false, true)).created;
        tail.pending = [];
      } catch (err) {
        failure ??= this.writeError(sessionId, err);
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
    const fd = await runAsync(openIfFile(this.fileFor(sessionId)));
    if (fd === undefined) return;
    try {
      const size = Math.min(end, Number((await runAsync(call(ops.fstat, fd))).size));
      const framer = new LineFramer({ startOffset: start });
      for (let pos = start; pos < size; ) {
        const chunk = await runAsync(readAt(fd, pos, Math.min(LINES_CHUNK, size - pos)));
        if (chunk.length === 0) break;
        pos += chunk.length;
        const found: Array<{ text: string; offset: number; length: number; complete: boolean }> = [];
        framer.push(chunk, (buf, from, to, offset) => found.push({ text: buf.toString('utf8', from, to), offset, length: to + 1 - from, complete: true }));
        yield* found;
      }
      // A last line without "\n": cut by a crash, or still being written by another process.
      const rest = framer.rest;
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
      const st = await fsp.stat(this.fileFor(sessionId));
      return st.isFile() ? st.size : 0;
    } catch (err) {
      if (isNoFile(err)) return 0;
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
    this.writers?.release(sessionId);
    for (const file of [this.indexFileFor(sessionId), this.fileFor(sessionId)]) {
      await fsp.rm(file, { force: true }).catch((err: unknown) => {
        if (!isNoFile(err) && errnoCode(err) !== 'ERR_FS_EISDIR') throw err; // a folder there is not ours to remove
      });
    }
  }

  private tail(sessionId: string): SessionTail {
    let tail = this.tails.get(sessionId);
    if (!tail) {
      tail = { nextSeq: 0, pending: [], inflight: [], refused: false, seqUnknown: false };
      this.tails.set(sessionId, tail);
      this.claim(sessionId, tail);
      this.readNextSeq(sessionId, tail);
    } else if (tail.refused) {
      this.claim(sessionId, tail); // the other writer may have let go
    }
    return tail;
  }

  /** Takes the session's append lock if it can; a refusal is reported once. */
  private claim(sessionId: string, tail: SessionTail): void {
    const claim = this.writers?.claim(sessionId);
    if (claim?.kind === 'refused') {
      if (!tail.refused) this.warn(sessionInUse(sessionId, claim.holder));
      tail.refused = true;
    } else if (tail.refused && claim?.kind === 'held') {
      // The other writer let go: number on from its last line.
      tail.refused = false;
      this.readNextSeq(sessionId, tail);
    }
  }

  private readNextSeq(sessionId: string, tail: SessionTail): void {
    try {
      tail.nextSeq = Math.max(tail.nextSeq, runSync(lastSeqOf(this.fileFor(sessionId))) + 1);
      tail.seqUnknown = false;
    } catch {
      tail.seqUnknown = true; // the write meets the same problem and reports it
    }
  }

  /**
   * The file could not be read when these entries got their seqs, and now it can: if it holds
   * those seqs already, the entries not yet written move up past its last line.
   */
  private renumberAfter(tail: SessionTail, queued: readonly QueuedLine[], lastSeq: number): void {
    tail.seqUnknown = false;
    const first = queued[0]?.entry.seq;
    if (first === undefined || lastSeq < first) return;
    const shift = lastSeq + 1 - first;
    for (const q of new Set([...queued, ...tail.pending])) q.entry.seq += shift;
    tail.nextSeq += shift;
  }

  /** A failed write, worded: the session, the path, what is wrong with it. */
  private writeError(sessionId: string, err: unknown): unknown {
    return errnoCode(err) === undefined ? err : transcriptFailed(sessionId, this.fileFor(sessionId), err, 'write');
  }

  /** Runs a read over the session's file and memory; a stale index is rebuilt and the read run again. */
  private async reading<R>(sessionId: string, onCorrupt: ((c: CorruptLine) => void) | undefined, read: (src: ReadSource) => Io<R>): Promise<R> {
    const file = this.fileFor(sessionId);
    const tail = this.tails.get(sessionId);
    const memory = tail ? [...tail.inflight, ...tail.pending].map((q) => q.entry) : [];
    const report = onCorrupt ? (offset: number) => onCorrupt({ sessionId, offset }) : undefined;
    let fd: number | undefined;
    try {
      fd = await runAsync(openIfFile(file));
    } catch (err) {
      throw transcriptFailed(sessionId, file, err, 'read');
    }
    // No file (or a folder, or a file where its folder belongs): what memory holds is all there is.
    if (fd === undefined) return runAsync(read({ sessionId, file: undefined, memory, ...(report ? { onCorrupt: report } : {}) }));
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
  private *writeBatch(sessionId: string, tail: SessionTail, queued: QueuedLine[], shouldStop: () => boolean, closing: boolean): Io<{ lines: FlushedLine[]; created: boolean }> {
    // Another instance took the session since (it judged this one gone): its lines win.
    if (!closing && this.writers && !this.writers.stillHeld(sessionId)) {
      const claim = this.writers.claim(sessionId);
      if (claim.kind === 'refused') {
        if (!tail.refused) this.warn(sessionInUse(sessionId, claim.holder));
        tail.refused = true;
        return { lines: [], created: false };
      }
    }
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
      if (tail.seqUnknown) this.renumberAfter(tail, queued, yield* readLastSeq(fd));
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
          this.warn(unwritableMessage(q.entry, err));
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

/** An error that means there is no transcript file: none yet, or its folder is not a folder. */
function isNoFile(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The transcript open for reading; undefined if there is none (see isNoFile) or a folder stands in its place. */
function* openIfFile(file: string): Io<number | undefined> {
  let fd: number;
  try {
    fd = yield* call(ops.open, file, 'r');
  } catch (err) {
    if (isNoFile(err)) return undefined;
    throw err;
  }
  let isFile = false;
  try {
    isFile = (yield* call(ops.fstat, fd)).isFile();
  } finally {
    if (!isFile) yield* call(ops.close, fd);
  }
  return isFile ? fd : undefined;
}

function* lastSeqOf(file: string): Io<number> {
  const fd = yield* openIfFile(file);
  if (fd === undefined) return -1;
  try {
    return yield* readLastSeq(fd);
  } finally {
    yield* call(ops.close, fd);
  }
}
