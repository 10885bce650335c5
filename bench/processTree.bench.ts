/**
 * What watching and ending a `claude` process tree costs (Linux). The tree is real: a root with
 * `setsid` children, as the CLI's Bash tool makes them.
 *
 * 1. One look at the tree, as TrackedTree does it every 2 s while a session lives (the children
 *    files of the members) against a full /proc scan (what endTree does before each round) and
 *    one `ps -A -o pid=,ppid=` (what ps-based libraries run per look).
 * 2. Ending a tree: endTree (TERM, wait until gone) and endTreeSync (KILL), for trees of 3 and 30.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { listProcesses, readProcessSync } from '../src/core/process/processTable';
import { collectTree, endTree, endTreeSync, identityOf } from '../src/core/process/processTree';
import { TrackedTree } from '../src/core/process/trackedTree';
import { compare, formatMs, printTable, type BenchContext } from './lib';

export default async function processTreeBench(ctx: BenchContext): Promise<void> {
  if (process.platform !== 'linux') {
    ctx.log('skipped: reads /proc (Linux only)');
    return;
  }
  const rounds = ctx.args.iterations ?? 20;
  const machine = (await listProcesses()).length;
  ctx.log(`${machine} processes on this machine; ${rounds} timed rounds per contender, interleaved; medians.`);

  const watched = await tree(3);
  const tracked = TrackedTree.forRoot(watched.pid, undefined, { refreshMs: 0 });
  try {
    await tracked.refresh();
    const root = identityOf(readProcessSync(watched.pid)!);
    const timings = await compare(
      [
        { name: 'TrackedTree.refresh (children files)', run: () => tracked.refresh() },
        { name: 'full /proc scan + collectTree', run: async () => void collectTree(await listProcesses(), [root]) },
        { name: 'spawn ps -A -o pid=,ppid=', run: () => void spawnSync('ps', ['-A', '-o', 'pid=,ppid=']) },
      ],
      { rounds },
    );
    ctx.log(`One look at a tree of ${tracked.members.length} processes:`);
    printTable(
      ctx,
      ['contender', 'wall (median)', 'CPU (median)'],
      [...timings.values()].map((t) => [t.name, formatMs(t.median), formatMs(t.cpuMedian)]),
    );
  } finally {
    tracked.dispose();
    endTreeSync([identityOf(readProcessSync(watched.pid)!)]);
  }

  const rows: string[][] = [];
  for (const size of [3, 30]) {
    for (const how of ['endTree (TERM, grace 3 s)', 'endTreeSync (KILL)'] as const) {
      const samples: number[] = [];
      let members = 0;
      for (let i = 0; i < Math.min(rounds, 5); i++) {
        const t = await tree(size);
        const seed = identityOf(readProcessSync(t.pid)!);
        const started = performance.now();
        const result = how.startsWith('endTreeSync') ? endTreeSync([seed]) : await endTree([seed], { graceMs: 3000 });
        samples.push(performance.now() - started);
        members = result.ended.length;
        t.child.kill('SIGKILL');
      }
      samples.sort((a, b) => a - b);
      rows.push([how, String(members), formatMs(samples[samples.length >> 1]!)]);
    }
  }
  ctx.log('Ending a tree (until every member is gone):');
  printTable(ctx, ['how', 'processes', 'median'], rows);
}

/** A bash root with `children` setsid children, each a bash running sleep: 1 + 2 × children processes. */
async function tree(children: number): Promise<{ child: ChildProcess; pid: number }> {
  const script = `${Array.from({ length: children }, () => 'setsid bash -c "sleep 300 & wait" &').join(' ')} wait`;
  const child = spawn('bash', ['-c', script], { stdio: 'ignore' });
  const want = 1 + 2 * children;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = collectTree(await listProcesses(), [identityOf(readProcessSync(child.pid!)!)]);
    if (found.length >= want) return { child, pid: child.pid! };
    if (Date.now() > deadline) throw new Error(`tree of ${want} did not come up (${found.length})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
