/**
 * Text from the CLI, its tools and the model made safe to show where control characters act:
 * an output channel (VS Code renders ANSI there), a terminal a log is `cat`ed into, and the text
 * an MCP client hands to its model. Nothing is lost without trace: colour codes (SGR) go,
 * because they only paint; every other control becomes a visible `\uXXXX` escape, so a clear
 * screen, a window title, an OSC 52 clipboard write or a hyperlink reads as the characters it
 * was made of and does nothing.
 *
 * Escaped:
 * - C0 controls except `\n` and `\t` (a lone `\r` too: it lets a line overwrite itself; `\r\n`
 *   becomes `\n`), DEL, and C1 controls (U+0080–U+009F: 8-bit CSI, OSC, DCS, ST…). With ESC and
 *   C1 escaped, no CSI, OSC, DCS, APC, PM or SOS sequence can start.
 * - Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): text that reads
 *   differently than it is (Trojan Source). Marks (LRM, RLM, ALM) stay: they only nudge.
 * - U+2028 / U+2029, which some viewers break lines at and others do not.
 * - Tag characters (U+E0000–U+E007F), invisible text a model still reads, except inside an
 *   emoji tag sequence (🏴 + tags + U+E007F: the flags of England, Scotland, Wales).
 * - Unpaired surrogates, which no UTF-8 peer can carry.
 *
 * Kept: everything else, zero-width joiners and non-joiners, variation selectors, emoji, any
 * script. The escapes are ASCII and use JSON's own notation, so the function is idempotent and
 * safe to run over JSON text: `JSON.parse(safeText(JSON.stringify(v)))` is `v` again.
 *
 * No `node:` imports: the webview bundle and the standalone server use it as they are.
 */

/**
 * Colour and style only (`ESC [ … m`): dropped. The rare 8-bit form (U+009B … m) is escaped like
 * any C1 control instead, so that JSON text, where ESC never appears raw, only ever gains escapes.
 */
const SGR = /\x1b\[[0-9;:]*m/g;

/** What may not pass. With the `u` flag an astral tag character is one match, a lone surrogate too. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]|[\u{e0000}-\u{e007f}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

/** An emoji tag sequence: black flag, tag characters, cancel tag. */
const EMOJI_TAG_SEQUENCE = /\u{1f3f4}[\u{e0020}-\u{e007e}]+\u{e007f}/gu;

export function safeText(text: string): string {
  if (!UNSAFE.test(text)) return text;
  const cleaned = text.replace(SGR, '').replace(/\r\n/g, '\n');
  if (!cleaned.includes('\u{1f3f4}')) return cleaned.replace(UNSAFE_ALL, escapeChar);
  // Protect well-formed flag sequences, escape the rest.
  let out = '';
  let last = 0;
  for (const m of cleaned.matchAll(EMOJI_TAG_SEQUENCE)) {
    out += cleaned.slice(last, m.index).replace(UNSAFE_ALL, escapeChar) + m[0];
    last = m.index + m[0].length;
  }
  return out + cleaned.slice(last).replace(UNSAFE_ALL, escapeChar);
}

/** Every string inside a JSON-like value made safe (keys too); other values as they are. */
export function safeStrings<T>(value: T): T {
  if (typeof value === 'string') return safeText(value) as T;
  if (Array.isArray(value)) return value.map((v) => safeStrings(v)) as T;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[safeText(k)] = safeStrings(v);
    return out as T;
  }
  return value;
}

function escapeChar(ch: string): string {
  let out = '';
  // An astral character is two UTF-16 units: escaped as its surrogate pair, as JSON does.
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
