/**
 * Opening a search hit: the panel scrolls to the hit's entry (loading older pages until it holds
 * it) and marks the matched words in that row for a moment, so the eye finds them. The marks are
 * only on the row's current element: rebuilt rows (streaming, remounting) come back plain.
 */
import type { Row } from '../model/transcript';
import type { VirtualList } from './virtualList';

export interface RevealHost {
  list: VirtualList<Row>;
  rows(): readonly Row[];
  /** The oldest transcript seq the panel holds. */
  firstSeq(): number;
  hasOlder(): boolean;
  loadOlder(): Promise<void>;
  /** Makes the row showable: opens the folded Agent cards around a subagent's row. */
  unfold(row: Row): void;
}

/** Rows scrolled past before the hit, so it is not glued to the top edge. */
const MARGIN_PX = 24;
const HIGHLIGHT_MS = 4000;

export async function revealEntry(host: RevealHost, seq: number, terms: readonly string[]): Promise<boolean> {
  while (host.firstSeq() > seq && host.hasOlder()) {
    const before = host.firstSeq();
    await host.loadOlder();
    if (host.firstSeq() === before) break; // the load failed: show what there is
  }
  const row = rowForSeq(host.rows(), seq);
  if (row) host.unfold(row);
  if (!row || !host.list.scrollToKey(row.key, -MARGIN_PX)) return false;
  const el = host.list.element(row.key);
  if (!el) return false;
  markTerms(el, terms);
  el.classList.add('search-hit');
  window.setTimeout(() => el.classList.remove('search-hit'), HIGHLIGHT_MS);
  return true;
}

/** The row of entry `seq`, or of the first entry after it that has one (not every entry is a row). */
export function rowForSeq(rows: readonly Row[], seq: number): Row | undefined {
  let after: Row | undefined;
  for (const row of rows) {
    if (row.seq === undefined) continue;
    if (row.seq === seq) return row;
    if (row.seq > seq && (!after || row.seq < after.seq!)) after = row;
  }
  return after;
}

/** Wraps each case-insensitive occurrence of the terms in the element's text in <mark>. */
export function markTerms(el: HTMLElement, terms: readonly string[]): number {
  const words = terms.map((t) => t.trim()).filter(Boolean);
  if (words.length === 0) return 0;
  const pattern = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  let marked = 0;
  for (const node of nodes) {
    const text = node.data;
    pattern.lastIndex = 0;
    if (!pattern.test(text)) continue;
    pattern.lastIndex = 0;
    const parts = document.createDocumentFragment();
    let last = 0;
    for (const m of text.matchAll(pattern)) {
      const at = m.index ?? 0;
      if (at > last) parts.append(text.slice(last, at));
      const mark = document.createElement('mark');
      mark.className = 'search-term';
      mark.textContent = m[0];
      parts.append(mark);
      marked++;
      last = at + m[0].length;
    }
    if (last < text.length) parts.append(text.slice(last));
    node.replaceWith(parts);
  }
  return marked;
}
