/**
 * The dashboard's charts, drawn as SVG by hand: stacked columns (per day, per block) and lines
 * over time (plan limits). Hand-written because it is smaller than any charting library we
 * measured and takes the theme as it is: every colour is a CSS class resolved to VS Code's own
 * `--vscode-charts-*` variables (usage.css), so light, dark and high-contrast themes need no
 * code, and a theme switch needs no redraw. Charts are `role="img"` with a summary label; the
 * table beside each one is the accessible detail.
 */

const NS = 'http://www.w3.org/2000/svg';
type SvgAttrs = Record<string, string | number | undefined>;

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: SvgAttrs = {}, ...children: Array<SVGElement | string | undefined>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export interface Series {
  label: string;
  /** A CSS class giving the colour (`s0`…`s5`, `other`, `projection`). */
  className: string;
  values: number[];
}

export interface ColumnChartOptions {
  /** One label per column (shown under some of them). */
  labels: string[];
  /** Stacked bottom to top. */
  series: Series[];
  format(value: number): string;
  /** A one-sentence summary for screen readers. */
  summary: string;
  width: number;
  height?: number;
  /** The tooltip of a column: its label and each non-zero part. */
  columnTitle?(index: number): string;
  /** Columns to mark (today, the running block). */
  highlight?: number[];
}

const MARGIN = { top: 8, right: 8, bottom: 22, left: 52 };

/** Stacked columns with a value axis; zero columns keep their place. */
export function columnChart(o: ColumnChartOptions): SVGSVGElement {
  const height = o.height ?? 180;
  const width = Math.max(160, o.width);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const n = o.labels.length;
  const totals = o.labels.map((_, i) => o.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const ticks = niceTicks(Math.max(...totals, 0));
  const top = ticks.at(-1) || 1;
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, n);
  const barW = Math.max(1, Math.min(28, slot * 0.72));
  const root = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': o.summary });
  const grid = svg('g', { class: 'grid' });
  for (const t of ticks) {
    grid.append(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(t), y2: y(t) }));
    grid.append(svg('text', { x: MARGIN.left - 6, y: y(t), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'axis-label' }, o.format(t)));
  }
  root.append(grid);
  const bars = svg('g', { class: 'bars' });
  // Labels as wide as their text allows, counted back from the last column (today, the running block).
  const labelW = Math.max(...o.labels.map((l) => l.length), 1) * 6.2 + 10;
  const every = Math.max(1, Math.ceil(labelW / slot));
  for (let i = 0; i < n; i++) {
    const x = MARGIN.left + i * slot + (slot - barW) / 2;
    const column = svg('g', { class: o.highlight?.includes(i) ? 'column highlight' : 'column' });
    let base = 0;
    for (const s of o.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = y(base);
      const y1 = y(base + v);
      column.append(svg('rect', { class: `bar ${s.className}`, x, y: y1, width: barW, height: Math.max(0.5, y0 - y1) }));
      base += v;
    }
    // A full-height hit area carries the tooltip, so thin and empty columns have one too.
    column.append(svg('rect', { class: 'hit', x: MARGIN.left + i * slot, y: MARGIN.top, width: slot, height: plotH }, svg('title', {}, o.columnTitle?.(i) ?? `${o.labels[i]}: ${o.format(totals[i]!)}`)));
    bars.append(column);
    if ((n - 1 - i) % every === 0) {
      bars.append(svg('text', { x: MARGIN.left + i * slot + slot / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis-label' }, o.labels[i]!));
    }
  }
  root.append(bars);
  root.append(svg('line', { class: 'baseline', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(0), y2: y(0) }));
  return root;
}

export interface LinePoint {
  at: number;
  value: number;
}

export interface LineChartOptions {
  lines: Array<{ label: string; className: string; points: LinePoint[] }>;
  /** Fixed value range, e.g. [0, 100] for percentages. */
  max: number;
  format(value: number): string;
  formatTime(at: number): string;
  from: number;
  to: number;
  summary: string;
  width: number;
  height?: number;
  /** A dashed horizontal rule (the warning threshold). */
  rule?: { value: number; label: string };
}

/** Step lines over time: a utilization holds until the next sample says otherwise. */
export function lineChart(o: LineChartOptions): SVGSVGElement {
  const height = o.height ?? 160;
  const width = Math.max(160, o.width);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const span = Math.max(1, o.to - o.from);
  const x = (at: number) => MARGIN.left + ((Math.min(o.to, Math.max(o.from, at)) - o.from) / span) * plotW;
  const y = (v: number) => MARGIN.top + plotH - (Math.min(o.max, Math.max(0, v)) / o.max) * plotH;
  const root = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': o.summary });
  const grid = svg('g', { class: 'grid' });
  for (const t of [0, o.max / 4, o.max / 2, (3 * o.max) / 4, o.max]) {
    grid.append(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(t), y2: y(t) }));
    grid.append(svg('text', { x: MARGIN.left - 6, y: y(t), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'axis-label' }, o.format(t)));
  }
  const ticks = Math.max(2, Math.min(7, Math.floor(plotW / 90)));
  for (let i = 0; i <= ticks; i++) {
    const at = o.from + (span * i) / ticks;
    grid.append(svg('text', { x: x(at), y: height - 6, 'text-anchor': i === 0 ? 'start' : i === ticks ? 'end' : 'middle', class: 'axis-label' }, o.formatTime(at)));
  }
  root.append(grid);
  if (o.rule) {
    root.append(svg('line', { class: 'rule', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(o.rule.value), y2: y(o.rule.value) }, svg('title', {}, o.rule.label)));
  }
  for (const line of o.lines) {
    const pts = line.points.filter((p) => p.at >= o.from - span && p.at <= o.to).sort((a, b) => a.at - b.at);
    if (pts.length === 0) continue;
    let d = '';
    pts.forEach((p, i) => {
      d += i === 0 ? `M${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}` : `H${x(p.at).toFixed(1)}V${y(p.value).toFixed(1)}`;
    });
    d += `H${x(Math.min(o.to, Date.now())).toFixed(1)}`;
    const g = svg('g', { class: `line ${line.className}` }, svg('path', { d }));
    for (const p of pts) g.append(svg('circle', { cx: x(p.at), cy: y(p.value), r: 2.5 }, svg('title', {}, `${line.label}: ${o.format(p.value)} at ${o.formatTime(p.at)}`)));
    root.append(g);
  }
  root.append(svg('line', { class: 'baseline', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(0), y2: y(0) }));
  return root;
}

/** Round steps (1, 2, 5 × 10ⁿ) from 0 past `max`: three to five gridlines. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 4;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? 10 * pow;
  const out: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
