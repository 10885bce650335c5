/**
 * One transcript line: the entry's own fields first, the message last.
 *
 *   {"seq":12,"at":1733000000000,"direction":"in","type":"assistant","uuid":"…","raw":{…}}
 *
 * `seq` leads every line Shannon has ever written, so a line's seq can be read from its first
 * bytes without parsing the message (the seq index scans files that way).
 */
import type { TranscriptEntry } from '../session/types';
import { parentToolUseIdOf } from '../transcript/entry';
import { call, ops, readAt, type Io } from './io';

/** A line as stored: the entry without its sessionId (the file name carries it). */
type StoredLine = Omit<TranscriptEntry, 'sessionId'>;

const LF = 10;

/**
 * The line for `e`. With `rawText` (the message's JSON as the CLI printed it) the message is
 * stored as received, by concatenation: never parsed or serialised again, so a message nested
 * deeper than JSON.stringify can go (it throws past ~4,000 levels) is kept like any other.
 * Without it (Shannon's own prompts), `raw` is serialised, which may throw: the caller keeps
 * the rest of its batch.
 */
export function encodeLine(e: TranscriptEntry, rawText?: string): string {
  // Assigned one by one, in this order: the object keeps one shape, and `raw` comes last.
  const line: Partial<StoredLine> = { seq: e.seq, at: e.at, direction: e.direction, type: e.type };
  if (e.subtype !== undefined) line.subtype = e.subtype;
  if (e.uuid !== undefined) line.uuid = e.uuid;
  const raw = rawText === undefined ? undefined : asLineText(rawText);
  if (raw !== undefined) return `${JSON.stringify(line).slice(0, -1)},"raw":${raw}}\n`;
  line.raw = e.raw;
  return `${JSON.stringify(line)}\n`;
}

/**
 * JSON text fit to sit inside one line. JSON allows "\n" only as whitespace between tokens
 * (never inside a string), so turning it into a space changes nothing a parser sees.
 */
function asLineText(text: string): string | undefined {
  let t = text.trim();
  if (t.length === 0) return undefined;
  if (t.includes('\n')) t = t.replace(/\n/g, ' ');
  return t;
}

/** The entry a line holds; undefined for a line that does not parse (cut by a crash, damaged). */
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
    // Not a field of the line: read off the message, as toEntry does (older lines have it too).
    const parent = parentToolUseIdOf(v.raw);
    if (parent !== undefined) entry.parentToolUseId = parent;
    return entry;
  } catch {
    // Not JSON, or (a message nested thousands deep) more than the parser can hold.
    return undefined;
  }
}

const PREFIX = Buffer.from('{"seq":', 'latin1');

/** The seq a line starts with, from its first bytes; -1 if it does not start like a line of ours. */
export function seqAt(buf: Uint8Array, start: number, end: number): number {
  if (end - start < PREFIX.length + 1) return -1;
  for (let i = 0; i < PREFIX.length; i++) if (buf[start + i] !== PREFIX[i]) return -1;
  let seq = 0;
  let i = start + PREFIX.length;
  for (; i < end && i < start + PREFIX.length + 16; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
  }
  return i > start + PREFIX.length && buf[i] === 44 /* , */ ? seq : -1;
}

const TAIL_CHUNK = 64 * 1024;

/**
 * The last seq in an open transcript, read from its end (a few KiB, whatever the file's size):
 * the highest among the last complete lines that parse, not just the last line's (a dispose
 * racing a flush can leave a batch written twice, the older copy last). -1 if there is none.
 * Lines are parsed whole: a line cut by a crash names a seq that was never stored.
 */
export function* readLastSeq(fd: number): Io<number> {
  const size = Number((yield* call(ops.fstat, fd)).size);
  let end = size;
  let carry = Buffer.alloc(0);
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const buf = Buffer.concat([yield* readAt(fd, start, end - start), carry]);
    // Complete lines are those with a "\n" before them (or the file's start).
    // (lastIndexOf with a negative start counts from the end: never pass one.)
    const lastNewline = (before: number): number => (before <= 0 ? -1 : buf.lastIndexOf(LF, before - 1));
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
}
