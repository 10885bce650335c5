/**
 * Reading untyped JSON the CLI printed: the few guards every reader of its messages needs, in one
 * place. No `node:` imports: the webview bundle uses them too.
 */
export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The string, or '' for anything else. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The finite number, or 0 for anything else. */
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Cut to `max` characters (never inside a surrogate pair), saying how much was left out. */
export function clip(text: string, max: number): string {
  const t = text.trim();
  if (t.length <= max) return t;
  let end = max;
  const code = t.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${t.slice(0, end)}… (${t.length - end} more characters)`;
}

/** JSON for people; a value JSON cannot hold (a cycle, a depth V8 refuses) becomes a note, never a throw. */
export function safeJson(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent) ?? String(value);
  } catch {
    return '(a value too deeply nested to show)';
  }
}
