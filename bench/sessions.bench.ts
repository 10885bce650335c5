/**
 * Twenty sessions at full speed (issue 11 §6): 20 real `claude` processes stream a 20 KB reply
 * each (400 text deltas, --include-partial-messages) at the same time, against a fake API on
 * 127.0.0.1. Two host processes read them in turn, interleaved over the rounds: Shannon's core,
 * and a yardstick that does nothing but readline + JSON.parse. Each measures its own event loop
 * (longest stall, p99 delay), its garbage collections, and how long a delta takes from the API's
 * send to the host's listener, and how long its `spawn` calls block (a fork of the host: the floor
 * of a session start's stall, larger in a larger host). Shannon's store is opened before the
 * measuring starts, as a window opens it at activation; that figure is printed apart.
 * Goal: Shannon's longest stall ≤ 2× the yardstick's and under 50 ms, its p99 latency ≤ 2× the
 * yardstick's.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { FakeAnthropicApi } from '../test/support/fakeAnthropic';
import { hermeticClaudeEnv, tempWorkspace } from '../test/support/realCli';
import { formatMs, median, printTable, type BenchContext } from './lib';
import type { HostConfig, HostFigures } from './support/streamingHost';

const run = promisify(execFile);
const HOST = path.join(import.meta.dirname, 'support', 'streamingHost.ts');
const SESSIONS = 20;
const REPLY_CHARS = 20_000;
const CHUNK = 50;

export default async function sessionsBench(ctx: BenchContext): Promise<void> {
  const stamp = (piece: string) => `⟦${(performance.timeOrigin + performance.now()).toFixed(3)}⟧${piece}`;
  const api = await FakeAnthropicApi.start((req) =>
    req.isMainTurn
      ? { blocks: [{ type: 'text', text: 'x'.repeat(REPLY_CHARS - 1) + '.' }], chunkSize: CHUNK, chunkDelayMs: 4, textDelta: stamp, usage: { input_tokens: 100, output_tokens: 5000 } }
      : { blocks: [{ type: 'text', text: 'Test session' }] },
  );
  const claude = await hermeticClaudeEnv(api);
  const ws = await tempWorkspace();
  try {
    const rounds = ctx.args.iterations ?? 3;
    const results: HostFigures[] = [];
    for (let round = 0; round < rounds; round++) {
      const order: Array<HostConfig['mode']> = round % 2 === 0 ? ['yardstick', 'shannon'] : ['shannon', 'yardstick'];
      for (const mode of order) {
        const config: HostConfig = { mode, sessions: SESSIONS, env: claude.env, cwd: ws.dir, prompt: 'Write a long reply.' };
        const { stdout } = await run(process.execPath, ['--import', 'tsx', HOST, JSON.stringify(config)], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
        results.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as HostFigures);
      }
    }
    const of = (mode: HostConfig['mode'], pick: (f: HostFigures) => number) => median(results.filter((r) => r.mode === mode).map(pick));
    const rows: Array<[string, (f: HostFigures) => number]> = [
      ['longest event-loop stall', (f) => f.maxStallMs],
      ['p99 event-loop delay', (f) => f.p99DelayMs],
      ['longest GC pause', (f) => f.gcMaxMs],
      ['GC time in all', (f) => f.gcTotalMs],
      ['delta latency p50', (f) => f.latency.p50],
      ['delta latency p99', (f) => f.latency.p99],
      ['delta latency max', (f) => f.latency.max],
      ['spawn call, median (blocks the loop)', (f) => f.spawnMs.p50],
      ['spawn call, longest', (f) => f.spawnMs.max],
      ['wall time of the run', (f) => f.wallMs],
    ];
    ctx.log(`${SESSIONS} sessions × ${REPLY_CHARS / 1000} KB streamed in ${REPLY_CHARS / CHUNK} deltas; medians of ${rounds} rounds per host; ${of('shannon', (f) => f.latency.count)} deltas seen per run`);
    printTable(
      ctx,
      ['figure', 'yardstick (readline + JSON.parse)', 'Shannon core', 'Shannon / yardstick'],
      rows.map(([name, pick]) => [name, formatMs(of('yardstick', pick)), formatMs(of('shannon', pick)), `${(of('shannon', pick) / of('yardstick', pick)).toFixed(2)}×`]),
    );
    ctx.log(`opening Shannon's store, once per window before any session (not in the figures above): the loop blocked ${formatMs(of('shannon', (f) => f.openStallMs))} at most`);
    const stall = of('shannon', (f) => f.maxStallMs);
    const stallRatio = stall / of('yardstick', (f) => f.maxStallMs);
    const p99Ratio = of('shannon', (f) => f.latency.p99) / of('yardstick', (f) => f.latency.p99);
    ctx.log(`goal: longest stall ≤ 2× the yardstick's and under 50 ms: ${stallRatio.toFixed(2)}×, ${formatMs(stall)}; p99 latency ≤ 2×: ${p99Ratio.toFixed(2)}×`);
  } finally {
    await api.close();
    await claude.dispose();
    await ws.dispose();
  }
}
