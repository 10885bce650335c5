import { ShannonError } from '../errors';
import { LineFramer, type OnLine, type OnOverlongLine } from './lines';

/**
 * Streaming decoder for the CLI's `--output-format stream-json` stdout: one JSON object per
 * line. Bytes arrive in arbitrary chunks (a pipe gives ~64 KiB at a time, cut anywhere, even
 * inside a multi-byte character); LineFramer (lines.ts) finds the lines in bytes, and each is
 * decoded to text only once whole. A line that will not decode is reported and skipped; the
 * stream carries on.
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

// Buffer's own UTF-8 decoder, without toString()'s argument normalisation: ~10% faster per
// small line on the bench (TextDecoder was slower still). Present on every Node Buffer.
interface FastSlices {
  utf8Slice(start: number, end: number): string;
}

export class JsonlDecoder {
  private readonly maxLineBytes: number;
  private readonly onMessage: JsonlDecoderOptions['onMessage'];
  private readonly onError: JsonlDecoderOptions['onError'];
  private readonly framer: LineFramer;
  // Bound once: push() takes them per chunk.
  private readonly onLine: OnLine = (buf, start, end, offset, line) => {
    if (end > start) this.decode((buf as unknown as FastSlices).utf8Slice(start, end), line, offset, end - start);
  };
  private readonly onOverlong: OnOverlongLine = (line, offset, length, head) => this.reportTooLong(line, offset, length, head);

  private messages = 0;
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
    this.framer = new LineFramer({ maxLineBytes: max, headBytes: EXCERPT_BYTES });
  }

  /** Lines delivered to onMessage. */
  get linesDecoded(): number {
    return this.messages;
  }

  /** Bytes passed to write(). */
  get bytesRead(): number {
    return this.framer.bytesRead;
  }

  /** Bytes held now for a line not yet complete. */
  get bufferedBytes(): number {
    return this.framer.bufferedBytes;
  }

  /** The most bytes ever held for an incomplete line: stays at or under maxLineBytes. */
  get maxBufferedBytes(): number {
    return this.framer.maxBufferedBytes;
  }

  /**
   * The next bytes of the stream. The decoder copies what it keeps, so the caller may reuse
   * `chunk` once write() returns.
   */
  write(chunk: Uint8Array): void {
    if (this.ended) {
      throw new ShannonError('INVALID_ARGUMENT', 'JsonlDecoder.write() called after end().', 'Create a new decoder per stream.');
    }
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.framer.push(buf, this.onLine, this.onOverlong);
    this.rethrowCallbackError();
  }

  /** End of stream: a last line without a trailing newline is delivered now. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.framer.finish(this.onLine, this.onOverlong);
    this.rethrowCallbackError();
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
