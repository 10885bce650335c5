/**
 * The kernel's view of processes, for assertions: read straight from /proc, independent of
 * Shannon's own process code, so a test never believes Shannon's bookkeeping about itself.
 * Linux only (tests that use it skip elsewhere, saying so).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after } from 'node:test';

export const HAS_PROCFS = process.platform === 'linux';

export interface Proc {
  pid: number;
  ppid: number;
  sid: number;
  state: string;
  /** Field 22: start time in clock ticks since boot. */
  start: string;
  comm: string;
  /** Field 19: its niceness (of its main thread; each thread has its own). */
  nice: number;
}

export function proc(pid: number): Proc | undefined {
  return parseStat(pid, `/proc/${pid}/stat`);
}

/** The niceness of each of a process's threads (empty once it is gone). */
export function threadNiceness(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.flatMap((tid) => parseStat(Number(tid), `/proc/${pid}/task/${tid}/stat`)?.nice ?? []);
}

function parseStat(pid: number, file: string): Proc | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  return { pid, ppid: Number(f[1]), sid: Number(f[3]), state: f[0]!, start: f[19]!, nice: Number(f[16]), comm: text.slice(text.indexOf('(') + 1, close) };
}

/** Running (not a zombie) and the very process seen before (same start time). */
export function running(p: Pick<Proc, 'pid' | 'start'>): boolean {
  const now = proc(p.pid);
  return now !== undefined && now.state !== 'Z' && now.state !== 'X' && now.start === p.start;
}

/** Every process of the machine, right now. */
export function allProcs(): Proc[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => proc(Number(d)))
    .filter((p): p is Proc => p !== undefined);
}

/**
 * Running processes whose environment holds `entry` (`NAME=value`), e.g. a test's own
 * `CLAUDE_CONFIG_DIR`: every process a test's claude started inherits it, whatever its parent.
 */
export function withEnv(entry: string): Proc[] {
  return allProcs().filter((p) => {
    if (!running(p)) return false;
    try {
      return readFileSync(`/proc/${p.pid}/environ`, 'latin1').split('\0').includes(entry);
    } catch {
      return false;
    }
  });
}

/** `root` and everything below it by parent pid, right now. */
export function treeOf(rootPid: number): Proc[] {
  const all = allProcs();
  const out: Proc[] = [];
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return out;
  const seen = new Set([rootPid]);
  out.push(root);
  for (let i = 0; i < out.length; i++) {
    for (const p of all) {
      if (p.ppid === out[i]!.pid && !seen.has(p.pid)) {
        seen.add(p.pid);
        out.push(p);
      }
    }
  }
  return out;
}

/** Polls until none of `procs` runs; rejects naming the survivors. */
export async function allGone(procs: readonly Proc[], timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const alive = procs.filter(running);
    if (alive.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${what}: still running after ${timeoutMs} ms: ${alive.map((p) => `${p.comm} ${p.pid}`).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until the tree under `rootPid` has a process named `comm`; resolves with the whole tree then. */
export async function treeWith(rootPid: number, comm: string, timeoutMs = 20_000): Promise<Proc[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tree = treeOf(rootPid);
    if (tree.some((p) => p.comm === comm)) return tree;
    if (Date.now() > deadline) throw new Error(`no "${comm}" under pid ${rootPid} after ${timeoutMs} ms: ${tree.map((p) => p.comm).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until the tree under `rootPid` has at least `count` running processes; resolves with them. */
export async function treeOfAtLeast(rootPid: number, count: number, timeoutMs = 5000): Promise<Proc[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tree = treeOf(rootPid).filter((p) => p.state !== 'Z');
    if (tree.length >= count) return tree;
    if (Date.now() > deadline) throw new Error(`the tree of ${rootPid} has ${tree.length} processes after ${timeoutMs} ms, not ${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Test cleanup: SIGKILL to each process still running as recorded (pid + start), never by name. */
export function killLeftovers(procs: readonly Proc[]): void {
  for (const p of procs) {
    if (!running(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** What a test file started, ended after it by pid + start time (a test that failed half-way leaves nothing). */
const startedHere: Proc[] = [];
const childrenHere: ChildProcess[] = [];
after(() => {
  killLeftovers(startedHere);
  for (const c of childrenHere) c.kill('SIGKILL');
});

/** Notes processes to end after the test file (if they still run as noted). */
export function remember(procs: Proc[]): Proc[] {
  startedHere.push(...procs);
  return procs;
}

/** `bash -c script`, killed after the test file if still running. */
export function bash(script: string, env?: Record<string, string>): { child: ChildProcess; pid: number } {
  const child = spawn('bash', ['-c', script], { stdio: 'ignore', ...(env ? { env: { ...process.env, ...env } } : {}) });
  childrenHere.push(child);
  return { child, pid: child.pid! };
}
