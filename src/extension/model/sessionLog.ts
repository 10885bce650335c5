/**
 * The text of a session's output channel, each line stamped with when it happened. A
 * LogOutputChannel stamps a line with the moment it is written, and the channel is made when
 * first opened: the stored history would all read as "now". So the channel is a plain one in the
 * log language, and the stamps are ours, in the format a LogOutputChannel uses
 * (`2026-12-02 01:02:03.456 [info] …`), so highlighting and reading stay the same.
 *
 * Debug-level lines (progress chatter, thinking excerpts) are left out, as a LogOutputChannel at
 * its default level does and as the MCP text does.
 *
 * Pure (no `vscode` import): plain Node tests read it.
 */
import type { TranscriptEntry } from '../../core/session/types.js';
import { TranscriptRenderer, type LineLevel } from '../../core/transcript/render.js';
import { processStartInits } from '../../core/transcript/turnCost.js';

type Entry = Pick<TranscriptEntry, 'seq' | 'at' | 'direction' | 'type' | 'subtype' | 'raw'>;

export class SessionLog {
  /** One per channel: it follows the session's running cost total and repeated inits. */
  private readonly renderer = new TranscriptRenderer();
  /** Highest transcript seq written; a live entry at or below it was in the history. */
  private lastSeq = -1;

  /** The stored transcript, oldest first; each process's first init gets its "started" line. */
  history(entries: readonly Entry[]): string[] {
    const starts = processStartInits(entries);
    return entries.flatMap((e) => {
      if (starts.has(e.seq)) this.renderer.processStarted();
      return this.entry(e);
    });
  }

  /** One entry's lines, stamped with the entry's own time (none for an entry already written). */
  entry(entry: Entry): string[] {
    if (entry.seq <= this.lastSeq) return [];
    this.lastSeq = entry.seq;
    return this.renderer
      .render(entry)
      .filter((l) => l.level !== 'debug')
      .map((l) => logLine(entry.at, l.level, l.text));
  }

  /** A new `claude` process starts for the session: its first init is worth a line. */
  processStarted(): void {
    this.renderer.processStarted();
  }
}

/** `2026-12-02 01:02:03.456 [info] text`, local time, as VS Code's log channels write it. */
export function logLine(at: number, level: LineLevel, text: string): string {
  return `${logTime(at)} [${level === 'warn' ? 'warning' : level}] ${text}`;
}

export function logTime(at: number): string {
  const d = new Date(at);
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
