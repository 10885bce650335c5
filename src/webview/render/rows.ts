/**
 * One transcript row → its element. Rows are rebuilt whole when their `rev` changes (a
 * streamed block, a tool's result arriving): cheap for the handful on screen, and simpler than
 * patching. Markdown is cached per row revision, so scrolling back and forth never re-parses.
 */
import { DIFF_TOOLS } from '../../core/transcript/blocks';
import type { SubagentView } from '../model/subagentRuns';
import { type InitRow, type NoticeRow, type ResultRow, type Row, type TextRow, type ThinkingRow, type ToolRow, type UserRow } from '../model/transcript';
import { formatCost, formatDuration, formatTokens, toolIcon, toolSummary } from '../model/format';
import type { EditedTurn } from '../../shared/webviewProtocol';
import { h, icon, iconButton } from './dom';
import { renderMarkdown } from './markdown';
import { closeOpenMarkdown } from './streamingMarkdown';

/** What rows need to know about the panel's state besides the row itself. */
export interface RowContext {
  /** Whether a row's collapsible part is open (defaults per part, toggled by the user). */
  isOpen(key: string, part: RowPart): boolean;
  /** A tool use whose permission is being asked right now. */
  isAwaitingPermission(toolUseId: string): boolean;
  /** The tool call row of `toolUseId` (a subagent row's Agent card). */
  toolRow(toolUseId: string): ToolRow | undefined;
  /** How many rows the subagent of Agent call `toolUseId` produced (its card says how many it folds). */
  nestedCount(toolUseId: string): number;
  /** The turn ending at this result seq can be reviewed (its edits, per file, with a revert). */
  editedTurn?(resultSeq: number): EditedTurn | undefined;
  /** Why no turn can be reviewed (automatic checkpoints off), if so. */
  turnReviewUnavailable?(): string | undefined;
}

export type RowPart = 'body' | 'full';

/** Parts open unless the user closed them. */
export function defaultOpen(row: Row, part: RowPart): boolean {
  if (part === 'full') return false;
  switch (row.kind) {
    case 'thinking':
      return false;
    case 'tool':
      // An Agent card is open while its subagent works, folded (with its rows) once it is done.
      if (row.subagent) return !row.result;
      return row.name === 'Bash' || row.result?.isError === true;
    default:
      return true;
  }
}

/** A subagent's row whose Agent card (or an enclosing one) is folded: not shown, no height. */
export function isFoldedAway(row: Row, ctx: RowContext): boolean {
  const seen = new Set<string>();
  for (let id = row.parentToolUseId; id && !seen.has(id); ) {
    seen.add(id);
    const card = ctx.toolRow(id);
    if (!card) return false;
    if (!ctx.isOpen(card.key, 'body')) return true;
    id = card.parentToolUseId;
  }
  return false;
}

/** Lines of tool output shown before "Show all". */
export const OUTPUT_PREVIEW_LINES = 30;

const markdownCache = new Map<string, { rev: number; text: string; streaming: boolean; html: string }>();
const MARKDOWN_CACHE_SIZE = 400;

/** While a reply streams, the markers it left open are closed for this render (streamingMarkdown.ts). */
function markdownFor(key: string, rev: number, text: string, streaming = false): string {
  const hit = markdownCache.get(key);
  if (hit && hit.rev === rev && hit.text === text && hit.streaming === streaming) {
    markdownCache.delete(key);
    markdownCache.set(key, hit);
    return hit.html;
  }
  const html = renderMarkdown(streaming ? closeOpenMarkdown(text) : text);
  markdownCache.set(key, { rev, text, streaming, html });
  if (markdownCache.size > MARKDOWN_CACHE_SIZE) markdownCache.delete(markdownCache.keys().next().value!);
  return html;
}

/**
 * Builds the row's element, or rebuilds the content of `existing` (the same element stays in
 * the list: no node swap, its ResizeObserver and data-key stay).
 */
export function renderRow(row: Row, ctx: RowContext, existing?: HTMLElement): HTMLElement {
  const folded = isFoldedAway(row, ctx);
  const className = `row row-${row.kind}${row.parentToolUseId ? ' row-nested' : ''}${row.inherited ? ' row-inherited' : ''}${folded ? ' row-folded' : ''}`;
  const el = existing ?? h('div');
  if (el.className !== className) el.className = className;
  if (folded) {
    el.replaceChildren();
    return el;
  }
  if (existing) {
    // Streaming text: only the body's HTML changes.
    const body = row.kind === 'text' && existing.firstElementChild?.classList.contains('markdown') ? (existing.firstElementChild as HTMLElement) : undefined;
    if (body && row.kind === 'text') {
      body.className = `markdown${row.streaming ? ' streaming' : ''}${row.isError ? ' error-text' : ''}`;
      body.innerHTML = markdownFor(row.key, row.rev, row.text, row.streaming);
      return el;
    }
    el.replaceChildren();
  }
  switch (row.kind) {
    case 'user':
      el.append(...userRow(row));
      break;
    case 'text':
      el.append(textRow(row));
      break;
    case 'thinking':
      el.append(thinkingRow(row, ctx));
      break;
    case 'tool':
      el.append(toolRow(row, ctx));
      break;
    case 'result':
      el.append(resultRow(row, ctx));
      break;
    case 'notice':
      el.append(noticeRow(row));
      break;
    case 'init':
      el.append(initRow(row));
      break;
  }
  return el;
}

function userRow(row: UserRow): Node[] {
  // A subagent's first message is its Agent call's prompt, written by Claude, not by you.
  const label = row.parentToolUseId ? 'Prompt to the subagent' : 'You';
  return [
    h(
      'div',
      { class: 'user-bubble', role: 'group', 'aria-label': row.parentToolUseId ? label : `${label} said` },
      h('div', { class: 'row-label' }, icon(row.parentToolUseId ? 'organization' : 'account'), label),
      h('div', { class: 'user-text' }, row.text || (row.images ? '' : '(empty message)')),
      row.images ? h('div', { class: 'muted' }, icon('file-media'), ` ${row.images} image${row.images === 1 ? '' : 's'}`) : undefined,
    ),
  ];
}

function textRow(row: TextRow): HTMLElement {
  const body = h('div', { class: `markdown${row.streaming ? ' streaming' : ''}${row.isError ? ' error-text' : ''}` });
  body.innerHTML = markdownFor(row.key, row.rev, row.text, row.streaming);
  return body;
}

function thinkingRow(row: ThinkingRow, ctx: RowContext): HTMLElement {
  const open = ctx.isOpen(row.key, 'body');
  const wrap = h('div', { class: 'thinking' });
  wrap.append(
    h(
      'button',
      { type: 'button', class: 'disclosure', 'data-action': 'toggle', 'data-part': 'body', 'aria-expanded': String(open) },
      icon(open ? 'chevron-down' : 'chevron-right'),
      icon(row.streaming ? 'loading~spin' : 'lightbulb'),
      h('span', {}, row.streaming ? 'Thinking…' : 'Thinking'),
      !open && row.text ? h('span', { class: 'muted summary' }, `${groupDigits(row.text.length)} characters`) : undefined,
    ),
  );
  if (open) wrap.append(h('div', { class: 'thinking-text' }, row.text));
  return wrap;
}

function toolRow(row: ToolRow, ctx: RowContext): HTMLElement {
  const open = ctx.isOpen(row.key, 'body');
  const awaiting = ctx.isAwaitingPermission(row.toolUseId);
  const result = row.result;
  const status = result
    ? result.stopped
      ? h('span', { class: 'tool-status stopped' }, icon('debug-stop'), STOPPED_LABEL)
      : result.isError
      ? h('span', { class: 'tool-status error' }, icon('error'), result.interrupted ? 'Interrupted' : 'Error')
      : h('span', { class: 'tool-status ok' }, icon('check'), 'Done')
    : awaiting
      ? h('span', { class: 'tool-status waiting' }, icon('question'), 'Awaiting permission')
      : row.streaming
        ? h('span', { class: 'tool-status running' }, icon('loading~spin'), 'Preparing')
        : h('span', { class: 'tool-status running' }, icon('loading~spin'), 'Running');
  const summary = row.subagent?.description || toolSummary(row.name, row.input);
  const card = h('div', { class: `tool-card${row.subagent ? ' subagent' : ''}${result?.isError ? ' error' : ''}${result?.stopped ? ' stopped' : ''}${awaiting ? ' awaiting' : ''}` });
  const header = h(
    'div',
    { class: 'tool-header' },
    h(
      'button',
      { type: 'button', class: 'disclosure', 'data-action': 'toggle', 'data-part': 'body', 'aria-expanded': String(open), 'aria-label': `${row.name} ${summary}`.trim() },
      icon(open ? 'chevron-down' : 'chevron-right'),
      icon(toolIcon(row.name)),
      h('span', { class: 'tool-name' }, row.name),
      summary ? h('span', { class: 'tool-summary' }, summary) : undefined,
    ),
    status,
  );
  if (DIFF_TOOLS.has(row.name) && row.input) {
    header.append(iconButton('diff', `Open the ${row.name} change in a diff editor`, { 'data-action': 'open-diff' }, 'Diff'));
  }
  card.append(header);
  if (row.subagent) {
    card.append(subagentLine(row.subagent, open, ctx.nestedCount(row.toolUseId)));
    if (open && result) card.append(subagentReply(row, ctx));
    return card;
  }
  if (open) card.append(toolBody(row, ctx));
  return card;
}

/** Under an Agent card's header: what its subagent does (running) or what it took (done). */
function subagentLine(view: SubagentView, open: boolean, steps: number): HTMLElement {
  const f = view.figures;
  const bits: string[] = [];
  if (view.agentType) bits.push(view.agentType);
  if (view.status === 'running') bits.push(view.activity || (view.lastToolName ? `Last: ${view.lastToolName}` : 'Starting…'));
  if (f) bits.push(`${f.toolUses} tool use${f.toolUses === 1 ? '' : 's'}`);
  // The CLI's own figure (its "subagent_tokens"): the run's last request, input and output. No dollar figure
  // exists per subagent: the turn's cost in the footer includes it.
  if (f) bits.push(`${formatTokens(f.totalTokens)} tokens`);
  if (f?.durationMs) bits.push(formatDuration(f.durationMs));
  if (view.status !== 'running' && !open && steps) bits.push(`${steps} step${steps === 1 ? '' : 's'} folded`);
  const t = view.totals;
  const title = t
    ? `The subagent ended at ${groupDigits(t.totalTokens)} tokens (last request: ${groupDigits(t.inputTokens)} input, ${groupDigits(t.outputTokens)} output) after ${formatDuration(t.durationMs)}${t.model ? ` on ${t.model}` : ''}. Its cost is part of the turn's.`
    : '';
  return h('div', { class: 'subagent-line muted', ...(title ? { title } : {}) }, icon(view.status === 'running' ? 'pulse' : 'organization'), h('span', {}, bits.join(' · ')));
}

/** A finished Agent card, unfolded: the subagent's reply, as the text it is. */
function subagentReply(row: ToolRow, ctx: RowContext): HTMLElement {
  const result = row.result!;
  if (result.stopped) return h('div', { class: 'tool-body' }, section(STOPPED_LABEL, h('div', { class: 'muted' }, 'You stopped this before it finished.')));
  if (result.isError) return h('div', { class: 'tool-body' }, section('Error', preview(result.content || '(empty)', row, ctx, 'error')));
  const reply = h('div', { class: 'markdown subagent-reply' });
  reply.innerHTML = markdownFor(`${row.key}|reply`, row.rev, result.content || '(no reply)');
  return h('div', { class: 'tool-body' }, section('Reply', reply));
}

function toolBody(row: ToolRow, ctx: RowContext): HTMLElement {
  const body = h('div', { class: 'tool-body' });
  const input = row.input;
  if (row.name === 'Bash' && input && typeof input.command === 'string') {
    body.append(section('Command', h('pre', { class: 'command' }, h('code', {}, `$ ${input.command}`))));
    if (typeof input.description === 'string') body.append(h('div', { class: 'muted tool-description' }, input.description));
  } else if ((row.name === 'Edit' || row.name === 'MultiEdit') && input) {
    body.append(section(String(input.file_path ?? 'Edit'), editPreview(input)));
  } else if (row.name === 'Write' && input && typeof input.content === 'string') {
    body.append(section(String(input.file_path ?? 'Write'), preview(input.content, row, ctx, 'write')));
  } else {
    const text = input ? JSON.stringify(input, null, 2) : row.inputText || '…';
    body.append(section('Input', h('pre', {}, h('code', {}, text))));
  }
  const result = row.result;
  if (result?.stopped) {
    // The CLI's note to the model ("STOP what you are doing…") is not for the person who stopped it.
    body.append(section(STOPPED_LABEL, h('div', { class: 'muted' }, 'You stopped this before it finished.')));
  } else if (result) {
    const label = row.name === 'Bash' ? 'Output' : 'Result';
    if (row.name === 'Bash' && (result.stdout !== undefined || result.stderr !== undefined) && !result.isError) {
      const parts: Node[] = [];
      if (result.stdout) parts.push(preview(result.stdout, row, ctx, 'stdout'));
      if (result.stderr) parts.push(preview(result.stderr, row, ctx, 'stderr'));
      if (!parts.length) parts.push(h('div', { class: 'muted' }, '(no output)'));
      body.append(section(label, ...parts));
    } else {
      const text = result.content || (result.images ? `(${result.images} image${result.images === 1 ? '' : 's'})` : '(empty)');
      body.append(section(result.isError ? 'Error' : label, preview(text, row, ctx, result.isError ? 'error' : 'result')));
    }
  }
  return body;
}

function section(label: string, ...content: Node[]): HTMLElement {
  return h('div', { class: 'tool-section' }, h('div', { class: 'section-label' }, label), ...content);
}

function preview(text: string, row: ToolRow, ctx: RowContext, kind: 'stdout' | 'stderr' | 'result' | 'error' | 'write'): HTMLElement {
  const full = ctx.isOpen(row.key, 'full');
  const lines = text.split('\n');
  const cut = !full && lines.length > OUTPUT_PREVIEW_LINES;
  const shown = cut ? lines.slice(0, OUTPUT_PREVIEW_LINES).join('\n') : text;
  const wrap = h('div', { class: `output-wrap output-${kind}` });
  wrap.append(
    h('pre', { class: 'output' }, h('code', {}, shown)),
    iconButton('copy', 'Copy', { 'data-action': 'copy-output', 'data-output': kind, class: 'icon-button copy-output' }),
  );
  if (row.result?.truncated && (full || !cut)) {
    wrap.append(h('button', { type: 'button', class: 'link-button', 'data-action': 'load-full' }, 'The output was cut here: load all of it'));
  } else if (cut || (full && lines.length > OUTPUT_PREVIEW_LINES)) {
    wrap.append(
      h(
        'button',
        { type: 'button', class: 'link-button', 'data-action': 'toggle', 'data-part': 'full', 'aria-expanded': String(full) },
        full ? 'Show less' : `Show all ${groupDigits(lines.length)} lines`,
      ),
    );
  }
  return wrap;
}

function editPreview(input: Record<string, unknown>): HTMLElement {
  const edits: Array<{ old_string?: unknown; new_string?: unknown }> = Array.isArray(input.edits)
    ? (input.edits as Array<{ old_string?: unknown; new_string?: unknown }>)
    : [{ old_string: input.old_string, new_string: input.new_string }];
  const pre = h('pre', { class: 'edit-preview' });
  edits.slice(0, 20).forEach((e, i) => {
    if (i > 0) pre.append(h('span', { class: 'diff-sep' }, '⋯\n'));
    for (const line of String(e.old_string ?? '').split('\n')) pre.append(h('span', { class: 'diff-del' }, `- ${line}\n`));
    for (const line of String(e.new_string ?? '').split('\n')) pre.append(h('span', { class: 'diff-add' }, `+ ${line}\n`));
  });
  if (edits.length > 20) pre.append(h('span', { class: 'muted' }, `… and ${edits.length - 20} more edits`));
  return pre;
}

/** 12345 → "12,345" without Intl (whose first call costs ~20 ms of locale loading). */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function resultText(row: ToolRow, kind: string | undefined): string {
  const r = row.result;
  if (kind === 'write') return typeof row.input?.content === 'string' ? row.input.content : '';
  if (!r) return '';
  if (kind === 'stdout') return r.stdout ?? '';
  if (kind === 'stderr') return r.stderr ?? '';
  return r.content;
}

function resultRow(row: ResultRow, ctx: RowContext): HTMLElement {
  const ok = !row.isError;
  const label = ok ? 'Turn complete' : row.stopped ? STOPPED_LABEL : resultLabel(row);
  const parts: Node[] = [
    h('span', { class: 'turn-status' }, icon(ok ? 'pass' : row.stopped ? 'debug-stop' : 'error'), label),
    stat('arrow-up', `${formatTokens(row.inputTokens)} in`, `${groupDigits(row.inputTokens)} input tokens`),
    stat('arrow-down', `${formatTokens(row.outputTokens)} out`, `${groupDigits(row.outputTokens)} output tokens`),
  ];
  if (row.cacheReadTokens || row.cacheWriteTokens) {
    parts.push(
      stat(
        'database',
        `cache ${formatTokens(row.cacheReadTokens)} read · ${formatTokens(row.cacheWriteTokens)} write`,
        `${groupDigits(row.cacheReadTokens)} tokens read from the prompt cache, ${groupDigits(row.cacheWriteTokens)} written to it`,
      ),
    );
  }
  parts.push(stat('credit-card', formatCost(row.costUsd), `This turn cost ${formatCost(row.costUsd)}`));
  parts.push(stat('watch', formatDuration(row.durationMs), `The turn took ${formatDuration(row.durationMs)}`));
  const footer = h('div', { class: `turn-footer${ok ? '' : row.stopped ? ' stopped' : ' error'}` }, ...parts);
  const review = turnReview(row, ctx);
  if (!ok && row.errors.length && !row.stopped) {
    return h('div', {}, footer, h('div', { class: 'turn-errors' }, row.errors.join('\n')), review);
  }
  return review ? h('div', {}, footer, review) : footer;
}

/** "Review edits" on a turn that edited files; or, with checkpoints off, why it cannot be. */
function turnReview(row: ResultRow, ctx: RowContext): HTMLElement | undefined {
  if (row.inherited || row.seq === undefined) return undefined;
  const turn = ctx.editedTurn?.(row.seq);
  if (turn) {
    const files = `${turn.files} file${turn.files === 1 ? '' : 's'}`;
    return h(
      'div',
      { class: 'turn-review' },
      h(
        'button',
        { type: 'button', class: 'button secondary', 'data-action': 'review-edits', 'data-checkpoint': turn.checkpointId, title: `See the ${files} this turn changed (before the turn ↔ now) and revert any of them` },
        icon('diff'),
        `Review edits (${files})`,
      ),
    );
  }
  const why = row.editedFiles > 0 ? ctx.turnReviewUnavailable?.() : undefined;
  if (!why) return undefined;
  return h(
    'div',
    { class: 'turn-review muted' },
    icon('info'),
    h('span', {}, why),
    h('button', { type: 'button', class: 'link-button', 'data-action': 'open-checkpoint-setting' }, 'Open Setting'),
  );
}

/** A stop the user asked for: neither done nor failed, in neutral colours. */
export const STOPPED_LABEL = 'Stopped by you';

function resultLabel(row: ResultRow): string {
  switch (row.subtype) {
    case 'error_max_turns':
      return 'Stopped: turn limit reached';
    case 'error_during_execution':
      return 'Stopped by an error';
    case 'error_max_budget_usd':
      return 'Stopped: budget reached';
    default:
      return 'Turn failed';
  }
}

function stat(iconName: string, text: string, title: string): HTMLElement {
  return h('span', { class: 'stat', title }, icon(iconName), text);
}

function noticeRow(row: NoticeRow): HTMLElement {
  return h('div', { class: `notice ${row.level}` }, icon(row.icon), h('span', {}, row.text));
}

function initRow(row: InitRow): HTMLElement {
  const bits = [row.version && `Claude Code ${row.version}`, row.model, row.cwd, row.permissionMode && row.permissionMode !== 'default' ? `${row.permissionMode} mode` : ''].filter(Boolean);
  return h('div', { class: 'init-line muted' }, icon('sparkle'), bits.join(' · '));
}

/** A guess at a row's height in px before it is measured (scrollbar size only; corrected on screen). */
export function estimateRowHeight(row: Row, width: number, ctx: RowContext): number {
  if (isFoldedAway(row, ctx)) return 0;
  const charsPerLine = Math.max(20, Math.floor((width - 48) / 7.2));
  const lines = (text: string) => {
    let n = 0;
    for (const para of text.split('\n')) n += Math.max(1, Math.ceil(para.length / charsPerLine));
    return n;
  };
  switch (row.kind) {
    case 'user':
      return 42 + Math.min(lines(row.text), 400) * 19;
    case 'text':
      return 16 + Math.min(lines(row.text), 2000) * 20;
    case 'thinking':
      return ctx.isOpen(row.key, 'body') ? 40 + lines(row.text) * 19 : 32;
    case 'tool': {
      if (row.subagent) return ctx.isOpen(row.key, 'body') && row.result ? 90 + lines(row.result.content) * 20 : 64;
      if (!ctx.isOpen(row.key, 'body')) return 42;
      const out = row.result ? Math.min(lines(row.result.content || row.result.stdout || ''), OUTPUT_PREVIEW_LINES) : 0;
      return 90 + out * 18;
    }
    case 'result':
      return 30 + (row.seq !== undefined && ctx.editedTurn?.(row.seq) ? 34 : 0);
    case 'notice':
    case 'init':
      return 26;
  }
}
