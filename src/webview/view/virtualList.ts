/**
 * A virtualised list of variable-height rows: only the rows in (and near) the viewport are in
 * the DOM, absolutely positioned over a sizer as tall as the whole list. Heights are estimated
 * until a row has been on screen, then measured and cached by key. While the view is at the
 * bottom it stays there as rows grow or arrive (streaming); scrolled up, the first visible row
 * stays put when rows above it change height or older rows are prepended.
 *
 * Work per layout is proportional to the visible rows plus one pass over the offsets from the
 * first changed row, so a 10,000-row transcript paints as fast as a short one.
 */
import { record } from '../common/perf';

export interface VirtualListOptions<T> {
  /** The scrolling element (overflow-y: auto). The list puts its sizer inside. */
  scroller: HTMLElement;
  keyOf(item: T): string;
  /** Changes whenever the item's content changes (re-render when it does). */
  revOf(item: T): number | string;
  /** Builds the row's element, or updates `existing` (returned as is or replaced). */
  render(item: T, existing: HTMLElement | undefined): HTMLElement;
  /** A guess of the row's height before it was measured, for a list `width` px wide. */
  estimate(item: T, width: number): number;
  /** Pixels rendered above and below the viewport. */
  overscanPx?: number;
  /** Distance from the bottom that still counts as "at the bottom". */
  stickThresholdPx?: number;
  /** The user scrolled near the top: time to load older rows. */
  onNearTop?(): void;
  /** The list stuck to the bottom or let go of it. */
  onStickChange?(stuck: boolean): void;
}

interface Mounted {
  el: HTMLElement;
  rev: number | string;
}

export class VirtualList<T> {
  private items: readonly T[] = [];
  private keys: string[] = [];
  private indexOfKey = new Map<string, number>();
  /** Height of each row, measured or estimated. */
  private heights: number[] = [];
  private measured = new Map<string, number>();
  /** offsets[i] = top of row i; offsets[n] = total height. Valid below `dirtyFrom`. */
  private offsets: number[] = [0];
  private dirtyFrom = 0;
  private readonly mounted = new Map<string, Mounted>();
  private readonly sizer: HTMLElement;
  private stuck = true;
  private frame = 0;
  private lastWidth = 0;
  private readonly resizeObserver: ResizeObserver;
  private readonly overscan: number;
  private readonly threshold: number;
  /** The scrollTop the list set last: a scroll event at it is ours, not the user's. */
  private programmaticTop = -1;
  /**
   * The scroller's size and scroll position as last seen (ResizeObserver, scroll events, our
   * own writes): reading them from the DOM would force a layout in the middle of our writes.
   */
  private viewportWidth = 0;
  private viewportHeight = 0;
  private scrollTop = 0;
  /** Where the view is when not stuck: the first visible row and its distance from the top. */
  private anchor: { key: string; delta: number } | undefined;
  private disposed = false;

  constructor(private readonly options: VirtualListOptions<T>) {
    this.overscan = options.overscanPx ?? 600;
    this.threshold = options.stickThresholdPx ?? 24;
    this.sizer = document.createElement('div');
    this.sizer.className = 'vlist-sizer';
    options.scroller.appendChild(this.sizer);
    options.scroller.addEventListener('scroll', this.onScroll, { passive: true });

    // Rows that change height on their own (expanded, fonts loaded, width changed).
    this.resizeObserver = new ResizeObserver((entries) => {
      if (this.disposed) return;
      let changed = false;
      for (const entry of entries) {
        const el = entry.target as HTMLElement;
        if (el === options.scroller) {
          this.viewportWidth = entry.contentRect.width;
          this.viewportHeight = entry.contentRect.height;
          changed = true;
          continue;
        }
        const key = el.dataset.key;
        if (key === undefined || !this.mounted.has(key)) continue;
        const h = el.offsetHeight;
        if (Math.abs((this.measured.get(key) ?? -1) - h) > 0.5) changed = true;
      }
      if (changed) this.layout();
    });
    this.resizeObserver.observe(options.scroller);
  }

  get isStuckToBottom(): boolean {
    return this.stuck;
  }

  get size(): number {
    return this.keys.length;
  }

  /** Rows currently in the DOM (for tests and benchmarks). */
  get mountedCount(): number {
    return this.mounted.size;
  }

  /** Replaces the whole list (first load; older rows prepended). Keeps the view where it was unless stuck. */
  reset(items: readonly T[]): void {
    this.items = items;
    this.keys = items.map((i) => this.options.keyOf(i));
    this.indexOfKey = new Map(this.keys.map((k, i) => [k, i]));
    const width = this.width();
    this.heights = items.map((item, i) => this.measured.get(this.keys[i]!) ?? this.options.estimate(item, width));
    this.offsets = new Array<number>(items.length + 1);
    this.offsets[0] = 0;
    this.dirtyFrom = 0;
    for (const [key, m] of this.mounted) {
      if (!this.indexOfKey.has(key)) this.unmount(key, m);
    }
    this.layoutNow();
  }

  /** `items` is the same list with rows added at the end (possibly the very array, grown in place). */
  appended(items: readonly T[]): void {
    const from = this.keys.length;
    this.items = items;
    const width = this.width();
    for (let i = from; i < items.length; i++) {
      const key = this.options.keyOf(items[i]!);
      this.keys.push(key);
      this.indexOfKey.set(key, i);
      this.heights.push(this.measured.get(key) ?? this.options.estimate(items[i]!, width));
    }
    this.markDirty(from);
  }

  /** These rows' content changed: re-render them if shown, re-estimate them if not. */
  changed(keys: Iterable<string>): void {
    const width = this.width();
    for (const key of keys) {
      const i = this.indexOfKey.get(key);
      if (i === undefined) continue;
      if (!this.mounted.has(key)) {
        this.measured.delete(key);
        const h = this.options.estimate(this.items[i]!, width);
        if (h !== this.heights[i]) {
          this.heights[i] = h;
          this.markDirty(i);
        }
      }
    }
  }

  /** Lays out at the next animation frame (coalesces bursts of changes). */
  schedule(): void {
    if (this.frame || this.disposed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.layout();
    });
  }

  /** Lays out now (first paint: no frame of blank). */
  layoutNow(): void {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.layout();
  }

  scrollToBottom(): void {
    this.setStuck(true);
    this.layoutNow();
  }

  /** Scrolls so the row `key` is `offset` px above the viewport's top (restoring a saved position). */
  scrollToKey(key: string, offset = 0): boolean {
    const i = this.indexOfKey.get(key);
    if (i === undefined) return false;
    this.setStuck(false);
    this.anchor = { key, delta: -offset };
    this.layoutNow();
    return true;
  }

  /** The first row at least partly visible and how far it is scrolled into. */
  topAnchor(): { key: string; offset: number } | undefined {
    if (this.stuck) return undefined;
    const a = this.anchor ?? this.captureAnchor();
    return a ? { key: a.key, offset: -a.delta } : undefined;
  }

  /** The mounted element of a row, if it is in the DOM. */
  element(key: string): HTMLElement | undefined {
    return this.mounted.get(key)?.el;
  }

  dispose(): void {
    this.disposed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.resizeObserver.disconnect();
    this.options.scroller.removeEventListener('scroll', this.onScroll);
  }

  // ---- internals -------------------------------------------------------------------------

  private readonly onScroll = () => {
    const s = this.options.scroller;
    const top = s.scrollTop;
    if (Math.abs(top - this.programmaticTop) < 1) return;
    this.programmaticTop = -1;
    this.scrollTop = top;
    // The DOM's own geometry, not our estimates: when the browser clamps the position (the
    // list got shorter, the panel resized), the view is at the bottom and must stay stuck there.
    const atBottom = s.scrollHeight - top - s.clientHeight <= this.threshold;
    this.setStuck(atBottom);
    this.anchor = atBottom ? undefined : this.captureAnchor();
    if (top < this.overscan) this.options.onNearTop?.();
    this.layout();
  };

  private setStuck(stuck: boolean): void {
    if (stuck) this.anchor = undefined;
    if (stuck === this.stuck) return;
    this.stuck = stuck;
    this.options.onStickChange?.(stuck);
  }

  private width(): number {
    this.readViewport();
    return this.viewportWidth || 600;
  }

  /** Reads the scroller's size once, before the ResizeObserver has reported it. */
  private readViewport(): void {
    if (this.viewportHeight) return;
    const s = this.options.scroller;
    this.viewportWidth = s.clientWidth;
    this.viewportHeight = s.clientHeight;
    this.scrollTop = s.scrollTop;
  }

  private markDirty(i: number): void {
    if (i < this.dirtyFrom) this.dirtyFrom = i;
  }

  private ensureOffsets(): void {
    const n = this.heights.length;
    if (this.offsets.length !== n + 1) this.offsets.length = n + 1;
    if (this.dirtyFrom > n) return;
    let acc = this.dirtyFrom === 0 ? 0 : this.offsets[this.dirtyFrom]!;
    for (let i = this.dirtyFrom; i < n; i++) {
      this.offsets[i] = acc;
      acc += this.heights[i]!;
    }
    this.offsets[n] = acc;
    this.dirtyFrom = n + 1;
  }

  /** The last row whose top is at or above `y`. */
  private indexAt(y: number): number {
    let lo = 0;
    let hi = this.heights.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid]! <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private captureAnchor(): { key: string; delta: number } | undefined {
    if (this.keys.length === 0) return undefined;
    this.ensureOffsets();
    const top = this.scrollTop;
    const i = this.indexAt(top);
    const key = this.keys[i];
    return key === undefined ? undefined : { key, delta: this.offsets[i]! - top };
  }

  /** The scrollTop that shows what the list wants: the bottom, the anchor, or where the user left it. */
  private targetTop(anchor: { key: string; delta: number } | undefined): number {
    const max = Math.max(0, this.offsets[this.keys.length]! - this.viewportHeight);
    let top = this.scrollTop;
    if (this.stuck) top = max;
    else if (anchor) {
      const i = this.indexOfKey.get(anchor.key);
      if (i !== undefined) top = this.offsets[i]! - anchor.delta;
    }
    return Math.min(max, Math.max(0, top));
  }

  private setScrollTop(y: number): void {
    if (Math.abs(this.scrollTop - y) < 0.5) return;
    this.options.scroller.scrollTop = y;
    this.scrollTop = y;
    // The scroll event this causes is ours: recognise it by its position.
    this.programmaticTop = y;
  }

  private layout(): void {
    if (this.disposed) return;
    const started = performance.now();
    this.layoutPasses();
    record('layout', performance.now() - started);
  }

  /**
   * Writes first, one read (the rows' heights), writes again: a frame costs one forced layout,
   * plus one per extra pass when measured heights bring other rows into view.
   */
  private layoutPasses(): void {
    this.readViewport();
    const width = this.viewportWidth;
    if (width && Math.abs(width - this.lastWidth) > 1) {
      // Text reflows at a new width: every height we knew is wrong now, except on screen.
      if (this.lastWidth) {
        this.measured.clear();
        this.heights = this.items.map((item) => this.options.estimate(item, width));
        this.dirtyFrom = 0;
      }
      this.lastWidth = width;
    }
    const anchor = this.stuck ? undefined : (this.anchor ??= this.captureAnchor());
    const viewport = this.viewportHeight;
    for (let pass = 0; pass < 4; pass++) {
      this.ensureOffsets();
      const top = this.targetTop(anchor);
      if (!this.renderWindow(top - this.overscan, top + viewport + this.overscan)) break;
    }
    this.ensureOffsets();
    this.sizer.style.height = `${this.offsets[this.keys.length]!}px`;
    this.setScrollTop(this.targetTop(anchor));
  }

  /** Mounts the rows between y0 and y1, unmounts the rest, measures; true if a height changed. */
  private renderWindow(y0: number, y1: number): boolean {
    const n = this.keys.length;
    if (n === 0) {
      for (const [key, m] of this.mounted) this.unmount(key, m);
      return false;
    }
    const first = this.indexAt(Math.max(0, y0));
    let last = this.indexAt(Math.max(0, y1));
    if (last < first) last = first;
    const keep = new Set<string>();
    for (let i = first; i <= last; i++) keep.add(this.keys[i]!);
    // A row holding the keyboard focus stays, wherever it is, so Tab never loses its place.
    const focused = document.activeElement?.closest<HTMLElement>('[data-key]');
    if (focused?.dataset.key && this.indexOfKey.has(focused.dataset.key)) keep.add(focused.dataset.key);
    for (const [key, m] of this.mounted) {
      if (!keep.has(key)) this.unmount(key, m);
    }
    const fresh: Array<[number, HTMLElement]> = [];
    for (const key of keep) {
      const i = this.indexOfKey.get(key)!;
      const item = this.items[i]!;
      const rev = this.options.revOf(item);
      const m = this.mounted.get(key);
      let el: HTMLElement;
      if (!m || m.rev !== rev) {
        el = this.options.render(item, m?.el);
        if (m && m.el !== el) {
          this.resizeObserver.unobserve(m.el);
          m.el.replaceWith(el);
        }
        el.dataset.key = key;
        if (!el.parentNode) this.sizer.appendChild(el);
        if (!m || m.el !== el) this.resizeObserver.observe(el);
        this.mounted.set(key, { el, rev });
      } else {
        el = m.el;
      }
      el.style.transform = `translateY(${this.offsets[i]}px)`;
      fresh.push([i, el]);
    }
    // One read pass after all the writes: a single forced layout.
    let changedFrom = Number.POSITIVE_INFINITY;
    for (const [i, el] of fresh) {
      const h = el.offsetHeight;
      const key = this.keys[i]!;
      this.measured.set(key, h);
      if (Math.abs(this.heights[i]! - h) > 0.5) {
        this.heights[i] = h;
        if (i < changedFrom) changedFrom = i;
      }
    }
    if (changedFrom === Number.POSITIVE_INFINITY) return false;
    this.markDirty(changedFrom);
    this.ensureOffsets();
    for (const [i, el] of fresh) el.style.transform = `translateY(${this.offsets[i]}px)`;
    return true;
  }

  private unmount(key: string, m: Mounted): void {
    this.resizeObserver.unobserve(m.el);
    m.el.remove();
    this.mounted.delete(key);
  }
}
