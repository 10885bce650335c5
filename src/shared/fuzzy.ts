/**
 * Fuzzy matching for the composer's completions (`/` commands in the webview, `@` files on the
 * host): the query's characters must appear in order; a match scores higher where they fall on
 * word starts (after `/ . - _ space`, a lower→upper case step), run together, begin the file's
 * base name, or begin the text. Shorter candidates win ties. No `node:` or `vscode` imports.
 */

const BOUNDARY = new Set(['/', '\\', '.', '-', '_', ' ', ':']);

/** How well `query` matches `text` (higher is better), or undefined when it does not. */
export function fuzzyScore(query: string, text: string): number | undefined {
  if (!query) return 0;
  const q = query.toLowerCase();
  const t = text.toLowerCase();
  const base = Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\')) + 1;
  // A plain substring beats any scattered match: people type what they remember.
  const at = t.indexOf(q);
  if (at >= 0) {
    let score = 1000 - text.length;
    if (at === base) score += 400;
    else if (at === 0) score += 300;
    else if (isWordStart(text, at)) score += 200;
    if (at >= base) score += 100;
    return score;
  }
  let score = 0;
  let ti = 0;
  let run = 0;
  for (let qi = 0; qi < q.length; qi++) {
    const c = q[qi]!;
    let found = -1;
    // Prefer the next word start holding the character; else its next occurrence.
    for (let j = ti; j < t.length; j++) {
      if (t[j] === c && isWordStart(text, j)) {
        found = j;
        break;
      }
    }
    const next = t.indexOf(c, ti);
    if (next < 0) return undefined;
    if (found < 0 || (next === ti && run > 0)) found = next;
    if (found === ti && qi > 0) {
      run++;
      score += 15 * run;
    } else run = 0;
    if (isWordStart(text, found)) score += 30;
    if (found >= base) score += 5;
    score -= Math.min(found - ti, 10);
    ti = found + 1;
  }
  return score - text.length / 10;
}

function isWordStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const prev = text[i - 1]!;
  if (BOUNDARY.has(prev)) return true;
  const c = text[i]!;
  return prev === prev.toLowerCase() && c !== c.toLowerCase() && c === c.toUpperCase();
}

/** The best `limit` of `items` for `query`, best first (all of them, in order, for an empty query). */
export function rankFuzzy<T>(query: string, items: readonly T[], textOf: (item: T) => string, limit = 50): T[] {
  if (!query) return items.slice(0, limit);
  const scored: Array<{ item: T; score: number; index: number }> = [];
  items.forEach((item, index) => {
    const score = fuzzyScore(query, textOf(item));
    if (score !== undefined) scored.push({ item, score, index });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, limit).map((s) => s.item);
}
