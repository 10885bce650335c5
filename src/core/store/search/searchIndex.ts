/**
 * Full-text search over every transcript, ranked by BM25, with a snippet per hit.
 *
 * sql.js 1.16 has FTS3/4 but not FTS5, and any sql.js database lives whole in memory and is
 * saved whole: an FTS table over 500k messages would cost its full size in memory and in every
 * save. So the index is our own, log-structured: new lines go to an in-memory part, which is
 * written out as an immutable segment file every few thousand documents (or after a few idle
 * seconds); segments of similar size are merged in the background. Every step of that work
 * runs in time slices of a few milliseconds, so indexing never holds the event loop.
 *
 * The transcripts are the truth; the index can always be rebuilt from them. Each segment
 * records which byte ranges of which transcripts it covers, so after a crash (the in-memory
 * part lost) the next open indexes exactly what is missing.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ShannonError } from '../../errors';
import type { Disposable } from '../../lifecycle';
import type { TranscriptEntry } from '../../session/types';
import { errnoCode, Slicer } from '../files';
import { FileLock } from '../fileLock';
import type { FlushedLine, TranscriptFiles } from '../transcripts';
import { parseLine } from '../transcriptLine';
import type { SearchHit, SearchOptions } from '../types';
import { makeSnippet, queryTerms, searchableText, termFrequencies } from './text';
import { rank } from './ranking';
import { normalizeRanges, SEGMENT_SUFFIX, type MemDoc, type Range } from './segment';
import { mergeSegments } from './segmentMerge';
import { SegmentReader } from './segmentReader';
import { writeSegment } from './segmentWriter';

export interface SearchIndexOptions {
  storeDir: string;
  transcripts: TranscriptFiles;
  /** Every known session and its workspace folder (what search may return). */
  sessionFolders: () => ReadonlyMap<string, string>;
  /** Sessions deleted: purged from segments. */
  deletedSessions: () => ReadonlySet<string>;
  warn: (err: ShannonError) => void;
  /** Documents held in memory before they are written as a segment. */
  memDocs?: number;
  /** Write the in-memory part after this long without new lines. */
  idleMs?: number;
  /** Flushed lines held as objects for indexing; more wait as byte ranges (see addGap). */
  maxQueued?: number;
}

/** Segments per size tier (powers of MERGE_FACTOR) before they are merged into one. */
const MERGE_FACTOR = 8;
/** Segments this large are left alone (except to purge deleted sessions). */
const MAX_MERGE_DOCS = 400_000;


export class SearchIndex implements Disposable {
  readonly dir: string;
  private readonly opts: Required<Omit<SearchIndexOptions, 'storeDir'>>;
  private readonly abort = new AbortController();
  private readonly mergeLock: FileLock;

  private mem: MemDoc[] = [];
  private memSeqs = new Map<string, Set<number>>();
  private memCoverage = new Map<string, Range[]>();
  /** The in-memory part being written out: still searched until its segment is readable. */
  private writing: MemDoc[] = [];

  /** Lines flushed and not indexed yet, kept as objects while few (`queueHead`: next one). */
  private queue: FlushedLine[] = [];
  private queueHead = 0;
  /** Transcript byte ranges to index from disk: crash leftovers, and lines beyond `maxQueued`. */
  private gaps: Array<{ sessionId: string; start: number; end: number }> = [];
  private lastGap = new Map<string, { sessionId: string; start: number; end: number }>();
  private pump: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private purgeWanted = true;
  private readers = new Map<string, SegmentReader>();
  /** Readers of segments merged away or deleted, closed once no search is using them. */
  private retired: SegmentReader[] = [];
  private searching = 0;
  private disposed = false;
  private lastWarning: string | undefined;

  constructor(options: SearchIndexOptions) {
    this.dir = path.join(options.storeDir, 'index');
    this.opts = { memDocs: 4000, idleMs: 5000, maxQueued: 20_000, ...options };
    this.mergeLock = new FileLock(path.join(this.dir, 'merge.lock'), { staleMs: 10 * 60_000 });
  }

  /** Lines just flushed to transcripts. */
  add(lines: readonly FlushedLine[]): void {
    if (this.disposed || lines.length === 0) return;
    for (const l of lines) {
      if (this.queue.length - this.queueHead < this.opts.maxQueued) this.queue.push(l);
      else this.addGap(l.entry.sessionId, l.offset, l.offset + l.length);
    }
    this.kick();
  }

  /**
   * Beyond `maxQueued`, lines are remembered as byte ranges and read back from the transcript
   * when their turn comes: a bulk import must not hold half a million messages in memory
   * (nor make the garbage collector walk them) while indexing catches up.
   */
  private addGap(sessionId: string, start: number, end: number): void {
    const last = this.lastGap.get(sessionId);
    if (last && last.end === start) {
      last.end = end;
      return;
    }
    const gap = { sessionId, start, end };
    this.gaps.push(gap);
    this.lastGap.set(sessionId, gap);
  }

  /** Looks for transcript bytes no segment covers (lost with a crash) and indexes them. */
  catchUp(): void {
    if (this.disposed) return;
    this.run(async (slicer) => {
      const covered = new Map<string, Range[]>();
      for (const seg of await this.segments()) {
        for (const s of seg.header.sessions) {
          let list = covered.get(s.id);
          if (!list) covered.set(s.id, (list = []));
          list.push(...s.ranges);
        }
      }
      for (const [id, ranges] of this.memCoverage) covered.set(id, [...(covered.get(id) ?? []), ...ranges]);
      for (const id of this.opts.sessionFolders().keys()) {
        const size = await this.opts.transcripts.size(id);
        let at = 0;
        for (const [s, e] of normalizeRanges(covered.get(id) ?? [])) {
          if (s > at) this.gaps.push({ sessionId: id, start: at, end: Math.min(s, size) });
          at = Math.max(at, e);
        }
        if (size > at) this.gaps.push({ sessionId: id, start: at, end: size });
        await slicer.maybeYield();
      }
    });
  }

  /** Deleted sessions' words leave the segments on the next background pass. */
  purgeDeleted(): void {
    this.purgeWanted = true;
    this.kick();
  }

  /** Resolves when everything queued is in segments (tests, benches, a clean shutdown). */
  async settle(): Promise<void> {
    while (this.pump) await this.pump;
    if (this.mem.length > 0 || this.memCoverage.size > 0) {
      await this.run(() => this.writeMem());
      while (this.pump) await this.pump;
    }
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    this.searching++;
    try {
      return await this.searchSegments(query, options);
    } finally {
      this.searching--;
      this.closeRetired();
    }
  }

  private async searchSegments(query: string, options: SearchOptions): Promise<SearchHit[]> {
    const limit = options.limit ?? 20;
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0) return [];
    const slicer = new Slicer(8, options.signal);
    const folders = this.opts.sessionFolders();
    const allowed = (id: string): boolean => {
      const folder = folders.get(id);
      return folder !== undefined && (options.workspaceFolder === undefined || folder === options.workspaceFolder);
    };
    const segments = await this.segments();
    const memDocs = [...this.writing, ...this.mem];

    const candidates = await rank(terms, segments, memDocs, allowed, limit, slicer);
    this.scheduleTrim();
    const hits: SearchHit[] = [];
    const seen = new Set<string>();
    for (const c of candidates) {
      if (hits.length >= limit) break;
      const doc = c.mem ?? (await c.seg!.doc(c.doc));
      const key = `${doc.sessionId}\n${doc.seq}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = await this.entryAt(doc.sessionId, doc.seq, doc.offset, 'lineLen' in doc ? doc.lineLen : 0);
      const text = entry ? searchableText(entry.raw) : '';
      hits.push({ sessionId: doc.sessionId, seq: doc.seq, score: c.score, ...makeSnippet(text, terms) });
    }
    return hits;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort(new ShannonError('CANCELLED', 'The session store was closed.'));
    clearTimeout(this.idleTimer);
    clearTimeout(this.trimTimer);
    for (const r of this.readers.values()) this.retired.push(r);
    this.readers.clear();
    this.closeRetired();
  }

  // --- background work ----------------------------------------------------------------------

  private kick(): void {
    if (this.pump || this.disposed) return;
    void this.run(async () => undefined);
  }

  /** Runs `task`, then drains queued lines and gaps, then merges; one pump at a time. */
  private run(task: (slicer: Slicer) => Promise<void>): Promise<void> {
    const previous = this.pump ?? Promise.resolve();
    const next = previous.then(async () => {
      if (this.disposed) return;
      const slicer = new Slicer(8, this.abort.signal);
      try {
        await task(slicer);
        await this.drain(slicer);
        await this.maintain(slicer);
        this.lastWarning = undefined;
      } catch (err) {
        if (this.disposed) return;
        const message = err instanceof Error ? err.message : String(err);
        if (message === this.lastWarning) return;
        this.lastWarning = message;
        this.opts.warn(
          new ShannonError('STORE_WRITE_FAILED', `Search indexing failed: ${err instanceof Error ? err.message : String(err)}`, 'Search may miss recent messages; indexing retries on the next change.', {
            cause: err,
          }),
        );
      }
    });
    const tracked = next.finally(() => {
      if (this.pump === tracked) this.pump = undefined;
    });
    this.pump = tracked;
    return tracked;
  }

  private async drain(slicer: Slicer): Promise<void> {
    while (this.queueHead < this.queue.length || this.gaps.length > 0) {
      while (this.queueHead < this.queue.length) {
        const line = this.queue[this.queueHead]!;
        this.queue[this.queueHead++] = undefined as unknown as FlushedLine;
        if (this.queueHead === this.queue.length) {
          this.queue = [];
          this.queueHead = 0;
        }
        this.index(line.entry, line.offset, line.length);
        if (this.mem.length >= this.opts.memDocs) await this.writeMem();
        await slicer.maybeYield();
      }
      const gap = this.gaps.shift();
      if (!gap) continue;
      if (this.lastGap.get(gap.sessionId) === gap) this.lastGap.delete(gap.sessionId);
      let coveredTo = gap.start;
      for await (const line of this.opts.transcripts.lines(gap.sessionId, gap.start, gap.end)) {
        // A line without its newline is being written (or was cut): the next pass gets it.
        if (!line.complete) break;
        const entry = parseLine(gap.sessionId, line.text);
        if (entry) this.index(entry, line.offset, line.length);
        coveredTo = line.offset + line.length;
        if (this.mem.length >= this.opts.memDocs) {
          this.cover(gap.sessionId, [gap.start, coveredTo]);
          gap.start = coveredTo;
          await this.writeMem();
        }
        await slicer.maybeYield();
      }
      if (coveredTo > gap.start) this.cover(gap.sessionId, [gap.start, coveredTo]);
    }
    clearTimeout(this.idleTimer);
    if (this.mem.length > 0 || this.memCoverage.size > 0) {
      this.idleTimer = setTimeout(() => void this.run(() => this.writeMem()), this.opts.idleMs);
      this.idleTimer.unref?.();
    }
  }

  private index(entry: TranscriptEntry, offset: number, length: number): void {
    this.cover(entry.sessionId, [offset, offset + length]);
    let seqs = this.memSeqs.get(entry.sessionId);
    if (!seqs) this.memSeqs.set(entry.sessionId, (seqs = new Set()));
    if (seqs.has(entry.seq)) return;
    seqs.add(entry.seq);
    const { tf, length: len } = termFrequencies(searchableText(entry.raw));
    if (len === 0) return;
    this.mem.push({ sessionId: entry.sessionId, seq: entry.seq, offset, lineLen: length, len, tf });
  }

  private cover(sessionId: string, range: Range): void {
    const list = this.memCoverage.get(sessionId);
    if (!list) {
      this.memCoverage.set(sessionId, [range]);
      return;
    }
    const last = list[list.length - 1]!;
    if (range[0] <= last[1] && range[0] >= last[0]) last[1] = Math.max(last[1], range[1]);
    else list.push(range);
  }

  /** The in-memory part becomes a segment file. On failure it stays in memory for a retry. */
  private async writeMem(): Promise<void> {
    if (this.mem.length === 0 && this.memCoverage.size === 0) return;
    const docs = this.mem;
    const coverage = this.memCoverage;
    const seqs = this.memSeqs;
    this.mem = [];
    this.memCoverage = new Map();
    this.memSeqs = new Map();
    this.writing = docs;
    try {
      await fsp.mkdir(this.dir, { recursive: true });
      const file = path.join(this.dir, newSegmentName());
      await writeSegment(file, docs, coverage, new Slicer(8, this.abort.signal));
      this.readers.set(path.basename(file), await SegmentReader.open(file));
    } catch (err) {
      this.mem = [...docs, ...this.mem];
      for (const [id, r] of coverage) this.memCoverage.set(id, [...r, ...(this.memCoverage.get(id) ?? [])]);
      for (const [id, s] of seqs) this.memSeqs.set(id, new Set([...s, ...(this.memSeqs.get(id) ?? [])]));
      throw err;
    } finally {
      this.writing = [];
    }
  }

  /** Purges deleted sessions and merges tiers that filled up, indexing new lines in between. */
  private async maintain(slicer: Slicer): Promise<void> {
    while (await this.mergeOnce(slicer)) await this.drain(slicer);
  }

  private async mergeOnce(slicer: Slicer): Promise<boolean> {
    const segments = await this.segments();
    let inputs: SegmentReader[] = [];
    let drop: ReadonlySet<string> = new Set();
    if (this.purgeWanted) {
      drop = this.opts.deletedSessions();
      const dirty = segments.find((s) => s.header.sessions.some((x) => drop.has(x.id)));
      if (dirty) inputs = [dirty];
      else this.purgeWanted = false;
    }
    if (inputs.length === 0) {
      const tiers = new Map<number, SegmentReader[]>();
      for (const s of segments) {
        if (s.header.docCount >= MAX_MERGE_DOCS) continue;
        const tier = Math.floor(Math.log(Math.max(1, s.header.docCount)) / Math.log(MERGE_FACTOR));
        tiers.set(tier, [...(tiers.get(tier) ?? []), s]);
      }
      for (const [, group] of [...tiers].sort((a, b) => a[0] - b[0])) {
        if (group.length >= MERGE_FACTOR) {
          inputs = group.sort((a, b) => a.header.docCount - b.header.docCount).slice(0, MERGE_FACTOR * 2);
          break;
        }
      }
      if (inputs.length === 0) return false;
      drop = this.opts.deletedSessions();
    }
    const token = await this.mergeLock.tryAcquire();
    if (!token) return false;
    try {
      // Another window may have merged these already.
      for (const s of inputs) await fsp.access(s.file);
      const file = path.join(this.dir, newSegmentName());
      await mergeSegments(file, inputs, drop, slicer);
      this.readers.set(path.basename(file), await SegmentReader.open(file));
      for (const s of inputs) {
        this.retire(s);
        await fsp.rm(s.file, { force: true });
      }
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      return false; // another window merged some of these meanwhile
    } finally {
      this.mergeLock.release(token);
    }
    return true;
  }

  /** Open readers for the segment files present now (other windows add and merge them too). */
  private async segments(): Promise<SegmentReader[]> {
    let names: string[];
    try {
      names = (await fsp.readdir(this.dir)).filter((n) => n.endsWith(SEGMENT_SUFFIX));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const present = new Set(names);
    for (const [name, r] of this.readers) if (!present.has(name)) this.retire(r);
    for (const name of names) {
      if (this.readers.has(name)) continue;
      try {
        this.readers.set(name, await SegmentReader.open(path.join(this.dir, name)));
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // merged away meanwhile
        if (errnoCode(err) !== undefined) throw err; // an I/O error, not a bad file
        // A segment that does not read back: set aside, its lines are re-indexed by catch-up.
        await fsp.rename(path.join(this.dir, name), path.join(this.dir, `${name}.corrupt-${Date.now()}`)).catch(() => undefined);
        this.opts.warn(new ShannonError('STORE_CORRUPT', `A search index segment was unreadable and was set aside: ${name}.`, 'Its messages are indexed again in the background.', { cause: err }));
      }
    }
    if (this.disposed) {
      for (const r of this.readers.values()) void r.close();
      this.readers.clear();
    }
    return [...this.readers.values()];
  }

  private retire(reader: SegmentReader): void {
    if (this.readers.get(reader.name) === reader) this.readers.delete(reader.name);
    this.retired.push(reader);
    this.closeRetired();
  }

  private closeRetired(): void {
    if (this.searching > 0 && !this.disposed) return;
    for (const r of this.retired.splice(0)) void r.close();
  }

  private async entryAt(sessionId: string, seq: number, offset: number, lineLen: number): Promise<TranscriptEntry | undefined> {
    const direct = lineLen > 0 ? await this.opts.transcripts.readEntryAt(sessionId, offset, lineLen, seq) : undefined;
    if (direct) return direct;
    return (await this.opts.transcripts.read(sessionId, { fromSeq: seq, limit: 1 })).find((e) => e.seq === seq);
  }

  private scheduleTrim(): void {
    clearTimeout(this.trimTimer);
    this.trimTimer = setTimeout(() => {
      for (const r of this.readers.values()) r.trim();
    }, 60_000);
    this.trimTimer.unref?.();
  }
}

function newSegmentName(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}${SEGMENT_SUFFIX}`;
}
