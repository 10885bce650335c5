/**
 * Walking and ending process trees whose members left their parent's session (`setsid`), as the
 * CLI's Bash tool does: parsing, the walk on a made-up table, and real trees of `setsid` children
 * spawned here, checked through /proc (test/support/procfs.ts), never through Shannon's answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProcStat, parsePsLines, readProcessSync, type ProcessInfo } from '../../src/core/process/processTable.js';
import { collectTree, endTree, endTreeSync, identityOf, TREE_MARKER_VARIABLE, type ProcessIdentity } from '../../src/core/process/processTree.js';
import { TrackedTree } from '../../src/core/process/trackedTree.js';
import { allGone, allProcs, bash, HAS_PROCFS, proc, remember, running, treeOf, treeOfAtLeast, withEnv, type Proc } from '../support/procfs.js';

const skip = HAS_PROCFS ? false : 'needs /proc (Linux)';

function identity(pid: number): ProcessIdentity {
  const info = readProcessSync(pid);
  assert.ok(info, `process ${pid} exists`);
  return identityOf(info);
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A /proc/<pid>/stat line with the given fields (starttime is field 22). */
function statLine(pid: number, comm: string, state: string, ppid: number, session: number, start: number): string {
  const after = [state, ppid, pid, session, 0, -1, 4194560, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, start, 1000, 100];
  return `${pid} (${comm}) ${after.join(' ')}`;
}

describe('reading the process table', () => {
  test('a /proc stat line is read after the last parenthesis, whatever the command name holds', () => {
    const info = parseProcStat(statLine(4242, 'my (odd) name) x', 'S', 1, 4242, 987654));
    assert.deepEqual(info, { pid: 4242, ppid: 1, group: 4242, start: '987654', name: 'my (odd) name) x', zombie: false });
    assert.equal(parseProcStat(statLine(7, 'z', 'Z', 1, 7, 5))!.zombie, true);
    assert.equal(parseProcStat('garbage'), undefined);
  });

  test('macOS ps lines give pid, parent, group, start time and a name with spaces', () => {
    const [shell, app, zombie] = parsePsLines(
      [
        '  501     1   501 Ss   Tue Jan  2 03:04:05 2024     /bin/zsh',
        '  777   501   777 S    Wed Feb 14 23:59:59 2024     /Applications/Visual Studio Code.app/Contents/MacOS/Code Helper',
        '  778   777   777 Z    Wed Feb 14 23:59:59 2024     (sleep)',
        'not a line',
      ].join('\n'),
    );
    assert.deepEqual(shell, { pid: 501, ppid: 1, group: 501, start: 'Tue Jan  2 03:04:05 2024', name: 'zsh', zombie: false });
    assert.equal(app!.name, 'Code Helper');
    assert.equal(zombie!.zombie, true);
  });
});

describe('collectTree', () => {
  const p = (pid: number, ppid: number, group: number, start = `s${pid}`, zombie = false): ProcessInfo => ({ pid, ppid, group, start, name: `p${pid}`, zombie });
  const seed = (pid: number, start = `s${pid}`, leader = true): ProcessIdentity => ({ pid, start, leader });

  test('follows parent links and the sessions members lead, even after the leader died', () => {
    const table = [
      p(1, 0, 1),
      p(10, 1, 10), // the host
      p(20, 10, 20), // claude, spawned detached
      p(21, 20, 20), // an MCP server claude started without setsid
      p(30, 1, 30), // a Bash tool (setsid), reparented to init after claude died
      p(31, 30, 30), // its sleep
      p(41, 1, 40), // the child of a Bash tool that has exited: only its session links it
      p(50, 1, 50), // a stranger
    ];
    const tree = collectTree(table, [seed(20), seed(30), seed(40)]);
    assert.deepEqual(tree.map((x) => x.pid).sort((a, b) => a - b), [20, 21, 30, 31, 41]);
  });

  test('a pid now held by another process (other start time) is not the seed, nor is its session', () => {
    const table = [p(1, 0, 1), p(60, 1, 60, 'new-start'), p(61, 60, 60), p(62, 1, 60)];
    assert.deepEqual(collectTree(table, [seed(60, 'old-start')]), []);
  });

  test('zombies are walked through but not returned', () => {
    const table = [p(1, 0, 1), p(70, 1, 70), p(71, 70, 70, 's71', true), p(72, 71, 72)];
    assert.deepEqual(collectTree(table, [seed(70)]).map((x) => x.pid), [70, 72]);
  });
});

describe('ending real trees of setsid children', { skip }, () => {
  test('endTree ends a root and its setsid children and grandchildren', async (t) => {
    const root = bash('setsid sleep 300 & setsid bash -c "sleep 300 & wait" & wait');
    const rootSid = proc(root.pid)!.sid;
    await until('every child in a session of its own', () => {
      const t = treeOf(root.pid);
      return t.length >= 4 && t.every((x) => x.pid === root.pid || x.sid !== rootSid);
    });
    const tree = remember(treeOf(root.pid));
    assert.ok(
      tree.filter((x) => x.pid !== root.pid).every((x) => x.sid !== proc(root.pid)!.sid),
      'the children run in sessions of their own',
    );
    const result = await endTree([identity(root.pid)], { graceMs: 2000 });
    await allGone(tree, 2000, 'the tree');
    assert.equal(result.ended.length, 4);
    assert.deepEqual(result.survivors, []);
    t.diagnostic(`endTree: ${result.ended.length} processes in ${result.elapsedMs.toFixed(0)} ms`);
  });

  test('endTreeSync kills the whole tree before it returns', (t) => {
    return (async () => {
      const root = bash('setsid sleep 300 & setsid bash -c "sleep 300 & wait" & wait');
      const tree = remember(await treeOfAtLeast(root.pid, 4));
      const result = endTreeSync([identity(root.pid)]);
      assert.deepEqual(tree.filter(running).filter((x) => x.pid !== root.pid), [], 'no child runs when it returns');
      await allGone(tree, 2000, 'the tree');
      t.diagnostic(`endTreeSync: ${result.ended.length} processes in ${result.elapsedMs.toFixed(0)} ms`);
    })();
  });

  test('a pid whose start time differs is never signalled (pid reuse)', async () => {
    const victim = bash('exec sleep 300');
    const [p] = remember(await treeOfAtLeast(victim.pid, 1));
    const stale: ProcessIdentity = { pid: victim.pid, start: String(Number(p!.start) - 1), leader: true };
    const result = await endTree([stale], { graceMs: 100 });
    assert.deepEqual(result.ended, []);
    endTreeSync([stale]);
    assert.ok(running(p!), 'the process that now holds the pid still runs');
    victim.child.kill('SIGKILL');
  });

  test('children born while the tree is being ended are found and ended too', async () => {
    // The session leader answers SIGTERM by starting a new child and living on: the grace runs
    // out, it is killed, and its new child (now an orphan in its session) is ended next round.
    const root = bash(`setsid bash -c 'trap "sleep 300 & wait" TERM; while :; do sleep 0.05; done' & wait`);
    // `setsid` execs bash: wait for the exec, not only the fork.
    await until('the session leader', () => treeOf(root.pid).some((x) => x.pid !== root.pid && x.comm === 'bash' && x.sid === x.pid));
    const tree = remember(treeOf(root.pid));
    const leader = tree.find((x) => x.pid !== root.pid && x.comm === 'bash')!;
    await endTree([identity(root.pid)], { graceMs: 400 });
    const inSession = () => allProcs().filter((x) => x.sid === leader.pid && running(x));
    remember(inSession());
    assert.deepEqual(inSession(), [], 'nothing of the leader\'s session runs');
    await allGone(tree, 2000, 'the tree');
  });
});

describe('the tree marker', { skip }, () => {
  test('a command that daemonized itself (no parent or session link left) is found by the marker it inherited', async () => {
    const marker = `test-${process.pid}-${Date.now()}`;
    // The inner bash starts `setsid sleep` in the background and exits: the sleep is a child of
    // init in a session of its own.
    const root = bash(`bash -c 'setsid sleep 300 & exit'; exec sleep 300`, { [TREE_MARKER_VARIABLE]: marker });
    const rootProc = (await treeOfAtLeast(root.pid, 1))[0]!;
    await until('the daemon to detach', () => daemons(marker).length === 1 && proc(root.pid)?.comm === 'sleep');
    const daemon = remember(daemons(marker))[0]!;
    remember([proc(root.pid)!]);
    assert.notEqual(daemon.ppid, root.pid);
    assert.equal(daemon.sid, daemon.pid, 'it leads a session of its own');

    await endTree([identity(root.pid)], { graceMs: 500 });
    assert.ok(running(daemon), 'parent links and sessions alone do not reach it');
    const result = await endTree([], { graceMs: 500, marker: { value: marker, since: rootProc.start } });
    await allGone([daemon], 2000, 'the daemon');
    assert.deepEqual(result.ended.map((e) => e.pid), [daemon.pid]);
  });

  test('a marked process that started before the root is not taken (it cannot descend from it)', async () => {
    const marker = `test-old-${process.pid}-${Date.now()}`;
    const older = bash('exec sleep 300', { [TREE_MARKER_VARIABLE]: marker });
    const [p] = remember(await treeOfAtLeast(older.pid, 1));
    const result = await endTree([], { graceMs: 100, marker: { value: marker, since: String(Number(p!.start) + 1) } });
    assert.deepEqual(result.ended, []);
    assert.ok(running(p!));
    older.child.kill('SIGKILL');
  });
});

/** The running `setsid sleep` daemons that carry `marker` in their environment. */
function daemons(marker: string): Proc[] {
  return withEnv(`${TREE_MARKER_VARIABLE}=${marker}`).filter((p) => p.comm === 'sleep' && p.sid === p.pid);
}

describe('TrackedTree', { skip }, () => {
  test('ends setsid descendants after their parent (the root) was killed, including one born later', async () => {
    // B (setsid) starts; the root is killed; then B starts G and exits: G is an orphan linked
    // to nothing but B's session.
    const root = bash(`setsid bash -c 'sleep 0.6; sleep 300 & exit' & wait`);
    const tracked = TrackedTree.forRoot(root.pid, undefined, { refreshMs: 0 });
    let b: Proc | undefined;
    try {
      await until('B to lead its session', () => (b = treeOf(root.pid).find((x) => x.pid !== root.pid && x.sid === x.pid && x.comm === 'bash')) !== undefined);
      remember([b!]);
      await tracked.refresh();
      assert.ok(tracked.members.some((m) => m.pid === b!.pid && m.start === b!.start), `B is known: ${JSON.stringify({ b, members: tracked.members, root: tracked.root, tree: treeOf(root.pid) })}`);

      root.child.kill('SIGKILL');
      await new Promise((r) => root.child.once('exit', r));
      tracked.rootExited();
      await until('B to start G and exit', () => !running(b!) && allProcs().some((x) => x.sid === b!.pid && x.comm === 'sleep' && running(x)));
      const g = allProcs().filter((x) => x.sid === b!.pid && running(x));
      remember(g);
      assert.equal(g[0]!.ppid === b!.pid, false, 'G is no child of B any more');

      const result = await tracked.end({ graceMs: 1000 });
      await allGone(g, 2000, 'the orphan G');
      assert.deepEqual(result.ended.map((e) => e.pid), g.map((x) => x.pid));
    } finally {
      tracked.dispose();
      // Whatever still runs in B's session is this test's (the session id stays B's while it does).
      if (b) remember(allProcs().filter((x) => x.sid === b!.pid));
    }
  });

  test('sees a child started after it was made: on a nudge, and by itself at its refresh rate', async () => {
    for (const how of ['nudge', 'periodic'] as const) {
      const root = bash('sleep 0.2; setsid sleep 300 & wait');
      const tracked = TrackedTree.forRoot(root.pid, undefined, how === 'nudge' ? { refreshMs: 0, nudgeDelayMs: 50, nudgeIntervalMs: 50 } : { refreshMs: 100 });
      const changes: number[] = [];
      tracked.onDidChange((members) => changes.push(members.length));
      try {
        let child: Proc | undefined;
        await until('the setsid child to start', () => (child = treeOf(root.pid).find((x) => x.pid !== root.pid && x.sid === x.pid)) !== undefined);
        remember([child!]);
        await until(`${how}: the setsid child to be known`, () => {
          if (how === 'nudge') tracked.nudge();
          return tracked.members.some((m) => m.pid === child?.pid && m.start === child.start);
        });
        assert.ok(changes.length >= 1, 'a change was told');
      } finally {
        tracked.dispose();
        root.child.kill('SIGKILL');
      }
    }
  });

  test('the root\'s pid is not signalled once it exited', async () => {
    const root = bash('exec sleep 300');
    const tracked = TrackedTree.forRoot(root.pid, undefined, { refreshMs: 0 });
    try {
      remember(await treeOfAtLeast(root.pid, 1));
      tracked.rootExited();
      assert.deepEqual(tracked.members, []);
      const result = await tracked.end({ graceMs: 100 });
      assert.deepEqual(result.ended, []);
      assert.ok(running(proc(root.pid)!));
    } finally {
      tracked.dispose();
      root.child.kill('SIGKILL');
    }
  });
});
