/**
 * The one place bytes become lines: the CLI's stdout (JsonlDecoder), transcript files read in
 * chunks (the seq index, `lines()`, segment reads) all frame lines here. Bytes arrive in
 * arbitrary chunks, cut anywhere (even inside a multi-byte character), so lines are found in
 * bytes; each complete line is handed over as a span of a buffer with its offset in the stream,
 * without a copy when it lies inside one chunk. A line longer than the cap is counted, not
 * buffered, and reported once it ends.
 *
 * The callbacks take positional arguments, not a span object: the decoder calls one per CLI
 * line, and an object per line is garbage on the hot path.
 */

/** `buf[start, end)` is a line without its LF, at byte `offset` of the stream; `line` counts from 1, blank lines too. */
export type OnLine = (buf: Buffer, start: number, end: number, offset: number, line: number) => void;

/** A line past the cap: its number, offset and length, and its first bytes (at most `headBytes`). */
export type OnOverlongLine = (line: number, offset: number, length: number, head: Buffer) => void;

export interface LineFramerOptions {
  /** Offset of the first byte pushed (a file read from the middle). Default 0. */
  startOffset?: number;
  /** Longest line kept; longer ones are skipped without being buffered. Default: no limit. */
  maxLineBytes?: number;
  /** How much of an overlong line to keep for its report. Default 800 (200 characters of 4 bytes). */
  headBytes?: number;
}

const LF = 10;

export class LineFramer {
  private readonly maxLineBytes: number;
  private readonly headBytes: number;

  // The current, incomplete line: copies of its pieces (the caller may reuse its chunks).
  private parts: Buffer[] = [];
  private partsBytes = 0;
  // Set once the current line outgrew maxLineBytes: its bytes are counted, not kept.
  private discarding = false;
  private discardedHead: Buffer | undefined;
  private discardedBytes = 0;

  private readonly origin: number;
  // Stream offset of the current line's first byte.
  private lineStart: number;
  private lines = 0;
  private total = 0;
  private peakHeld = 0;

  constructor(options: LineFramerOptions = {}) {
    this.origin = options.startOffset ?? 0;
    this.lineStart = this.origin;
    this.maxLineBytes = options.maxLineBytes ?? Number.POSITIVE_INFINITY;
    this.headBytes = options.headBytes ?? 800;
  }

  /** Bytes pushed. */
  get bytesRead(): number {
    return this.total;
  }

  /** Bytes held now for a line not yet complete. */
  get bufferedBytes(): number {
    return this.partsBytes;
  }

  /** The most bytes ever held for an incomplete line: stays at or under maxLineBytes. */
  get maxBufferedBytes(): number {
    return this.peakHeld;
  }

  /** The bytes after the last LF (a line still being written, or cut by a crash), and where they start. */
  get rest(): { bytes: Buffer | undefined; offset: number } {
    const bytes = this.partsBytes === 0 ? undefined : this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsBytes);
    return { bytes, offset: this.lineStart };
  }

  /**
   * Frames the lines `chunk` completes. What follows its last LF is kept (copied) for the next
   * chunk, so the caller may reuse `chunk` once push() returns. The callbacks must not throw.
   */
  push(chunk: Buffer, onLine: OnLine, onOverlong?: OnOverlongLine): void {
    const n = chunk.length;
    if (n === 0) return;
    const at = this.origin + this.total; // stream offset of chunk[0]
    this.total += n;
    let pos = 0;
    let nl = chunk.indexOf(LF, 0);
    if (nl === -1) {
      this.hold(chunk, 0, n);
      return;
    }
    if (this.partsBytes > 0 || this.discarding) {
      this.finishHeld(chunk, nl, onLine, onOverlong);
      pos = nl + 1;
      nl = pos < n ? chunk.indexOf(LF, pos) : -1;
    }
    const max = this.maxLineBytes;
    while (nl !== -1) {
      const line = ++this.lines;
      const offset = at + pos;
      if (nl - pos > max) onOverlong?.(line, offset, nl - pos, Buffer.from(chunk.subarray(pos, pos + Math.min(nl - pos, this.headBytes))));
      else onLine(chunk, pos, nl, offset, line);
      pos = nl + 1;
      nl = pos < n ? chunk.indexOf(LF, pos) : -1;
    }
    this.lineStart = at + pos;
    if (pos < n) this.hold(chunk, pos, n);
  }

  /** End of stream: a last line without LF is framed now. */
  finish(onLine: OnLine, onOverlong?: OnOverlongLine): void {
    if (this.partsBytes > 0 || this.discarding) this.finishHeld(undefined, 0, onLine, onOverlong);
  }

  /** Keeps buf[from, to), which holds no LF, as part of the current line. */
  private hold(buf: Buffer, from: number, to: number): void {
    const len = to - from;
    if (this.discarding) {
      this.discardedBytes += len;
      return;
    }
    const held = this.partsBytes + len;
    if (held > this.maxLineBytes) {
      // Keep only what the report's head needs, and count the rest.
      this.discardedHead = headOf([...this.parts, buf.subarray(from, to)], this.headBytes);
      this.discardedBytes = held;
      this.discarding = true;
      this.parts = [];
      this.partsBytes = 0;
      return;
    }
    // A copy: the caller may reuse its chunk (a read loop into one buffer). Keeping references
    // instead measured no faster on the bench: not worth a silent-corruption contract.
    this.parts.push(Buffer.from(buf.subarray(from, to)));
    this.partsBytes = held;
    if (held > this.peakHeld) this.peakHeld = held;
  }

  /** Completes the held line with buf[0, nl) (the chunk holding its LF), or at end of stream. */
  private finishHeld(buf: Buffer | undefined, nl: number, onLine: OnLine, onOverlong: OnOverlongLine | undefined): void {
    const line = ++this.lines;
    const offset = this.lineStart;
    this.lineStart = offset + this.partsBytes + this.discardedBytes + nl + (buf === undefined ? 0 : 1);
    if (this.discarding) {
      const length = this.discardedBytes + nl;
      const head = this.discardedHead ?? Buffer.alloc(0);
      this.discarding = false;
      this.discardedHead = undefined;
      this.discardedBytes = 0;
      onOverlong?.(line, offset, length, head);
      return;
    }
    const length = this.partsBytes + nl;
    const parts = this.parts;
    if (buf !== undefined && nl > 0) parts.push(buf.subarray(0, nl));
    this.parts = [];
    this.partsBytes = 0;
    if (length > this.maxLineBytes) {
      onOverlong?.(line, offset, length, headOf(parts, this.headBytes));
      return;
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    onLine(bytes, 0, length, offset, line);
  }
}

/** A copy of the first `max` bytes of the parts, so the parts themselves can be released. */
function headOf(parts: readonly Buffer[], max: number): Buffer {
  const head = Buffer.allocUnsafe(Math.min(max, parts.reduce((n, p) => n + p.length, 0)));
  let at = 0;
  for (const part of parts) {
    if (at >= head.length) break;
    at += part.copy(head, at, 0, Math.min(part.length, head.length - at));
  }
  return head;
}
