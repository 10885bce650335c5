/**
 * Context attached to a message (a file, a selection, the problems of a file) and how it goes to
 * the CLI. The CLI reads `@path` mentions in the prompt itself, also with a line range
 * (`@src/a.ts#L5-7`): it reads the file (those lines) and hands the model the Read result,
 * exactly as if it had called Read (checked against 2.1.197: test/fixtures/cli/README.md). So a
 * saved file or selection goes as a mention; what is not on disk (an unsaved editor's
 * selection) and what is no file (problems) goes as text after the message.
 * No `node:` or `vscode` imports: both the webview and the host use it.
 */

export interface Attachment {
  kind: 'file' | 'selection' | 'problems';
  /** What the chip says ("notes.md:3-5", "2 problems in a.ts"). */
  label: string;
  /** `@path` or `@path#L3-5`, for what the CLI can read from disk. */
  mention?: string;
  /** Text to send as is (an unsaved selection, diagnostics). */
  text?: string;
}

/** A path as a mention: relative to the session's folder when inside it; quoted when it has spaces. */
export function mentionOf(relativeOrAbsolute: string, lines?: { start: number; end: number }): string {
  const range = lines ? (lines.start === lines.end ? `#L${lines.start}` : `#L${lines.start}-${lines.end}`) : '';
  const target = `${relativeOrAbsolute}${range}`;
  return /\s/.test(target) ? `@"${target}"` : `@${target}`;
}

/** The prompt the CLI gets for `text` with `attachments`: mentions on a line of their own, then text blocks. */
export function composePrompt(text: string, attachments: readonly Attachment[]): string {
  if (!attachments.length) return text;
  const mentions = attachments.flatMap((a) => (a.mention ? [a.mention] : []));
  const texts = attachments.flatMap((a) => (a.text ? [a.text] : []));
  return [text, mentions.join(' '), ...texts].filter((part) => part.trim()).join('\n\n');
}

/** Lines of a diagnostics list as the model reads them best: where, how bad, what. */
export interface ProblemLine {
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  source?: string;
  code?: string;
}

export function problemsText(file: string, problems: readonly ProblemLine[]): string {
  const lines = problems.map((p) => `- ${file}:${p.line}:${p.column} ${p.severity}: ${p.message}${p.source || p.code ? ` (${[p.source, p.code].filter(Boolean).join(' ')})` : ''}`);
  return [`Problems VS Code reports in ${file}:`, ...lines].join('\n');
}

/** An unsaved selection as a fenced block, with where it is from. */
export function selectionText(file: string, lines: { start: number; end: number }, text: string, languageId = ''): string {
  const fence = text.includes('```') ? '````' : '```';
  return `Selected in ${file} (lines ${lines.start}-${lines.end}, not saved yet):\n${fence}${languageId}\n${text}\n${fence}`;
}
