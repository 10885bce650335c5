import { ShannonError } from '../errors';

/**
 * Streaming decoder for the CLI's `--output-format stream-json` stdout: one JSON object per
 * line. Bytes arrive in arbitrary chunks (a pipe gives ~64 KiB at a time, cut anywhere, even
 * inside a multi-byte character), so lines are found in bytes and decoded to text only once
 * whole. A line that will not decode is reported and skipped; the stream carries on.
 */

export interface DecodeErrorInfo {
  reason: 'invalid_json' | 'not_an_object' | 'line_too_long';
  /** 1-based line number in the stream, counting blank lines. */
  line: number;
  /** Byte offset of the line's first byte in the stream. */
  offset: number;
  /** Bytes in the line, not counting its LF (a CR before the LF is counted). */
  length: number;
  /** The line's beginning, at most 200 UTF-16 code units. */
  excerpt: string;
  /** For people: what went wrong (for invalid_json, the JSON parser's own message). */
  message: string;
}

export interface JsonlDecoderOptions {
  /** Longest line kept; longer ones are skipped without being buffered. Default 64 MiB. */
  maxLineBytes?: number;
  /**
   * One decoded line, called synchronously from write()/end(), with the line's text as it was
   * received (without its LF): what to store, since a value nested thousands deep parses but
   * cannot be serialised again. If a callback throws, the rest of the chunk is still decoded and
   * delivered, then write()/end() rethrows the first error.
   */
  onMessage(value: Record<string, unknown>, line: number, text: string): void;
  onError(error: DecodeErrorInfo): void;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
const EXCERPT_CHARS = 200;
// Enough bytes for EXCERPT_CHARS code points of up to 4 bytes each.
const EXCERPT_BYTES = EXCERPT_CHARS * 4;
const LF = 10;

// Buffer's own UTF-8 decoder, without toString()'s argument normalisation: ~10% faster per
// small line on the bench (TextDecoder was slower still). Present on every Node Buffer.
interface FastSlices {
  utf8Slice(start: number, end: number): string;
}

export class JsonlDecoder {
  private readonly maxLineBytes: number;
  private readonly onMessage: JsonlDecoderOptions['onMessage'];
  private readonly onError: JsonlDecoderOptions['onError'];

  // The current, incomplete line: copies of its pieces (the caller may reuse its chunks).
  private parts: Buffer[] = [];
  private partsBytes = 0;
  // Set once the current line outgrew maxLineBytes: its bytes are counted, not kept.
  private discarding = false;
  private discardedHead: Buffer | undefined;
  private discardedBytes = 0;

  private lineStart = 0;
  private linesCompleted = 0;
  private messages = 0;
  private total = 0;
  private peakBuffered = 0;
  private ended = false;
  private callbackFailed = false;
  private callbackError: unknown;

  constructor(options: JsonlDecoderOptions) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new ShannonError('INVALID_ARGUMENT', `maxLineBytes must be a positive integer, got ${max}.`);
    }
    this.maxLineBytes = max;
    this.onMessage = options.onMessage;
    this.onError = options.onError;
  }

  /** Lines delivered to onMessage. */
  get linesDecoded(): number {
    return this.messages;
  }

  /** Bytes passed to write(). */
  get bytesRead(): number {
    return this.total;
  }

  /** Bytes held now for a line not yet complete. */
  get bufferedBytes(): number {
    return this.partsBytes;
  }

  /** The most bytes ever held for an incomplete line: stays at or under maxLineBytes. */
  get maxBufferedBytes(): number {
    return this.peakBuffered;
  }

  /**
   * The next bytes of the stream. The decoder copies what it keeps, so the caller may reuse
   * `chunk` once write() returns.
   */
  write(chunk: Uint8Array): void {
    if (this.ended) {
      throw new ShannonError('INVALID_ARGUMENT', 'JsonlDecoder.write() called after end().', 'Create a new decoder per stream.');
    }
    this.writeChunk(chunk);
    this.rethrowCallbackError();
  }

  /** End of stream: a last line without a trailing newline is delivered now. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.partsBytes > 0 || this.discarding) this.finishHeldLine(undefined, 0);
    this.rethrowCallbackError();
  }

  private writeChunk(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    if (n === 0) return;
    const base = this.total;
    this.total = base + n;

    let pos = 0;
    let nl = buf.indexOf(LF, 0);
    if (nl === -1) {
      this.hold(buf, 0, n);
      return;
    }
    if (this.partsBytes > 0 || this.discarding) {
      this.finishHeldLine(buf, nl);
      pos = nl + 1;
      nl = pos < n ? buf.indexOf(LF, pos) : -1;
    }
    const max = this.maxLineBytes;
    while (nl !== -1) {
      const line = ++this.linesCompleted;
      const offset = base + pos;
      this.lineStart = offset + (nl - pos) + 1;
      if (nl - pos > max) this.reportTooLong(line, offset, nl - pos, buf.subarray(pos, pos + Math.min(nl - pos, EXCERPT_BYTES)));
      else if (nl > pos) this.decode((buf as unknown as FastSlices).utf8Slice(pos, nl), line, offset, nl - pos);
      pos = nl + 1;
      nl = pos < n ? buf.indexOf(LF, pos) : -1;
    }
    if (pos < n) this.hold(buf, pos, n);
  }

  /** Keeps buf[from, to) — which holds no LF — as part of the current line. */
  private hold(buf: Buffer, from: number, to: number): void {
    const len = to - from;
    if (this.discarding) {
      this.discardedBytes += len;
      return;
    }
    const held = this.partsBytes + len;
    if (held > this.maxLineBytes) {
      // Keep only what the error's excerpt needs, and count the rest.
      this.discardedHead = headOf([...this.parts, buf.subarray(from, to)], EXCERPT_BYTES);
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
    if (held > this.peakBuffered) this.peakBuffered = held;
  }

  /** Completes the held line with buf[0, nl) (the chunk holding its LF), or at end of stream. */
  private finishHeldLine(buf: Buffer | undefined, nl: number): void {
    const line = ++this.linesCompleted;
    const offset = this.lineStart;
    this.lineStart = offset + this.partsBytes + this.discardedBytes + nl + 1;
    if (this.discarding) {
      const length = this.discardedBytes + nl;
      const head = this.discardedHead ?? Buffer.alloc(0);
      this.discarding = false;
      this.discardedHead = undefined;
      this.discardedBytes = 0;
      this.reportTooLong(line, offset, length, head);
      return;
    }
    const length = this.partsBytes + nl;
    const parts = this.parts;
    if (buf !== undefined && nl > 0) parts.push(buf.subarray(0, nl));
    this.parts = [];
    this.partsBytes = 0;
    if (length > this.maxLineBytes) {
      this.reportTooLong(line, offset, length, headOf(parts, EXCERPT_BYTES));
      return;
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    this.decode((bytes as unknown as FastSlices).utf8Slice(0, length), line, offset, length);
  }

  private decode(text: string, line: number, offset: number, length: number): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (isBlank(text)) return;
      this.emitError({
        reason: 'invalid_json',
        line,
        offset,
        length,
        excerpt: excerpt(text),
        message: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.emitError({
        reason: 'not_an_object',
        line,
        offset,
        length,
        excerpt: excerpt(text),
        message: `Expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}.`,
      });
      return;
    }
    this.messages++;
    try {
      this.onMessage(value as Record<string, unknown>, line, text);
    } catch (err) {
      this.noteCallbackError(err);
    }
  }

  private emitError(error: DecodeErrorInfo): void {
    try {
      this.onError(error);
    } catch (err) {
      this.noteCallbackError(err);
    }
  }

  // A consumer's bug must not cost the lines after it: finish the chunk, then rethrow.
  private noteCallbackError(err: unknown): void {
    if (this.callbackFailed) return;
    this.callbackFailed = true;
    this.callbackError = err;
  }

  private rethrowCallbackError(): void {
    if (!this.callbackFailed) return;
    const err = this.callbackError;
    this.callbackFailed = false;
    this.callbackError = undefined;
    throw err;
  }

  private reportTooLong(line: number, offset: number, length: number, head: Buffer): void {
    this.emitError({
      reason: 'line_too_long',
      line,
      offset,
      length,
      excerpt: excerpt(head.toString('utf8')),
      message: `Line of ${length} bytes is longer than the ${this.maxLineBytes}-byte limit; skipped.`,
    });
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

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

function excerpt(text: string): string {
  let end = Math.min(text.length, EXCERPT_CHARS);
  // Do not cut a surrogate pair in half.
  if (end < text.length && end > 0) {
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--;
  }
  let s = text.slice(0, end);
  if (s.endsWith('\r')) s = s.slice(0, -1);
  return s;
}
