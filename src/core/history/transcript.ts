/**
 * Reading a Claude Code transcript (`<session id>.jsonl`) into a past session: a SessionRecord
 * (origin `imported`) and its lines as TranscriptEntry items with the raw JSON kept.
 *
 * Files are streamed, never read whole: a long session's transcript runs to hundreds of MB and
 * single lines (a tool result holding a file) to tens. Lines that are blank, not JSON, not an
 * object or over the size cap are skipped and counted; line types and fields this code does not
 * know are kept as they are (the CLI adds new ones often: `queue-operation`, `attachment`,
 * `last-prompt`, `file-history-snapshot`, …).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError } from '../errors.js';
import { JsonlDecoder, type DecodeErrorInfo } from '../jsonl/decoder.js';
import { emptyMetrics, type SessionRecord, type TranscriptEntry } from '../session/types.js';
import { estimateCostUsd, type ApiUsage } from './pricing.js';

export type TranscriptLine =
  | { kind: 'entry'; line: number; value: Record<string, unknown> }
  | { kind: 'skipped'; line: number; reason: DecodeErrorInfo['reason']; message: string };

export interface ParseOptions {
  signal?: AbortSignal;
  /** Longer lines are skipped without being held in memory. Default 64 MiB. */
  maxLineBytes?: number;
}

/** The file's lines, decoded one at a time. Blank lines are passed over silently. */
export async function* parseTranscript(file: string, options: ParseOptions = {}): AsyncGenerator<TranscriptLine> {
  const pending: TranscriptLine[] = [];
  const decoder = new JsonlDecoder({
    maxLineBytes: options.maxLineBytes,
    onMessage: (value, line) => pending.push({ kind: 'entry', line, value }),
    onError: (err) => pending.push({ kind: 'skipped', line: err.line, reason: err.reason, message: err.message }),
  });
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) {
      throwIfCancelled(options.signal);
      decoder.write(chunk as Buffer);
      while (pending.length > 0) yield pending.shift()!;
    }
    decoder.end();
    while (pending.length > 0) yield pending.shift()!;
  } finally {
    stream.destroy();
  }
}

export interface ImportStats {
  /** Lines in the file that carried something (entries + skipped ones). */
  entries: number;
  blank: number;
  invalid: number;
  tooLong: number;
  /** Count per line `type` this importer does not interpret (kept as raw entries all the same). */
  unknownTypes: Record<string, number>;
}

export interface ImportedTranscript {
  record: SessionRecord;
  /** Every line, in file order (empty when `onEntry` took them instead). */
  entries: TranscriptEntry[];
  stats: ImportStats;
  source: { file: string; size: number; mtimeMs: number };
}

export interface ImportOptions extends ParseOptions {
  /** The workspace folder the session is listed under. Default: its cwd. */
  workspaceFolder?: string;
  /** Receives entries one by one instead of collecting them (for very long transcripts). */
  onEntry?: (entry: TranscriptEntry) => void | Promise<void>;
}

const KNOWN_TYPES = new Set(['user', 'assistant', 'system', 'summary', 'custom-title', 'ai-title', 'last-prompt', 'queue-operation', 'attachment', 'file-history-snapshot', 'progress', 'result', 'tag']);
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TITLE_MAX = 200;

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ShannonError('CANCELLED', 'The history import was cancelled.', undefined, { cause: signal.reason });
}

/** A transcript as a past session. */
export async function importTranscript(file: string, options: ImportOptions = {}): Promise<ImportedTranscript> {
  const s = await stat(file).catch((err: unknown) => {
    throw new ShannonError('INVALID_ARGUMENT', `Cannot read the transcript ${file}.`, 'It may have been moved or deleted.', { cause: err });
  });
  const base = path.basename(file, '.jsonl');
  const summary = new SessionSummary();
  const stats: ImportStats = { entries: 0, blank: 0, invalid: 0, tooLong: 0, unknownTypes: {} };
  const entries: TranscriptEntry[] = [];
  let cliSessionId = SESSION_ID.test(base) ? base.toLowerCase() : undefined;
  let recordId = cliSessionId ? importedSessionId(cliSessionId) : undefined;
  let lastLine = 0;
  let lastAt = s.mtimeMs;
  let seq = 0;
  const buffered: Array<{ value: Record<string, unknown>; at: number | undefined }> = [];

  const emit = async (value: Record<string, unknown>, at: number | undefined): Promise<void> => {
    if (at !== undefined) lastAt = at;
    const type = typeof value.type === 'string' ? value.type : 'unknown';
    const entry: TranscriptEntry = {
      sessionId: recordId!,
      seq: seq++,
      at: at ?? lastAt,
      direction: promptOf(value) ? 'out' : 'in',
      type,
      raw: value,
    };
    if (typeof value.subtype === 'string') entry.subtype = value.subtype;
    if (typeof value.uuid === 'string') entry.uuid = value.uuid;
    if (options.onEntry) await options.onEntry(entry);
    else entries.push(entry);
  };

  for await (const item of parseTranscript(file, options)) {
    stats.blank += Math.max(0, item.line - lastLine - 1);
    lastLine = item.line;
    if (item.kind === 'skipped') {
      if (item.reason === 'line_too_long') stats.tooLong++;
      else stats.invalid++;
      continue;
    }
    stats.entries++;
    const value = item.value;
    const type = typeof value.type === 'string' ? value.type : 'unknown';
    if (!KNOWN_TYPES.has(type)) stats.unknownTypes[type] = (stats.unknownTypes[type] ?? 0) + 1;
    const at = timestampOf(value);
    summary.add(value, at);
    if (!recordId) {
      // A file not named by its session id: wait for a line that names it.
      if (typeof value.sessionId === 'string' && value.sessionId) {
        cliSessionId = value.sessionId;
        recordId = importedSessionId(cliSessionId);
      } else {
        buffered.push({ value, at });
        continue;
      }
      for (const b of buffered.splice(0)) await emit(b.value, b.at);
    }
    await emit(value, at);
  }
  if (!recordId) {
    cliSessionId = undefined;
    recordId = importedSessionId(`file:${path.resolve(file)}`);
    for (const b of buffered.splice(0)) await emit(b.value, b.at);
  }

  const cwd = summary.cwd ?? options.workspaceFolder ?? path.dirname(file);
  const createdAt = summary.firstAt ?? s.mtimeMs;
  const updatedAt = Math.max(summary.lastAt ?? s.mtimeMs, createdAt);
  const record: SessionRecord = {
    id: recordId,
    workspaceFolder: options.workspaceFolder ?? cwd,
    cwd,
    title: summary.title() ?? `Imported session ${(cliSessionId ?? base).slice(0, 8)}`,
    options: summary.model ? { model: summary.model } : {},
    state: 'completed',
    createdAt,
    updatedAt,
    endedAt: updatedAt,
    metrics: summary.metrics(),
    origin: 'imported',
  };
  if (cliSessionId) record.cliSessionId = cliSessionId;
  if (summary.model) record.model = summary.model;
  return { record, entries, stats, source: { file, size: s.size, mtimeMs: s.mtimeMs } };
}

/**
 * Shannon's id for an imported CLI session: derived from the CLI session id (a name-based UUID),
 * so importing the same transcript again updates the same record instead of adding one.
 */
export function importedSessionId(cliSessionId: string): string {
  const h = createHash('sha1').update(`shannon:imported:${cliSessionId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------

/** Folds lines into what the record needs, keeping only small state. */
class SessionSummary {
  cwd: string | undefined;
  model: string | undefined;
  firstAt: number | undefined;
  lastAt: number | undefined;
  private firstPrompt: string | undefined;
  private commandFallback: string | undefined;
  private customTitle: string | undefined;
  private aiTitle: string | undefined;
  private summaryLine: string | undefined;
  // Streamed replies are written one line per content block, each repeating the message's
  // usage: count each message id once (its last line has the final figures).
  private readonly usageById = new Map<string, { model: string | undefined; usage: ApiUsage }>();
  private recordedCost = 0;
  private readonly toolUseIds = new Set<string>();
  private turns = 0;
  private turnStart: number | undefined;
  private turnEnd: number | undefined;
  private busyMs = 0;

  add(line: Record<string, unknown>, at: number | undefined): void {
    if (at !== undefined) {
      this.firstAt = this.firstAt === undefined ? at : Math.min(this.firstAt, at);
      this.lastAt = this.lastAt === undefined ? at : Math.max(this.lastAt, at);
    }
    if (this.cwd === undefined && typeof line.cwd === 'string' && line.cwd) this.cwd = line.cwd;
    // Last wins, as in the CLI's own session list.
    if (typeof line.customTitle === 'string' && line.customTitle.trim()) this.customTitle = line.customTitle.trim();
    if (typeof line.aiTitle === 'string' && line.aiTitle.trim()) this.aiTitle = line.aiTitle.trim();
    if (line.type === 'summary' && typeof line.summary === 'string' && line.summary.trim()) this.summaryLine = line.summary.trim();
    if (typeof line.costUSD === 'number' && Number.isFinite(line.costUSD)) this.recordedCost += line.costUSD;

    const prompt = line.isSidechain === true ? undefined : promptOf(line);
    if (prompt) {
      if (prompt.text !== undefined) this.firstPrompt ??= prompt.text;
      if (prompt.command !== undefined) this.commandFallback ??= prompt.command;
      this.closeTurn();
      this.turns++;
      this.turnStart = at;
      this.turnEnd = at;
    } else if (at !== undefined && this.turnStart !== undefined && (line.type === 'assistant' || line.type === 'user')) {
      this.turnEnd = at;
    }

    if (line.type !== 'assistant') return;
    const message = asObject(line.message);
    if (!message) return;
    const model = typeof message.model === 'string' && message.model !== '<synthetic>' ? message.model : undefined;
    if (model) this.model = model;
    const usage = asObject(message.usage);
    if (usage) {
      const key = typeof message.id === 'string' ? message.id : typeof line.uuid === 'string' ? line.uuid : `#${this.usageById.size}`;
      this.usageById.set(key, { model: model ?? this.usageById.get(key)?.model, usage: usage as ApiUsage });
    }
    if (Array.isArray(message.content)) {
      for (const block of message.content) {
        const b = asObject(block);
        if (b?.type === 'tool_use') this.toolUseIds.add(typeof b.id === 'string' ? b.id : `#${this.toolUseIds.size}`);
      }
    }
  }

  title(): string | undefined {
    const t = this.customTitle ?? this.aiTitle ?? this.summaryLine ?? this.firstPrompt ?? this.commandFallback;
    return t === undefined ? undefined : clip(t.replace(/\s+/g, ' ').trim(), TITLE_MAX);
  }

  metrics(): SessionRecord['metrics'] {
    this.closeTurn();
    const m = emptyMetrics();
    let estimated = 0;
    for (const { model, usage } of this.usageById.values()) {
      m.inputTokens += count(usage.input_tokens);
      m.outputTokens += count(usage.output_tokens);
      m.cacheReadInputTokens += count(usage.cache_read_input_tokens);
      m.cacheCreationInputTokens += count(usage.cache_creation_input_tokens);
      estimated += estimateCostUsd(model ?? this.model, usage);
    }
    m.costUsd = this.recordedCost > 0 ? this.recordedCost : estimated;
    m.turns = this.turns;
    m.toolCalls = this.toolUseIds.size;
    m.durationMs = this.busyMs;
    return m;
  }

  private closeTurn(): void {
    if (this.turnStart !== undefined && this.turnEnd !== undefined) this.busyMs += Math.max(0, this.turnEnd - this.turnStart);
    this.turnStart = undefined;
    this.turnEnd = undefined;
  }
}

const COMMAND_NAME = /<command-name>(.*?)<\/command-name>/;
const BASH_INPUT = /<bash-input>([\s\S]*?)<\/bash-input>/;
// Text the CLI itself puts in user messages: system reminders, command output, interruptions.
const NOT_TYPED = /^(?:\s*<[a-z][\w-]*[\s>]|\[Request interrupted by user[^\]]*\])/;

/**
 * What the person typed, if this line is a user prompt (the same rules as the CLI's session
 * list): not meta, not a compaction summary, not a tool result; `/commands` and `!bash` count.
 */
function promptOf(line: Record<string, unknown>): { text?: string; command?: string } | undefined {
  if (line.type !== 'user' || line.isMeta === true || line.isCompactSummary === true) return undefined;
  const content = asObject(line.message)?.content;
  const texts: string[] = [];
  if (typeof content === 'string') texts.push(content);
  else if (Array.isArray(content)) {
    for (const block of content) {
      const b = asObject(block);
      if (b?.type === 'tool_result') return undefined;
      if (b?.type === 'text' && typeof b.text === 'string') texts.push(b.text);
    }
  }
  let command: string | undefined;
  for (const raw of texts) {
    const text = raw.replaceAll('\n', ' ').trim();
    if (!text) continue;
    const cmd = COMMAND_NAME.exec(text);
    if (cmd) {
      command ??= cmd[1];
      continue;
    }
    const bash = BASH_INPUT.exec(text);
    if (bash) return { text: `! ${bash[1]!.trim()}` };
    if (NOT_TYPED.test(text)) continue;
    return { text };
  }
  return command !== undefined ? { command } : undefined;
}

function timestampOf(line: Record<string, unknown>): number | undefined {
  const t = line.timestamp;
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  if (typeof t !== 'string') return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return s.slice(0, end).trimEnd() + '…';
}
