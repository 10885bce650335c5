/**
 * What of a message is searchable, and how it splits into words. Indexing and snippets both
 * use these two functions, so a hit always has a snippet that shows it.
 */

/** Keys whose strings are identifiers, signatures or binary data, not words a person wrote. */
const SKIP_KEYS = new Set([
  'uuid',
  'id',
  'session_id',
  'sessionId',
  'parent_tool_use_id',
  'parentUuid',
  'tool_use_id',
  'requestId',
  'request_id',
  'signature',
  'data',
  'type',
  'role',
  'model',
  'stop_reason',
  'stop_sequence',
  'subtype',
  'media_type',
  'apiKeySource',
  'permissionMode',
  'output_style',
  'claude_code_version',
  'cwd',
  'tools',
  'mcp_servers',
  'slash_commands',
  'agents',
  'skills',
  'plugins',
  'usage',
  'modelUsage',
]);

/** Enough to find a message by what it says; tool results beyond this are not indexed. */
export const MAX_TEXT = 32 * 1024;

/** The message's human-readable strings joined by newlines, at most MAX_TEXT characters. */
export function searchableText(raw: unknown): string {
  const parts: string[] = [];
  let size = 0;
  const visit = (v: unknown, depth: number): void => {
    if (size >= MAX_TEXT || depth > 12) return;
    if (typeof v === 'string') {
      if (v.length === 0) return;
      parts.push(v.length > MAX_TEXT - size ? v.slice(0, MAX_TEXT - size) : v);
      size += v.length + 1;
    } else if (Array.isArray(v)) {
      for (const item of v) visit(item, depth + 1);
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) if (!SKIP_KEYS.has(k)) visit(item, depth + 1);
    }
  };
  visit(raw, 0);
  return parts.join('\n');
}

const WORD = /[\p{L}\p{N}_]+/gu;
export const MIN_TERM = 2;
export const MAX_TERM = 40;

/** Lower-cased words of 2–40 characters, with where each starts in `text`. */
export function* words(text: string): Generator<{ term: string; index: number; length: number }> {
  for (const m of text.matchAll(WORD)) {
    const w = m[0];
    if (w.length < MIN_TERM || w.length > MAX_TERM) continue;
    yield { term: w.toLowerCase(), index: m.index, length: w.length };
  }
}

/**
 * Term frequencies and length (in words) of one document: the same words as `words()`, with
 * a character loop for ASCII text (several times faster than the regex; indexing 500k
 * messages spends most of its time here) and the regex only for a stretch with non-ASCII
 * characters in it. An ASCII character that is not a word character ends a word under both
 * rules, so the stretch reaches from the word in progress to the next such character: one em
 * dash in a 20 KB reply no longer sends the whole reply through the regex.
 */
export function termFrequencies(text: string): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  let length = 0;
  const add = (w: string): void => {
    if (w.length < MIN_TERM || w.length > MAX_TERM) return;
    const t = w.toLowerCase();
    tf.set(t, (tf.get(t) ?? 0) + 1);
    length++;
  };
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c >= 128) {
      let end = i + 1;
      while (end < text.length && !isAsciiBoundary(text.charCodeAt(end))) end++;
      for (const m of text.slice(start >= 0 ? start : i, end).matchAll(WORD)) add(m[0]);
      start = -1;
      i = end; // the boundary itself starts no word
      continue;
    }
    if (isAsciiWordChar(c)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      add(text.slice(start, i));
      start = -1;
    }
  }
  return { tf, length };
}

function isAsciiWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** An ASCII character outside [\p{L}\p{N}_]: a word boundary for the loop and the regex alike. */
function isAsciiBoundary(c: number): boolean {
  return c < 128 && !isAsciiWordChar(c);
}

/** The distinct search terms of a query, in order. */
export function queryTerms(query: string): string[] {
  return [...new Set(Array.from(words(query), (w) => w.term))];
}

/**
 * About `width` characters of `text` around the first matching word, cut at word boundaries,
 * with the [start, end) of every matching word inside the returned snippet.
 */
export function makeSnippet(text: string, terms: readonly string[], width = 160): { snippet: string; highlights: Array<[number, number]> } {
  const wanted = new Set(terms);
  let first = -1;
  for (const w of words(text)) {
    if (wanted.has(w.term)) {
      first = w.index;
      break;
    }
  }
  const flat = text.replace(/\s+/g, ' ');
  // Whitespace runs collapse to one space: map the match position into the collapsed text.
  const at = first < 0 ? 0 : text.slice(0, first).replace(/\s+/g, ' ').length;
  let start = Math.max(0, at - Math.floor(width / 3));
  let end = Math.min(flat.length, start + width);
  start = Math.max(0, end - width);
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    if (space !== -1 && space < at) start = space + 1;
  }
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > at) end = space;
  }
  const lead = start > 0 ? '…' : '';
  const body = flat.slice(start, end).trim();
  const snippet = `${lead}${body}${end < flat.length ? '…' : ''}`;
  const highlights: Array<[number, number]> = [];
  for (const w of words(body)) if (wanted.has(w.term)) highlights.push([lead.length + w.index, lead.length + w.index + w.length]);
  return { snippet, highlights };
}
