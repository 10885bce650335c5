/** Reading a segment file (the format is in segment.ts): term lookups, postings, doc columns. */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ByteReader } from './bytes';
import { decodePostings, MAGIC, type DocColumns, type Postings, type SegmentHeader, type TermInfo } from './segment';

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
