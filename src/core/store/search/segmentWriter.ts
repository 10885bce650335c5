/**
 * Writing segment files (the format is in segment.ts): from the in-memory part of the index,
 * or, through `SegmentFileWriter`, from a merge.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDir, Slicer, tempPathFor } from '../files';
import { runAsync } from '../io';
import { ByteWriter } from './bytes';
import { BLOCK_BYTES, encodeNorm, MAGIC, type DocColumns, type MemDoc, type Range, type SegmentHeader } from './segment';

/**
 * Writes a segment file section by section: postings stream to disk as they are produced (a
 * merge may produce hundreds of megabytes), the dictionary and columns follow, then the header.
 */
export class SegmentFileWriter {
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
    await runAsync(fsyncDir(path.dirname(this.file)));
    return full;
  }

  async abort(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    await fsp.rm(this.tmp, { force: true }).catch(() => undefined);
  }
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
