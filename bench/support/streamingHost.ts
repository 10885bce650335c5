/**
 * One host process of the 20-session bench (bench/sessions.bench.ts), run as
 * `node --import tsx streamingHost.ts <config JSON>`: it starts N `claude` processes that stream
 * a long reply at once, and measures its own event loop while it reads them. `mode` says how:
 * - `shannon`: Shannon's core (openShannonCore: store, session manager) runs the sessions, their
 *   processes at `priority` (default: Shannon's, below normal);
 * - `yardstick`: the same processes read with readline + JSON.parse and nothing else.
 * Prints one JSON line of figures. A delta's latency is from the fake API stamping its send time
 * into the text (`⟦ms⟧`) to this process seeing it parsed. Shannon's store is opened before the
 * measuring starts (a window opens it once, at activation, before any session), and closed after
 * it ends: how long opening blocked the loop is its own figure. Each host also times its
 * synchronous `spawn` calls: the floor of the stall a session start costs, which grows with the
 * host's memory (fork copies its page tables).
 */
import childProcess from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { buildClaudeArgs } from '../../src/core/cli/args';
import type { ProcessPriority } from '../../src/core/process/priority';
import { openShannonCore, type ShannonCore } from '../../src/core/shannon';
import { CLAUDE_BIN } from '../../test/support/realCli';
import { median } from '../lib';

export interface HostConfig {
  mode: 'shannon' | 'yardstick';
  /** Shannon's `processPriority` setting (the yardstick's processes run at the host's). */
  priority?: ProcessPriority;
  sessions: number;
  env: Record<string, string>;
  cwd: string;
  prompt: string;
}

export interface HostFigures {
  mode: HostConfig['mode'];
  wallMs: number;
  maxStallMs: number;
  p99DelayMs: number;
  gcMaxMs: number;
  gcTotalMs: number;
  /** Longest the loop was blocked while Shannon's store opened (0 for the yardstick: it has none). */
  openStallMs: number;
  /** Median and longest synchronous `spawn` call. */
  spawnMs: { p50: number; max: number };
  latency: { p50: number; p99: number; max: number; count: number };
}

const STAMP = /⟦(\d+(?:\.\d+)?)⟧/g;
const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as HostConfig;
  const latencies: number[] = [];
  const seen = (text: string) => {
    const t = now();
    for (const m of text.matchAll(STAMP)) latencies.push(t - Number(m[1]));
  };
  const spawns = timeSpawns();
  const opened = config.mode === 'shannon' ? await openMeasured(config) : undefined;
  const gcs: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(e.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const started = performance.now();
  let wallMs = 0;
  try {
    if (opened) await viaShannon(opened.core, config, seen);
    else await viaReadline(config, seen);
  } finally {
    wallMs = performance.now() - started;
    loop.disable();
    gcObserver.disconnect();
    // Closing (saving the store) is a window's shutdown, like the open not part of the run.
    await opened?.close();
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
  const figures: HostFigures = {
    mode: config.mode,
    wallMs,
    maxStallMs: loop.max / 1e6,
    p99DelayMs: loop.percentile(99) / 1e6,
    gcMaxMs: Math.max(0, ...gcs),
    gcTotalMs: gcs.reduce((a, b) => a + b, 0),
    openStallMs: opened?.stallMs ?? 0,
    spawnMs: { p50: median(spawns), max: spawns.length ? Math.max(...spawns) : Number.NaN },
    latency: { p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? Number.NaN, count: latencies.length },
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** The text a `stream_event` line carries, if it is a text delta. */
function deltaText(raw: Record<string, unknown>): string | undefined {
  const event = raw.event as { type?: string; delta?: { type?: string; text?: string } } | undefined;
  return event?.type === 'content_block_delta' && event.delta?.type === 'text_delta' ? event.delta.text : undefined;
}

/** Every synchronous `child_process.spawn` call's duration (execa's too: it calls the same export). */
function timeSpawns(): number[] {
  const durations: number[] = [];
  const original = childProcess.spawn;
  childProcess.spawn = function timedSpawn(this: unknown, ...args: Parameters<typeof original>) {
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      durations.push(performance.now() - started);
    }
  } as typeof original;
  syncBuiltinESMExports();
  return durations;
}

/** Shannon's core, opened as a window opens it; the loop's longest block while it did. */
async function openMeasured(config: HostConfig): Promise<{ core: ShannonCore; stallMs: number; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shannon-bench-store-'));
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const core = await openShannonCore({
    dataDir,
    resolveBinary: async () => CLAUDE_BIN,
    environment: () => config.env,
    ...(config.priority ? { processPriority: () => config.priority! } : {}),
    maxConcurrentPerFolder: config.sessions,
    autoCheckpoint: () => false,
    claudeConfigDir: config.env.CLAUDE_CONFIG_DIR,
  });
  loop.disable();
  return {
    core,
    stallMs: loop.max / 1e6,
    close: async () => {
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function viaShannon(core: ShannonCore, config: HostConfig, seen: (text: string) => void): Promise<void> {
  core.manager.onDidMessage((e) => {
    if (e.message.kind !== 'stream_event') return;
    const text = deltaText(e.message.message as unknown as Record<string, unknown>);
    if (text) seen(text);
  });
  let ended = 0;
  const all = new Promise<void>((resolve) => core.manager.onDidEndTurn(() => ++ended === config.sessions && resolve()));
  for (let i = 0; i < config.sessions; i++) {
    await core.manager.create({ prompt: config.prompt, workspaceFolder: config.cwd, options: { includePartialMessages: true } });
  }
  await all;
}

/**
 * Started the way Shannon starts them, one after another: spawn, `initialize` and the prompt,
 * wait for the answer to `initialize`, then the next. So both hosts see the same stagger of 20 processes booting.
 */
async function viaReadline(config: HostConfig, seen: (text: string) => void): Promise<void> {
  const args = buildClaudeArgs({ includePartialMessages: true });
  const exits: Array<Promise<void>> = [];
  for (let i = 0; i < config.sessions; i++) {
    const child = childProcess.spawn(CLAUDE_BIN, args, { cwd: config.cwd, env: { ...process.env, ...config.env }, stdio: ['pipe', 'pipe', 'ignore'] });
    exits.push(new Promise<void>((resolve) => child.once('exit', () => resolve())));
    let initialized!: () => void;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      if (message.type === 'stream_event') {
        const text = deltaText(message);
        if (text) seen(text);
      } else if (message.type === 'control_response') initialized();
      else if (message.type === 'result') child.stdin.end();
    });
    child.stdin.write(`${JSON.stringify({ type: 'control_request', request_id: `init-${i}`, request: { subtype: 'initialize' } })}\n`);
    child.stdin.write(`${JSON.stringify({ type: 'user', message: { role: 'user', content: config.prompt }, parent_tool_use_id: null, session_id: '' })}\n`);
    await ready;
  }
  await Promise.all(exits);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
