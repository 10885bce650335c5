/**
 * Building blocks of the dashboard's page: sections with a chart and the table beside it,
 * accessible tables, bar lists, summary cards, meters. DOM only; no state.
 */
import { h, icon } from '../render/dom';

type Child = Node | string | false | null | undefined;

/**
 * Sets inline style through the CSSOM: the page's Content Security Policy refuses `style="…"`
 * attributes (no 'unsafe-inline'), not properties set from script.
 */
export function styled<T extends HTMLElement>(el: T, style: Partial<Record<'width' | 'flexGrow', string>>): T {
  Object.assign(el.style, style);
  return el;
}

export interface Column {
  label: string;
  /** Numbers read right-aligned. */
  numeric?: boolean;
}

/** A table with a caption and column headers; `rows` cells are text or nodes. */
export function table(caption: string, columns: readonly Column[], rows: ReadonlyArray<readonly Child[]>, options: { rowHeader?: boolean; empty?: string } = {}): HTMLElement {
  const head = h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.label)));
  const body = rows.length
    ? rows.map((cells) =>
        h(
          'tr',
          {},
          ...cells.map((cell, i) =>
            i === 0 && options.rowHeader !== false ? h('th', { scope: 'row', class: columns[i]?.numeric ? 'num' : undefined }, cell) : h('td', { class: columns[i]?.numeric ? 'num' : undefined }, cell),
          ),
        ),
      )
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, options.empty ?? 'Nothing in this range.'))];
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption }, h('table', {}, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, ...body)));
}

export interface SectionOptions {
  id: string;
  title: string;
  /** One line under the title. */
  note?: Child;
  /** The chart (or bar list) and the table beside it. */
  chart?: HTMLElement;
  table?: HTMLElement;
  /** Extra content above the chart. */
  lead?: Child;
  /** A button in the section header (Export CSV). */
  action?: HTMLElement;
}

export function section(o: SectionOptions): HTMLElement {
  const heading = h('h2', { id: `${o.id}-title` }, o.title);
  return h(
    'section',
    { class: 'usage-section', id: o.id, 'aria-labelledby': `${o.id}-title` },
    h('div', { class: 'section-head' }, heading, o.action),
    o.note ? h('p', { class: 'section-note muted' }, o.note) : undefined,
    o.lead,
    o.chart || o.table ? h('div', { class: o.chart && o.table ? 'section-body two' : 'section-body' }, o.chart, o.table) : undefined,
  );
}

export function exportButton(label: string, onClick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'button secondary small', title: `Export ${label} as CSV`, 'aria-label': `Export ${label} as CSV` }, icon('desktop-download'), h('span', {}, 'CSV'));
  b.addEventListener('click', onClick);
  return b;
}

export interface Bar {
  label: Child;
  /** Tags beside the label (model variants). */
  tags?: string[];
  value: number;
  text: string;
  className?: string;
  detail?: string;
}

/** Horizontal bars, longest first, scaled to the largest. */
export function barList(bars: readonly Bar[], summary: string): HTMLElement {
  const max = Math.max(...bars.map((b) => b.value), 0) || 1;
  return h(
    'div',
    { class: 'bar-list', role: 'img', 'aria-label': summary },
    ...bars.map((b) =>
      h(
        'div',
        { class: 'bar-row', title: b.detail },
        h('div', { class: 'bar-label' }, h('span', { class: 'bar-name' }, b.label), ...(b.tags ?? []).map((t) => h('span', { class: 'tag' }, t))),
        h('div', { class: 'bar-track' }, styled(h('div', { class: `bar-fill ${b.className ?? 's0'}` }), { width: `${Math.max(0.5, (b.value / max) * 100).toFixed(2)}%` })),
        h('div', { class: 'bar-value num' }, b.text),
      ),
    ),
  );
}

export function card(label: string, value: Child, detail?: Child, className?: string): HTMLElement {
  return h('div', { class: `card${className ? ` ${className}` : ''}` }, h('div', { class: 'card-label muted' }, label), h('div', { class: 'card-value' }, value), detail ? h('div', { class: 'card-detail muted' }, detail) : undefined);
}

/** A labelled meter (0–100) with the reading beside it. */
export function meter(label: string, percent: number, text: string, className = ''): HTMLElement {
  const clamped = Math.max(0, Math.min(100, percent));
  return h(
    'div',
    { class: `meter ${className}`.trim() },
    h('div', { class: 'meter-label' }, label),
    h('div', { class: 'meter-track', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(clamped), 'aria-label': label, 'aria-valuetext': text }, styled(h('div', { class: 'meter-fill' }), { width: `${clamped.toFixed(1)}%` })),
    h('div', { class: 'meter-text' }, text),
  );
}

/** A legend for a chart's series. */
export function legend(items: ReadonlyArray<{ label: string; className: string }>): HTMLElement {
  return h('ul', { class: 'legend', 'aria-hidden': 'true' }, ...items.map((i) => h('li', {}, h('span', { class: `swatch ${i.className}` }), i.label)));
}

/** A slot whose chart is drawn at the slot's width, and drawn again when that changes. */
export class ChartSlot {
  readonly element = h('div', { class: 'chart-slot' });
  private width = 0;

  constructor(
    private readonly draw: (width: number) => Element,
    private readonly extra?: HTMLElement,
  ) {}

  render(): void {
    const width = Math.floor(this.element.clientWidth);
    if (width <= 0 || width === this.width) return;
    this.width = width;
    this.element.replaceChildren(this.draw(width), ...(this.extra ? [this.extra] : []));
  }
}
