/**
 * Reads that cost the window, not the history (issue 11 §3): the same reads of a 100,000-entry
 * transcript and of a 1,000-entry one, side by side in one run. Target: the long one at most
 * 1.5× the short one, for the newest 50 entries and for every other windowed read the callers
 * make (a panel's first screen, "load older", a cursor, one entry).
 *
 * "cold" is the first read of a store just opened (the index is loaded from `.idx` and caught up
 * from the file's tail); "warm" is a later read of the same store. The whole-transcript read is
 * what every one of these reads paid before the index.
 *
 * The transcripts are kept in the temp folder between runs; SHANNON_BENCH_FRESH=1 writes them again.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TranscriptEntry } from '../src/core/session/types';
import { SessionStore } from '../src/core/store';
import { createRandom, formatBytes, formatMs, median, printTable, type BenchContext, type Random } from './lib';

const GENERATOR_VERSION = 1;
const SIZES = { short: 1_000, long: 100_000 } as const;
type Size = keyof typeof SIZES;
const TARGET = 1.5;

interface Read {
  name: string;
  run(store: SessionStore, sessionId: string, entries: number): Promise<unknown>;
}

const shown = (e: TranscriptEntry) => e.type !== 'stream_event';

const READS: Read[] = [
  { name: 'newest 50', run: (s, id) => s.readTranscriptTail(id, { limit: 50 }) },
  { name: 'newest 50 shown in a panel (filtered)', run: (s, id) => s.readTranscriptTail(id, { limit: 50, filter: shown }) },
  { name: '50 older, before the middle (load older)', run: (s, id, n) => s.readTranscriptTail(id, { limit: 50, beforeSeq: Math.floor(n / 2), filter: shown }) },
  { name: '50 from a cursor in the middle (MCP output)', run: (s, id, n) => s.readTranscript(id, { fromSeq: Math.floor(n / 2), limit: 50 }) },
  { name: 'one entry by seq (full tool output)', run: (s, id, n) => s.readTranscriptEntry(id, Math.floor(n / 3)) },
];

export default async function transcriptReadsBench(ctx: BenchContext): Promise<void> {
  const dir = path.join(tmpdir(), `shannon-transcript-reads-bench-v${GENERATOR_VERSION}`);
  await ensureTranscripts(ctx, dir, process.env.SHANNON_BENCH_FRESH === '1');
  for (const size of Object.keys(SIZES) as Size[]) {
    ctx.log(`${size}: ${SIZES[size].toLocaleString('en')} entries, ${formatBytes(fs.statSync(path.join(dir, 'transcripts', `${size}.jsonl`)).size)}`);
  }
  const rounds = ctx.args.iterations ?? 15;
  const cold = new Map<string, number[]>();
  const warm = new Map<string, number[]>();
  const record = (map: Map<string, number[]>, key: string, ms: number) => map.set(key, [...(map.get(key) ?? []), ms]);
  for (let round = 0; round < rounds + 1; round++) {
    // Alternate which size goes first: a busy machine slows both alike.
    const order: Size[] = round % 2 === 0 ? ['short', 'long'] : ['long', 'short'];
    for (const size of order) {
      for (const read of READS) {
        const store = await SessionStore.open({ dir });
        try {
          ctx.gc();
          let t = performance.now();
          await read.run(store, size, SIZES[size]);
          const first = performance.now() - t;
          const again: number[] = [];
          for (let k = 0; k < 5; k++) {
            t = performance.now();
            await read.run(store, size, SIZES[size]);
            again.push(performance.now() - t);
          }
          if (round === 0) continue; // warm-up
          record(cold, `${read.name}|${size}`, first);
          record(warm, `${read.name}|${size}`, median(again));
        } finally {
          store.dispose();
        }
      }
    }
  }
  const rows: string[][] = [];
  for (const [label, map] of [
    ['cold', cold],
    ['warm', warm],
  ] as const) {
    for (const read of READS) {
      const short = median(map.get(`${read.name}|short`)!);
      const long = median(map.get(`${read.name}|long`)!);
      const ratio = long / short;
      rows.push([`${read.name}, ${label}`, formatMs(short), formatMs(long), `${ratio.toFixed(2)}×`, ratio <= TARGET ? 'met' : 'NOT met']);
    }
  }
  printTable(ctx, ['read (median)', '1,000 entries', '100,000 entries', 'ratio', `≤ ${TARGET}×`], rows);

  const whole: Record<Size, number[]> = { short: [], long: [] };
  const store = await SessionStore.open({ dir });
  try {
    for (let k = 0; k < 3; k++) {
      for (const size of Object.keys(SIZES) as Size[]) {
        const t = performance.now();
        await store.readTranscript(size);
        whole[size].push(performance.now() - t);
      }
    }
  } finally {
    store.dispose();
  }
  ctx.log(
    `for contrast, the whole transcript (what every read above cost before the index): ${formatMs(median(whole.short))} and ${formatMs(median(whole.long))} (${(median(whole.long) / median(whole.short)).toFixed(0)}×)`,
  );
}

async function ensureTranscripts(ctx: BenchContext, dir: string, fresh: boolean): Promise<void> {
  const done = path.join(dir, 'bench-complete');
  if (!fresh && fs.existsSync(done)) return;
  fs.rmSync(dir, { recursive: true, force: true });
  ctx.log(`writing transcripts of ${Object.values(SIZES).map((n) => n.toLocaleString('en')).join(' and ')} entries into ${dir} …`);
  const store = await SessionStore.open({ dir });
  try {
    for (const size of Object.keys(SIZES) as Size[]) {
      const rnd = createRandom(0x7ea + SIZES[size]);
      for (let n = 0; n < SIZES[size]; n++) {
        const raw = message(rnd, n);
        store.appendMessage({ sessionId: size, at: Date.now(), direction: 'in', type: raw.type, raw });
        if (n % 5000 === 4999) await store.flush();
      }
      await store.flush();
    }
  } finally {
    store.dispose();
  }
  fs.writeFileSync(done, new Date().toISOString());
}

const WORDS = 'the a parser file test error value return type data function stack tokenizer brackets build log output session turn'.split(' ');

function text(rnd: Random, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rnd.pick(WORDS));
  return out.join(' ');
}

/** A CLI message of the kinds a long session holds, in their proportions (fragments for the screen included). */
function message(rnd: Random, n: number): { type: string; [k: string]: unknown } {
  const uuid = `u-${n}`;
  const roll = rnd.next();
  if (roll < 0.35) return { type: 'stream_event', uuid, event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: text(rnd, rnd.int(1, 8)) } } };
  if (roll < 0.6) return { type: 'assistant', uuid, message: { role: 'assistant', content: [{ type: 'text', text: text(rnd, rnd.logUniform(5, 300)) }] } };
  if (roll < 0.75) return { type: 'assistant', uuid, message: { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${n}`, name: 'Bash', input: { command: `grep -rn ${rnd.pick(WORDS)} src/` } }] } };
  if (roll < 0.95) return { type: 'user', uuid, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${n - 1}`, content: text(rnd, rnd.logUniform(10, 2000)) }] } };
  return { type: 'result', subtype: 'success', uuid, result: text(rnd, rnd.int(3, 40)), total_cost_usd: 0.01, num_turns: 1 };
}
