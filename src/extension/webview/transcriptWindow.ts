/**
 * Which transcript entries a panel gets, and how big. Stream events are left out (the complete
 * `assistant` lines hold the same text), as are control messages and progress chatter. Huge
 * strings (a 5 MB file read, a long build log) are cut: the panel shows the first lines of a
 * tool's output anyway, and every byte is structured-cloned into the webview. Pure.
 */
import { isDisplayable } from '../../core/transcript/entry';
import type { PanelEntry, TranscriptEntry } from '../../shared/webviewProtocol';

import type { Json } from '../../core/transcript/values';

/**
 * Entries sent when a panel opens; older ones come with `loadOlder` as the user scrolls up.
 * A thousand entries is hundreds of screens: opening a long session costs no more than a short one.
 */
export const INITIAL_WINDOW = 1000;
export const OLDER_PAGE = 2000;
/**
 * Longest string kept per entry type: a tool's output is previewed (30 lines) and fetched whole
 * on request; assistant text is what people read, so it is kept whole unless absurd.
 */
export const MAX_STRING: Readonly<Record<string, number>> = { user: 8 * 1024, assistant: 64 * 1024, default: 64 * 1024 };
/** What `fullEntry` returns at most per string. */
export const FULL_STRING = 2 * 1024 * 1024;

/** The entry, with strings longer than `max` cut and marked `trimmed` (a copy only when something was cut). */
export function trimEntry(entry: TranscriptEntry, max = MAX_STRING[entry.type] ?? MAX_STRING.default!): PanelEntry {
  const raw = trimValue(entry.raw, max, 0);
  return raw === entry.raw ? entry : { ...entry, raw, trimmed: true };
}

function trimValue(v: unknown, max: number, depth: number): unknown {
  if (typeof v === 'string') {
    if (v.length <= max) return v;
    const dropped = v.length - max;
    return `${v.slice(0, max)}\n… [${dropped.toLocaleString('en-US')} more characters not shown]`;
  }
  if (depth > 12 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const t = trimValue(v[i], max, depth + 1);
      if (t !== v[i]) (out ??= v.slice())[i] = t;
    }
    return out ?? v;
  }
  let out: Json | undefined;
  for (const [k, val] of Object.entries(v as Json)) {
    const t = trimValue(val, max, depth + 1);
    if (t !== val) (out ??= { ...(v as Json) })[k] = t;
  }
  return out ?? v;
}

/** The last `limit` displayable entries, trimmed, and whether older ones exist. */
export function tailWindow(all: readonly TranscriptEntry[], limit = INITIAL_WINDOW): { entries: PanelEntry[]; hasOlder: boolean } {
  const shown = all.filter(isDisplayable);
  const start = Math.max(0, shown.length - limit);
  return { entries: shown.slice(start).map((e) => trimEntry(e)), hasOlder: start > 0 };
}

/** Up to `limit` displayable entries right before `beforeSeq`, oldest first. */
export function olderWindow(all: readonly TranscriptEntry[], beforeSeq: number, limit = OLDER_PAGE): { entries: PanelEntry[]; hasOlder: boolean } {
  const shown = all.filter((e) => e.seq < beforeSeq && isDisplayable(e));
  const start = Math.max(0, shown.length - limit);
  return { entries: shown.slice(start).map((e) => trimEntry(e)), hasOlder: start > 0 };
}
