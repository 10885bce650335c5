/**
 * Twenty sessions at full speed (issue 11 §6): 20 real `claude` processes stream a 20 KB reply
 * each (400 text deltas, --include-partial-messages) at the same time, against a fake API on
 * 127.0.0.1. Three host processes read them in turn, in a rotating order over the rounds: a
 * yardstick that does nothing but readline + JSON.parse, Shannon's core as it ships (the CLIs at
 * below-normal priority, so the host is served first on a busy machine), and Shannon's core with
 * `processPriority: normal` (the CLIs at the host's priority, as the yardstick's run): the
 * difference between the last two is what the lower priority buys and costs, the wall time
 * included. Each measures its own event loop
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
    const hosts: Array<{ label: string; config: Pick<HostConfig, 'mode' | 'priority'> }> = [
      { label: 'yardstick (readline + JSON.parse)', config: { mode: 'yardstick' } },
      { label: 'Shannon core', config: { mode: 'shannon' } },
      { label: 'Shannon core, priority normal', config: { mode: 'shannon', priority: 'normal' } },
    ];
    const results = hosts.map(() => [] as HostFigures[]);
    for (let round = 0; round < rounds; round++) {
      // Each host goes first, second and third in turn: none always runs on a machine still busy with another's exit.
      for (let k = 0; k < hosts.length; k++) {
        const i = (round + k) % hosts.length;
        const config: HostConfig = { ...hosts[i]!.config, sessions: SESSIONS, env: claude.env, cwd: ws.dir, prompt: 'Write a long reply.' };
        const { stdout } = await run(process.execPath, ['--import', 'tsx', HOST, JSON.stringify(config)], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
        results[i]!.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as HostFigures);
      }
    }
    const [YARDSTICK, SHANNON, SHANNON_NORMAL] = [0, 1, 2];
    const of = (host: number, pick: (f: HostFigures) => number) => median(results[host]!.map(pick));
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
    const ratio = (host: number, pick: (f: HostFigures) => number) => `${(of(host, pick) / of(YARDSTICK, pick)).toFixed(2)}×`;
    ctx.log(`${SESSIONS} sessions × ${REPLY_CHARS / 1000} KB streamed in ${REPLY_CHARS / CHUNK} deltas; medians of ${rounds} rounds per host; ${of(SHANNON, (f) => f.latency.count)} deltas seen per run`);
    printTable(
      ctx,
      ['figure', ...hosts.map((h) => h.label), 'Shannon / yardstick', 'priority normal / yardstick'],
      rows.map(([name, pick]) => [name, ...hosts.map((_, i) => formatMs(of(i, pick))), ratio(SHANNON, pick), ratio(SHANNON_NORMAL, pick)]),
    );
    ctx.log(`opening Shannon's store, once per window before any session (not in the figures above): the loop blocked ${formatMs(of(SHANNON, (f) => f.openStallMs))} at most`);
    const stall = of(SHANNON, (f) => f.maxStallMs);
    const stallRatio = stall / of(YARDSTICK, (f) => f.maxStallMs);
    const p99Ratio = of(SHANNON, (f) => f.latency.p99) / of(YARDSTICK, (f) => f.latency.p99);
    const normalStall = of(SHANNON_NORMAL, (f) => f.maxStallMs);
    ctx.log(
      `goal: longest stall ≤ 2× the yardstick's and under 50 ms: ${stallRatio.toFixed(2)}×, ${formatMs(stall)} ` +
        `(at priority normal: ${ratio(SHANNON_NORMAL, (f) => f.maxStallMs)}, ${formatMs(normalStall)}); p99 latency ≤ 2×: ${p99Ratio.toFixed(2)}×`,
    );
  } finally {
    await api.close();
    await claude.dispose();
    await ws.dispose();
  }
}
