/**
 * The session store on a year of heavy use: ≥ 1,000 sessions and ≥ 500,000 messages written
 * through the public API (so the transcripts, the metadata database and the search index are
 * what real use leaves), then the figures issue 3 sets targets for:
 *
 * - no single save or append blocks the event loop > 50 ms (measured as the event loop's
 *   longest stall while streaming into the big store, and while indexing it);
 * - open() < 100 ms (in a fresh process, so sql.js's compilation is on the clock too);
 * - memory grows with what is open, not with all history (a fresh process opening the big
 *   store against one opening a small one);
 * - search latency on the whole history.
 *
 * The generated history is kept in the temp folder between runs (it takes a minute to write);
 * SHANNON_BENCH_FRESH=1 writes it again.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { emptyMetrics, type SessionRecord } from '../src/core/session/types';
import { SessionStore } from '../src/core/store';
import { createRandom, formatBytes, formatMs, median, printTable, type BenchContext, type Random } from './lib';

const SESSIONS = 1_000;
const MESSAGES = 500_000;
const GENERATOR_VERSION = 4;
const DAY = 86_400_000;
/** The history is the year up to the day it is written (the store reads the real clock). */
const NOW = Math.floor(Date.now() / DAY) * DAY;

export default async function storeBench(ctx: BenchContext): Promise<void> {
  const big = path.join(tmpdir(), `shannon-store-bench-v${GENERATOR_VERSION}-${SESSIONS}x${MESSAGES}`);
  const small = path.join(tmpdir(), `shannon-store-bench-v${GENERATOR_VERSION}-small`);
  const fresh = process.env.SHANNON_BENCH_FRESH === '1';

  const ingest = await ensureHistory(ctx, big, SESSIONS, MESSAGES, fresh);
  await ensureHistory(ctx, small, 10, 2_000, fresh);
  const sizes = diskUsage(big);
  ctx.log(
    `history: ${SESSIONS} sessions, ${MESSAGES.toLocaleString('en')} messages; transcripts ${formatBytes(sizes.transcripts)}, metadata ${formatBytes(sizes.db)}, index ${formatBytes(sizes.index)} in ${sizes.segments} segments`,
  );
  if (ingest) {
    ctx.log(
      `written through the API in ${formatMs(ingest.ms)} (${Math.round(MESSAGES / (ingest.ms / 1000)).toLocaleString('en')} messages/s, index settled ${formatMs(ingest.settleMs)} later); dispose ${formatMs(ingest.disposeMs)}; first open after ${formatMs(ingest.rollUpOpenMs)}`,
    );
  }

  // Opening, in fresh processes: what extension activation waits for.
  const probes = { big: [] as Probe[], small: [] as Probe[] };
  for (let i = 0; i < 5; i++) {
    probes.big.push(runProbe(big));
    probes.small.push(runProbe(small));
  }
  const med = (list: Probe[], f: (p: Probe) => number) => median(list.map(f));

  // The hot path: a window streaming several sessions into the big store.
  const store = await SessionStore.open({ dir: big });
  await store.settleIndex();
  const streaming = await streamInto(store, 20, 200);
  const search = await searchLatency(store, ctx.args.iterations ?? 5);
  const warnings = [...store.warnings];
  store.dispose();

  const rows: Array<[string, string, string, string]> = [
    ['open(), fresh process (sql.js compile included)', `${formatMs(med(probes.big, (p) => p.openMs))} (${formatMs(med(probes.big, (p) => p.openCpuMs))} main-thread CPU)`, '< 100 ms', verdict(med(probes.big, (p) => p.openMs) < 100)],
    ['open(), same process, store already compiled', formatMs(med(probes.big, (p) => p.reopenMs)), '< 100 ms', verdict(med(probes.big, (p) => p.reopenMs) < 100)],
    ['  same, small history (10 sessions, 2,000 messages)', `${formatMs(med(probes.small, (p) => p.openMs))} (${formatMs(med(probes.small, (p) => p.openCpuMs))} main-thread CPU)`, '', ''],
    [
      'memory after open + list, big history',
      `${formatBytes(med(probes.big, (p) => p.heapAndBuffers))} heap+buffers, ${formatBytes(med(probes.big, (p) => p.rss))} rss`,
      '~ small history',
      '',
    ],
    [
      '  same, small history',
      `${formatBytes(med(probes.small, (p) => p.heapAndBuffers))} heap+buffers, ${formatBytes(med(probes.small, (p) => p.rss))} rss`,
      '',
      verdict(med(probes.big, (p) => p.heapAndBuffers) < med(probes.small, (p) => p.heapAndBuffers) + 16 * 1024 * 1024),
    ],
    ['longest stall: appendMessage (sync part)', formatMs(streaming.maxAppendMs), '≤ 50 ms', verdict(streaming.maxAppendMs <= 50)],
    ['longest stall: event loop while streaming', formatStall(streaming.stall), '≤ 50 ms', verdict(streaming.stall.own <= 50)],
    ['flush (transcripts + metadata save), median / max', `${formatMs(streaming.flushMedianMs)} / ${formatMs(streaming.flushMaxMs)}`, 'async', ''],
    ['longest stall: metadata save alone (one upsert + flush)', formatStall(streaming.saveStall), '≤ 50 ms', verdict(streaming.saveStall.own <= 50)],
    ['longest stall: during search', formatStall(search.stall), '≤ 50 ms', verdict(search.stall.own <= 50)],
  ];
  if (ingest) {
    rows.push(['longest stall: writing 500k messages (indexing as it goes)', formatStall(ingest.stall), '≤ 50 ms', verdict(ingest.stall.own <= 50)]);
    rows.push(['longest stall: index catching up, merging', formatStall(ingest.settleStall), '≤ 50 ms', verdict(ingest.settleStall.own <= 50)]);
    rows.push(['longest stall: summing 9 months of turns per day', formatStall(ingest.rollUpStall), '≤ 50 ms', verdict(ingest.rollUpStall.own <= 50)]);
  }
  printTable(ctx, ['figure', 'measured', 'target', ''], rows);
  ctx.log(`streamed ${streaming.messages.toLocaleString('en')} messages into ${streaming.sessions} live sessions at ${Math.round(streaming.messages / (streaming.ms / 1000)).toLocaleString('en')} messages/s`);
  for (const w of warnings) ctx.log(`store warning: ${w.code} ${w.message}`);
  ctx.log('');
  printTable(
    ctx,
    ['search query (word frequency rank)', 'hits', 'median', 'max'],
    search.queries.map((q) => [q.query, q.hits, formatMs(q.median), formatMs(q.max)]),
  );
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

// ---------------------------------------------------------------------------------------------
// History

interface IngestFigures {
  ms: number;
  settleMs: number;
  stall: Stall;
  settleStall: Stall;
  disposeMs: number;
  rollUpOpenMs: number;
  rollUpStall: Stall;
}

export async function ensureHistory(ctx: BenchContext, dir: string, sessions: number, messages: number, fresh: boolean): Promise<IngestFigures | undefined> {
  const done = path.join(dir, 'bench-complete');
  if (!fresh && fs.existsSync(done)) return undefined;
  fs.rmSync(dir, { recursive: true, force: true });
  ctx.log(`writing ${sessions} sessions, ${messages.toLocaleString('en')} messages into ${dir} …`);
  const rnd = createRandom(0x5707e + sessions);
  const vocab = new Vocabulary(rnd);
  const store = await SessionStore.open({ dir });
  const stalls = stallMonitor();
  const start = performance.now();
  // Messages per session spread over orders of magnitude, as real sessions are.
  const weights = Array.from({ length: sessions }, () => rnd.logUniform(20, 5000));
  const scale = messages / weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.round(w * scale)));
  counts[0]! += messages - counts.reduce((a, b) => a + b, 0);
  let written = 0;
  let sinceFlush = 0;
  // Four sessions at a time, interleaved, as a busy user runs them.
  for (let base = 0; base < sessions; base += 4) {
    const group = Array.from({ length: Math.min(4, sessions - base) }, (_, k) => base + k);
    const recs = group.map((i) => sessionRecord(i, rnd));
    for (const r of recs) store.upsertSession(r);
    const left = group.map((i) => counts[i]!);
    const turns = group.map(() => 0);
    while (left.some((n) => n > 0)) {
      for (let k = 0; k < group.length; k++) {
        if (left[k]! <= 0) continue;
        const burst = Math.min(left[k]!, rnd.int(5, 30));
        const rec = recs[k]!;
        for (let m = 0; m < burst; m++) {
          const raw = message(rnd, vocab, rec);
          store.appendMessage({ sessionId: rec.id, at: rec.createdAt + written, direction: raw.type === 'user' ? 'in' : 'out', type: raw.type, raw });
        }
        left[k]! -= burst;
        written += burst;
        sinceFlush += burst;
        turns[k]!++;
        store.recordTurn({
          sessionId: rec.id,
          turn: turns[k]!,
          endedAt: rec.createdAt + turns[k]! * 60_000,
          model: rec.model!,
          inputTokens: rnd.int(100, 20_000),
          outputTokens: rnd.int(50, 4000),
          cacheReadInputTokens: rnd.int(0, 50_000),
          cacheCreationInputTokens: rnd.int(0, 5000),
          costUsd: rnd.int(1, 3000) / 10_000,
          durationMs: rnd.int(1000, 60_000),
          durationApiMs: rnd.int(800, 50_000),
          numTurns: rnd.int(1, 10),
          isError: rnd.chance(0.02),
          subtype: 'success',
        });
      }
      if (sinceFlush >= 5000) {
        sinceFlush = 0;
        await store.flush();
      }
      // Let the loop turn as real streaming does: a stall measured must be the store's, not
      // this generator's (drawing words for thousands of messages in one go).
      await new Promise((r) => setImmediate(r));
    }
    for (const r of recs) store.upsertSession({ ...r, state: 'completed', updatedAt: r.updatedAt + 1 });
  }
  await store.flush();
  const ms = performance.now() - start;
  const stall = stalls.stop();
  const settleStalls = stallMonitor();
  const settleStart = performance.now();
  await store.settleIndex();
  const settleMs = performance.now() - settleStart;
  const settleStall = settleStalls.stop();
  // dispose() is synchronous by design (the host may exit right after): timed on its own.
  let t = performance.now();
  store.dispose();
  const disposeMs = performance.now() - t;
  // The first open after this sums 9 months of turns per day, in steps, in the background.
  const rollUpStalls = stallMonitor();
  t = performance.now();
  const reopened = await SessionStore.open({ dir });
  const rollUpOpenMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 3000));
  await reopened.flush();
  const rollUpStall = rollUpStalls.stop();
  reopened.dispose();
  fs.writeFileSync(done, new Date().toISOString());
  return { ms, settleMs, stall, settleStall, disposeMs, rollUpOpenMs, rollUpStall };
}

const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];
const FOLDERS = ['/home/dev/shannon', '/home/dev/api-server', '/home/dev/website', '/home/dev/infra', '/home/dev/ml-notebooks'];
const TOOLS = ['Bash', 'Read', 'Edit', 'Grep', 'Write'];

function sessionRecord(i: number, rnd: Random): SessionRecord {
  const createdAt = NOW - 365 * DAY + Math.floor((i / SESSIONS) * 365 * DAY);
  const folder = rnd.pick(FOLDERS);
  return {
    id: `bench-${String(i).padStart(5, '0')}-${Math.floor(rnd.next() * 1e9).toString(36)}`,
    cliSessionId: `cli-${i}`,
    workspaceFolder: folder,
    cwd: folder,
    title: `Session ${i}`,
    model: rnd.pick(MODELS),
    options: { permissionMode: 'acceptEdits' },
    state: 'running',
    createdAt,
    updatedAt: createdAt + 1,
    metrics: emptyMetrics(),
    pinned: rnd.chance(0.02),
    origin: 'shannon',
  };
}

/** A Zipf-distributed vocabulary: a few words very common, most rare, as in real text. */
class Vocabulary {
  private readonly words: string[] = [];
  private readonly cumulative: Float64Array;
  constructor(private readonly rnd: Random) {
    const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'shi', 'po', 'vel', 'dor', 'an', 'ex', 'str', 'ing', 'parse', 'file', 'test', 'node', 'fn'];
    const common = 'the a to of and is in that it for this with on be as not are we can function file test error value return type data'.split(' ');
    this.words.push(...common);
    const seen = new Set(common);
    while (this.words.length < 30_000) {
      let w = '';
      const n = rnd.int(2, 4);
      for (let k = 0; k < n; k++) w += rnd.pick(syllables);
      if (!seen.has(w)) {
        seen.add(w);
        this.words.push(w);
      }
    }
    this.cumulative = new Float64Array(this.words.length);
    let sum = 0;
    for (let r = 0; r < this.words.length; r++) this.cumulative[r] = sum += 1 / (r + 1) ** 1.07;
    for (let r = 0; r < this.words.length; r++) this.cumulative[r]! /= sum;
  }

  /** The word of this frequency rank (0: the most common). */
  at(rank: number): string {
    return this.words[rank]!;
  }

  word(): string {
    const x = this.rnd.next();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo]!;
  }

  text(words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(this.word());
    return out.join(' ');
  }
}

/** An `assistant` line as the CLI writes it, around the given content blocks. */
function assistantLine(uuid: string, rec: SessionRecord, content: unknown[], extra: Record<string, unknown> = {}): { type: string; [k: string]: unknown } {
  return {
    type: 'assistant',
    uuid,
    session_id: rec.cliSessionId,
    parent_tool_use_id: null,
    message: { id: `msg_${uuid}`, type: 'message', role: 'assistant', model: rec.model, content, ...extra },
  };
}

function message(rnd: Random, vocab: Vocabulary, rec: SessionRecord): { type: string; [k: string]: unknown } {
  const uuid = `${Math.floor(rnd.next() * 1e12).toString(36)}-${Math.floor(rnd.next() * 1e12).toString(36)}`;
  const roll = rnd.next();
  if (roll < 0.06) return { type: 'user', uuid, session_id: rec.cliSessionId, message: { role: 'user', content: vocab.text(rnd.int(5, 60)) } };
  if (roll < 0.5) {
    return assistantLine(uuid, rec, [{ type: 'text', text: vocab.text(rnd.logUniform(5, 250)) }], {
      stop_reason: null,
      usage: { input_tokens: rnd.int(1, 5000), output_tokens: rnd.int(1, 500) },
    });
  }
  if (roll < 0.72) {
    const tool = rnd.pick(TOOLS);
    return assistantLine(uuid, rec, [
      { type: 'tool_use', id: `toolu_${uuid}`, name: tool, input: tool === 'Bash' ? { command: `grep -rn ${vocab.word()} src/` } : { file_path: `${rec.cwd}/src/${vocab.word()}.ts` } },
    ]);
  }
  if (roll < 0.95) {
    return {
      type: 'user',
      uuid,
      session_id: rec.cliSessionId,
      message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${uuid}`, content: vocab.text(rnd.logUniform(10, 400)) }] },
    };
  }
  return { type: 'result', subtype: 'success', uuid, session_id: rec.cliSessionId, result: vocab.text(rnd.int(3, 40)), total_cost_usd: rnd.int(1, 1000) / 1000, num_turns: rnd.int(1, 8) };
}

function diskUsage(dir: string): { transcripts: number; db: number; index: number; segments: number } {
  const sum = (d: string, filter: (n: string) => boolean = () => true) => {
    let total = 0;
    let count = 0;
    for (const n of fs.existsSync(d) ? fs.readdirSync(d) : []) {
      if (!filter(n)) continue;
      total += fs.statSync(path.join(d, n)).size;
      count++;
    }
    return { total, count };
  };
  const index = sum(path.join(dir, 'index'), (n) => n.endsWith('.seg'));
  return {
    transcripts: sum(path.join(dir, 'transcripts')).total,
    db: fs.statSync(path.join(dir, 'store.sqlite')).size,
    index: index.total,
    segments: index.count,
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements

/**
 * The event loop's longest stall between start and stop(), in ms: a 1 ms timer's longest gap
 * (`wall`), and that gap bounded by the CPU time the main thread used meanwhile (`own`). On a
 * busy machine the scheduler alone can stall a process for tens of ms; `own` is our code's
 * share: the main thread running JavaScript, sql.js or a synchronous call, GC pauses included.
 */
function stallMonitor(): { stop(): Stall } {
  const threadCpu = (): number => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = performance.now();
  let lastCpu = threadCpu();
  const worst: Stall = { wall: 0, own: 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = threadCpu();
    const gap = now - last;
    worst.wall = Math.max(worst.wall, gap);
    worst.own = Math.max(worst.own, Math.min(gap, cpu - lastCpu));
    last = now;
    lastCpu = cpu;
  }, 1);
  return {
    stop: () => {
      clearInterval(timer);
      return worst;
    },
  };
}

interface Stall {
  wall: number;
  own: number;
}

function formatStall(s: Stall): string {
  return `${formatMs(s.own)} own (${formatMs(s.wall)} wall)`;
}

async function streamInto(store: SessionStore, sessions: number, perSession: number) {
  const rnd = createRandom(42);
  const vocab = new Vocabulary(rnd);
  const recs = Array.from({ length: sessions }, (_, i) => ({ ...sessionRecord(SESSIONS + i, rnd), createdAt: NOW, updatedAt: NOW }));
  for (const r of recs) store.upsertSession(r);
  await store.flush();
  const stalls = stallMonitor();
  let maxAppendMs = 0;
  const flushTimes: number[] = [];
  let messages = 0;
  const start = performance.now();
  for (let round = 0; round < perSession / 10; round++) {
    // Every live session says ten things, its record changes, then the 250 ms flush runs.
    for (const r of recs) {
      for (let k = 0; k < 10; k++) {
        const raw = message(rnd, vocab, r);
        const t = performance.now();
        store.appendMessage({ sessionId: r.id, at: Date.now(), direction: 'out', type: raw.type, raw });
        maxAppendMs = Math.max(maxAppendMs, performance.now() - t);
        messages++;
      }
      r.updatedAt++;
      store.upsertSession(r);
    }
    const t = performance.now();
    await store.flush();
    flushTimes.push(performance.now() - t);
    await new Promise((res) => setTimeout(res, 20));
  }
  const ms = performance.now() - start;
  const stall = stalls.stop();
  // A metadata save on its own, over the big metadata database.
  const save = stallMonitor();
  for (let i = 0; i < 10; i++) {
    recs[0]!.updatedAt++;
    store.upsertSession(recs[0]!);
    await store.flush();
  }
  const saveStall = save.stop();
  return { sessions, messages, ms, maxAppendMs, stall, saveStall, flushMedianMs: median(flushTimes), flushMaxMs: Math.max(...flushTimes) };
}

async function searchLatency(store: SessionStore, rounds: number) {
  // Words by how common they are in the generated history (the same seed wrote it).
  const vocab = new Vocabulary(createRandom(0x5707e + SESSIONS));
  const queries = [
    `${vocab.at(5)}`,
    `${vocab.at(5)} ${vocab.at(20)}`,
    `${vocab.at(300)}`,
    `${vocab.at(3000)}`,
    `${vocab.at(25_000)}`,
    `${vocab.at(40)} ${vocab.at(400)} ${vocab.at(4000)}`,
    'nothingmatchesthis',
  ];
  const stalls = stallMonitor();
  const results = [];
  for (const query of queries) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      hits = (await store.search(query, { limit: 20 })).length;
      times.push(performance.now() - t);
    }
    results.push({ query, hits, median: median(times), max: Math.max(...times) });
  }
  return { queries: results, stall: stalls.stop() };
}

interface Probe {
  openMs: number;
  /** The main thread's CPU time during open: what blocks the host; the rest is waiting. */
  openCpuMs: number;
  reopenMs: number;
  heapAndBuffers: number;
  rss: number;
}

/** Opens the store in a fresh Node process and reports time and memory. */
function runProbe(dir: string): Probe {
  const code = `const m = await import(${JSON.stringify(path.join(import.meta.dirname, 'store.bench.ts'))}); await m.openProbe(${JSON.stringify(dir)});`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Probe;
}

/** In the probe process: open, list the sessions (what the tree shows), measure, close. */
export async function openProbe(dir: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  gc();
  const before = process.memoryUsage();
  let t = performance.now();
  const cpu = process.threadCpuUsage();
  const store = await SessionStore.open({ dir });
  const openMs = performance.now() - t;
  const used = process.threadCpuUsage(cpu);
  const openCpuMs = (used.user + used.system) / 1000;
  store.listSessions({ limit: 200 });
  gc();
  const after = process.memoryUsage();
  store.dispose();
  t = performance.now();
  const again = await SessionStore.open({ dir });
  const reopenMs = performance.now() - t;
  again.dispose();
  const probe: Probe = {
    openMs,
    openCpuMs,
    reopenMs,
    heapAndBuffers: after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers),
    rss: after.rss - before.rss,
  };
  process.stdout.write(`${JSON.stringify(probe)}\n`);
}
