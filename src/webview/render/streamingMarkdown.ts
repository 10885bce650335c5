/**
 * Markdown of a reply that is still streaming. What has arrived often stops inside `**bold`, a
 * `code span` or `~~strike`, and markdown-it shows an unclosed marker as the raw characters until
 * the closing one arrives: the reader sees `**` flicker. This closes, for the moment of one render,
 * the inline markers left open in the last paragraph (an opener with nothing after it yet is
 * dropped instead). Open code fences need nothing: markdown-it ends them at the end of the text.
 * The stored text is never changed; once the reply is complete it is rendered as it is.
 */

/** The text with the inline markers still open at its end closed (or dropped when empty). */
export function closeOpenMarkdown(text: string): string {
  if (insideFence(text)) return text;
  const paragraph = text.slice(text.lastIndexOf('\n\n') + 1);
  const open = openMarkers(paragraph);
  if (open.length === 0) return text;
  let out = text;
  // "Note: **": the opener has no content yet; closing it would show "****".
  while (open.length > 0 && out.trimEnd().endsWith(open.at(-1)!)) {
    const trimmed = out.trimEnd();
    out = trimmed.slice(0, trimmed.length - open.pop()!.length);
  }
  return out + open.reverse().join('');
}

function insideFence(text: string): boolean {
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (!m) continue;
    const marker = m[1]!;
    if (fence === undefined) fence = marker;
    else if (marker[0] === fence[0] && marker.length >= fence.length && m[2]!.trim() === '') fence = undefined;
  }
  return fence !== undefined;
}

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** The emphasis and code markers opened and not closed, in the order they were opened. */
function openMarkers(paragraph: string): string[] {
  const stack: string[] = [];
  let i = 0;
  while (i < paragraph.length) {
    const c = paragraph[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    let n = 1;
    while (paragraph[i + n] === c) n++;
    if (c === '`') {
      const run = c.repeat(n);
      const close = paragraph.indexOf(run, i + n);
      if (close < 0) {
        stack.push(run); // code to the end: nothing after it is emphasis
        break;
      }
      i = close + n;
      continue;
    }
    if (c === '*' || c === '_' || (c === '~' && n >= 2)) {
      const marker = c === '~' ? '~~' : c.repeat(Math.min(n, 3));
      const before = paragraph[i - 1];
      const after = paragraph[i + n];
      const intraword = c === '_' && isWordChar(before) && isWordChar(after);
      if (!intraword) {
        if (stack.at(-1) === marker && !isSpace(before)) stack.pop();
        // At the very end, an opener whose text has not arrived yet (dropped by the caller).
        else if (!isSpace(after) || i + n === paragraph.length) stack.push(marker);
      }
    }
    i += n;
  }
  return stack;
}
