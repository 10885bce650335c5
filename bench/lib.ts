/**
 * Shared pieces for `npm run bench`. A bench is a `bench/<name>.bench.ts` file whose default
 * export is `async (ctx: BenchContext) => void`. It measures its contenders side by side in the
 * same run (interleaved, so a noisy machine slows them alike), prints figures and ratios, and
 * never fails on a number: only a crash makes `npm run bench` exit non-zero.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface BenchArgs {
  /** Run only benches whose name contains this (`--filter jsonl`). */
  filter: string | undefined;
  /** Timed rounds per contender (`--iterations 5`); each bench picks its default. */
  iterations: number | undefined;
}

export interface BenchContext {
  /** The bench's name: its file name without `.bench.ts`. */
  readonly name: string;
  readonly args: BenchArgs;
  log(line?: string): void;
  /** A full garbage collection, so memory baselines mean something. */
  gc(): void;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { filter: undefined, iterations: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg?.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--filter') args.filter = value();
    else if (flag === '--iterations') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error('--iterations needs a positive integer');
      args.iterations = n;
    } else throw new Error(`unknown argument ${arg}; known: --filter <name>, --iterations <n>`);
  }
  return args;
}

let gcFn: (() => void) | undefined;

/** `global.gc` without requiring `--expose-gc` on the command line. */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

export function createContext(name: string, args: BenchArgs): BenchContext {
  return {
    name,
    args,
    log: (line = '') => process.stdout.write(`${line}\n`),
    gc: collectGarbage,
  };
}

// ---------------------------------------------------------------------------------------------
// Timing

export interface Contender {
  name: string;
  /** One full pass over the workload. */
  run(): void | Promise<void>;
}

export interface Timing {
  name: string;
  /** Wall-clock milliseconds of each timed round, in order. */
  samples: number[];
  median: number;
  min: number;
  max: number;
  /**
   * Process CPU milliseconds (user + system, all threads, so GC helpers count) of each round.
   * On a shared machine this moves far less than wall time: other processes steal wall
   * time, not our CPU time.
   */
  cpuSamples: number[];
  cpuMedian: number;
}

export interface CompareOptions {
  warmupRounds?: number;
  rounds: number;
}

/**
 * Runs every contender once per round, rotating the order each round, after warm-up rounds,
 * with a full GC before each run. Interleaving spreads a busy machine's noise over all of them.
 */
export async function compare(contenders: readonly Contender[], options: CompareOptions): Promise<Map<string, Timing>> {
  const wall = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const warmup = options.warmupRounds ?? 1;
  for (let round = 0; round < warmup + options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length]!;
      collectGarbage();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await c.run();
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpuStart);
      if (round < warmup) continue;
      wall.get(c.name)!.push(ms);
      cpu.get(c.name)!.push((used.user + used.system) / 1000);
    }
  }
  const result = new Map<string, Timing>();
  for (const c of contenders) {
    const s = wall.get(c.name)!;
    const cs = cpu.get(c.name)!;
    result.set(c.name, { name: c.name, samples: s, median: median(s), min: Math.min(...s), max: Math.max(...s), cpuSamples: cs, cpuMedian: median(cs) });
  }
  return result;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// Memory

export interface MemoryPeak {
  rss: number;
  heapUsed: number;
  /** Buffers and other ArrayBuffers: outside the JS heap, so not in heapUsed. */
  arrayBuffers: number;
  /** heapUsed + arrayBuffers at the same sample. */
  total: number;
}

/**
 * Peak memory growth over a baseline taken after a full GC. Call sample() from inside the
 * work (per chunk, per message): a timer never fires during synchronous work. Growth includes
 * garbage not yet collected, so compare contenders with each other, not with zero.
 */
export class MemorySampler {
  private base: MemoryPeak = zeroPeak();
  private peak: MemoryPeak = zeroPeak();

  start(): void {
    collectGarbage();
    this.base = read();
    this.peak = { ...this.base };
  }

  sample(): void {
    const now = read();
    const p = this.peak;
    if (now.rss > p.rss) p.rss = now.rss;
    if (now.heapUsed > p.heapUsed) p.heapUsed = now.heapUsed;
    if (now.arrayBuffers > p.arrayBuffers) p.arrayBuffers = now.arrayBuffers;
    if (now.total > p.total) p.total = now.total;
  }

  /** Peak minus baseline, per figure. */
  growth(): MemoryPeak {
    this.sample();
    return {
      rss: this.peak.rss - this.base.rss,
      heapUsed: this.peak.heapUsed - this.base.heapUsed,
      arrayBuffers: this.peak.arrayBuffers - this.base.arrayBuffers,
      total: this.peak.total - this.base.total,
    };
  }
}

function zeroPeak(): MemoryPeak {
  return { rss: 0, heapUsed: 0, arrayBuffers: 0, total: 0 };
}

function read(): MemoryPeak {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, total: m.heapUsed + m.arrayBuffers };
}

// ---------------------------------------------------------------------------------------------
// Formatting

const MB = 1e6;

/** Throughput in MB/s (decimal megabytes, as disks and pipes are quoted). */
export function mbPerSec(bytes: number, ms: number): number {
  return bytes / MB / (ms / 1000);
}

export function formatMBps(bytes: number, ms: number): string {
  return `${mbPerSec(bytes, ms).toFixed(1)} MB/s`;
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const b = Math.abs(bytes);
  if (b >= 1024 * 1024) return `${sign}${(b / 1024 / 1024).toFixed(1)} MiB`;
  if (b >= 1024) return `${sign}${(b / 1024).toFixed(1)} KiB`;
  return `${sign}${b} B`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** "1.23×  (target ≥ 0.9: met)". Informational only. */
export function formatRatio(ratio: number, target?: number): string {
  const r = `${ratio.toFixed(2)}×`;
  if (target === undefined) return r;
  return `${r}  (target ≥ ${target}: ${ratio >= target ? 'met' : 'NOT met'})`;
}

export type Cell = string | number;

/** A plain-text table: columns of figures right-aligned, text left-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? String(c) : c)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.]/.test(String(r[i] ?? ''))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function printTable(ctx: Pick<BenchContext, 'log'>, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  ctx.log(formatTable(header, rows));
}

// ---------------------------------------------------------------------------------------------
// Deterministic data

/** Seeded PRNG (mulberry32): the same workload every run, so runs compare. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
    logUniform: (min, max) => Math.round(Math.exp(Math.log(min) + next() * (Math.log(max) - Math.log(min)))),
  };
}

export interface Random {
  /** [0, 1) */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** Sizes spread evenly over orders of magnitude. */
  logUniform(min: number, max: number): number;
}
