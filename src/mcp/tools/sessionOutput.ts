/**
 * Reading a session's transcript for MCP callers: from a cursor, within a character budget, as
 * text lines or raw stream-json entries.
 */
import type { TranscriptEntry } from '../../core/session/types.js';
import { TranscriptRenderer } from '../../core/transcript/render.js';
import type { ShannonMcpDeps } from '../deps.js';

interface OutputRead {
  entries: TranscriptEntry[];
  lines: string[];
  nextCursor: number;
  hasMore: boolean;
}

const BATCH = 200;

/**
 * Reads from `cursor` until the character budget is spent; a single huge entry is clipped, never
 * repeated. Each entry is rendered once; entries with nothing to read (chatter) only move the cursor.
 */
export async function readOutput(deps: ShannonMcpDeps, id: string, cursor: number, maxChars: number, format: 'text' | 'raw'): Promise<OutputRead> {
  const out: OutputRead = { entries: [], lines: [], nextCursor: cursor, hasMore: false };
  const renderer = new TranscriptRenderer();
  let used = 0;
  for (;;) {
    const batch = await deps.transcripts.readTranscript(id, { fromSeq: out.nextCursor, limit: BATCH });
    for (const entry of batch) {
      // Partial-message fragments (older transcripts kept them) repeat the complete messages.
      if (entry.type === 'stream_event') {
        out.nextCursor = entry.seq + 1;
        continue;
      }
      const { text, unshowable } = showable(entry, format, renderer);
      if (format === 'text' && !text) {
        out.nextCursor = entry.seq + 1;
        continue;
      }
      if (used > 0 && used + text.length > maxChars) {
        out.hasMore = true;
        return out;
      }
      if (format === 'raw') out.entries.push(unshowable || text.length > maxChars ? { ...entry, raw: { clipped: true, type: entry.type, preview: unshowable ? '' : text.slice(0, maxChars), ...(unshowable ? { reason: unshowable } : {}) } } : entry);
      else out.lines.push(used + text.length > maxChars ? `${text.slice(0, Math.max(0, maxChars - used - 1))}…` : text);
      used += text.length;
      out.nextCursor = entry.seq + 1;
    }
    if (batch.length < BATCH) return out;
  }
}

/** An entry as text: rendered lines, or (raw) its JSON; a message JSON cannot hold is named, not thrown. */
function showable(entry: TranscriptEntry, format: 'text' | 'raw', renderer: TranscriptRenderer): { text: string; unshowable?: string } {
  if (format === 'text') {
    return {
      text: renderer
        .render(entry)
        .filter((l) => l.level !== 'debug')
        .map((l) => l.text)
        .join('\n'),
    };
  }
  try {
    return { text: JSON.stringify(entry.raw) ?? '' };
  } catch (err) {
    return { text: '', unshowable: err instanceof RangeError ? 'nested too deeply to serialise' : err instanceof Error ? err.message : String(err) };
  }
}
