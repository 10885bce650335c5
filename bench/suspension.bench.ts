/**
 * What suspending idle sessions costs and saves (issue 8, item 1), with the real `claude` CLI
 * against the fake API:
 * - first streamed token after a message, to a live idle session vs to a suspended one (which
 *   wakes with `--resume` in a new process), interleaved round by round in one run: the ratio is
 *   the price of a wake-up;
 * - memory: RSS (from /proc, the `claude` processes and their children) of N idle sessions with
 *   their processes vs the same N suspended (no process; what remains is the host's own record).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { SessionManager } from '../src/core/session/manager';
import { sideCallReply } from '../test/support/fakeAnthropic';
import { startEngine } from '../test/support/engine';
import { formatBytes, formatMs, median, printTable, type BenchContext } from './lib';

const IDLE_SESSIONS = 5;

export default async function suspensionBench(ctx: BenchContext): Promise<void> {
  if (process.platform !== 'linux') {
    ctx.log('skipped: reads RSS from /proc (Linux only)');
    return;
  }
  const engine = await startEngine((req) => (req.isMainTurn ? { blocks: [{ type: 'text', text: 'First token, then more.' }], chunkSize: 6 } : sideCallReply(req)), {
    maxIdleProcesses: 100,
    defaults: () => ({ includePartialMessages: true }),
  });
  const { manager } = engine;
  try {
    const rounds = ctx.args.iterations ?? 5;
    const live = await started(manager, engine.workspace, 'live idle');
    const sleeper = await started(manager, engine.workspace, 'suspended');
    const times = { live: [] as number[], suspended: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      await manager.suspend(sleeper);
      await waitFor(() => manager.get(sleeper)?.state === 'suspended');
      // Interleaved, alternating which goes first: a noisy machine slows both alike.
      const order = round % 2 === 0 ? (['live', 'suspended'] as const) : (['suspended', 'live'] as const);
      for (const which of order) times[which].push(await firstToken(manager, which === 'live' ? live : sleeper, `round ${round}`));
    }
    const l = median(times.live);
    const s = median(times.suspended);
    ctx.log(`first streamed token after a message (medians of ${rounds} rounds, interleaved)`);
    printTable(ctx, ['session', 'first token', 'vs live idle'], [
      ['live idle (its process waits)', formatMs(l), '1.00×'],
      ['suspended (wakes with --resume)', formatMs(s), `${(s / l).toFixed(2)}×`],
    ]);

    // Memory: N more idle sessions with their processes, then the same N suspended.
    const ids: string[] = [];
    for (let i = 0; i < IDLE_SESSIONS; i++) ids.push(await started(manager, engine.workspace, `idle ${i}`));
    ctx.gc();
    const pids = ids.map((id) => manager.liveSession(id)?.pid).filter((p): p is number => p !== undefined);
    const idleRss = pids.reduce((sum, pid) => sum + treeRss(pid), 0);
    const hostBefore = process.memoryUsage().rss;
    await Promise.all(ids.map((id) => manager.suspend(id)));
    await waitFor(() => ids.every((id) => manager.get(id)?.state === 'suspended' && !manager.liveSession(id)?.hasProcess));
    ctx.gc();
    const leftover = pids.reduce((sum, pid) => sum + treeRss(pid), 0);
    const hostAfter = process.memoryUsage().rss;
    printTable(ctx, [`${IDLE_SESSIONS} sessions`, 'claude processes', 'their RSS', 'per session'], [
      ['idle, process kept', String(pids.length), formatBytes(idleRss), formatBytes(idleRss / pids.length)],
      ['suspended', String(pids.filter((p) => treeRss(p) > 0).length), formatBytes(leftover), formatBytes(leftover / pids.length)],
    ]);
    // The host's own RSS moves with its heap and allocator, not with the sessions: shown, not subtracted.
    ctx.log(`the host process (Shannon's core, all its sessions' records): RSS ${formatBytes(hostBefore)} with them idle, ${formatBytes(hostAfter)} suspended`);
  } finally {
    await engine.dispose();
  }
}

/** A session that has answered its first turn and sits idle with its process. */
async function started(manager: SessionManager, workspace: string, title: string): Promise<string> {
  const record = await manager.create({ workspaceFolder: workspace, prompt: `hello from ${title}`, title });
  await manager.waitForTurn(record.id, undefined, record.promptUuid);
  await waitFor(() => manager.get(record.id)?.state === 'idle');
  return record.id;
}

/** Milliseconds from send() to the first streamed text delta of that turn; waits for the turn to end. */
async function firstToken(manager: SessionManager, sessionId: string, text: string): Promise<number> {
  const events = manager.eventsOf(sessionId);
  let first: number | undefined;
  const sub = events.onDidMessage((e) => {
    const raw = e.message.message as { type?: string; event?: { delta?: { type?: string } } };
    if (first === undefined && e.direction === 'in' && raw.type === 'stream_event' && raw.event?.delta?.type === 'text_delta') first = performance.now();
  });
  try {
    const started = performance.now();
    const uuid = await manager.send(sessionId, text);
    await manager.waitForTurn(sessionId, undefined, uuid);
    if (first === undefined) throw new Error(`no text delta streamed to ${sessionId}`);
    return first - started;
  } finally {
    sub.dispose();
  }
}

/** RSS of a process and its descendants, in bytes (0 once they are gone). */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      continue;
    }
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
