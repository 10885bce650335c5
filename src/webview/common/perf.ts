/**
 * Timings of the panel's own work (handling a host message, laying out a frame), kept in a
 * small ring per name and readable from outside as `globalThis.__shannonPerf` for the
 * benchmark and the e2e test. Not the Performance timeline: its entries are never dropped,
 * and a long streamed session would pile up hundreds of thousands of them.
 */

const RING = 512;

export interface PerfSamples {
  /** Most recent last. */
  samples(name: string): number[];
  count(name: string): number;
  clear(): void;
}

const rings = new Map<string, { values: Float64Array; next: number; total: number }>();

export function record(name: string, ms: number): void {
  let r = rings.get(name);
  if (!r) rings.set(name, (r = { values: new Float64Array(RING), next: 0, total: 0 }));
  r.values[r.next] = ms;
  r.next = (r.next + 1) % RING;
  r.total++;
}

export const perf: PerfSamples = {
  samples(name) {
    const r = rings.get(name);
    if (!r) return [];
    const n = Math.min(r.total, RING);
    const out: number[] = [];
    for (let i = n; i > 0; i--) out.push(r.values[(r.next - i + RING) % RING]!);
    return out;
  },
  count: (name) => rings.get(name)?.total ?? 0,
  clear: () => rings.clear(),
};

(globalThis as { __shannonPerf?: PerfSamples }).__shannonPerf = perf;
