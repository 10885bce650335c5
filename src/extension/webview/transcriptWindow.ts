/**
 * Which transcript entries a panel gets, and how big. Stream events are left out (the complete
 * `assistant` lines hold the same text), as are control messages and progress chatter. Huge
 * strings (a 5 MB file read, a long build log) are cut: the panel shows the first lines of a
 * tool's output anyway, and every byte is structured-cloned into the webview. The store reads
 * only the window (its seq index), whatever the session's length. Pure.
 */
import { isDisplayable } from '../../core/transcript/entry';
import type { BackwardRead, TailRead } from '../../core/store';
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

/** What a panel opens with: the last `limit` displayable entries. */
export function tailQuery(limit = INITIAL_WINDOW): BackwardRead {
  return { limit, filter: isDisplayable };
}

/** "Load older": up to `limit` displayable entries right before `beforeSeq`. */
export function olderQuery(beforeSeq: number, limit = OLDER_PAGE): BackwardRead {
  return { limit, beforeSeq, filter: isDisplayable };
}

/** A window read from the store, trimmed for the webview. */
export function panelWindow(read: TailRead): { entries: PanelEntry[]; hasOlder: boolean } {
  return { entries: read.entries.map((e) => trimEntry(e)), hasOlder: read.hasOlder };
}
