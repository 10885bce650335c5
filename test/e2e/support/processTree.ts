/**
 * Ending a process and everything under it. code-server spawns the VS Code server, which forks
 * extension hosts, which spawn whatever the extension under test runs (claude CLIs, MCP
 * servers), some in process groups of their own: signalling the group is not enough, so the
 * tree is also walked through /proc. And when a window closes, its extension host exits and
 * whatever it spawned detached is re-parented to PID 1, out of the tree: a ProcessTreeWatcher
 * remembers every descendant it has seen, so those are ended too.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** The fields of /proc/<pid>/stat after "pid (comm)": [state, ppid, pgrp, …]; undefined when gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parens: parse after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Start time in clock ticks since boot: with the pid, names a process (pids are reused). */
function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Pids of every live descendant of `pid`, children before grandchildren. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue; // exited while we looked
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** A zombie counts as gone: it holds nothing, and its reaper may be a PID 1 that never reaps. */
function alive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Remembers every descendant of a process, sampled every `intervalMs` until disposed, so that
 * killTree can end those that left the tree (re-parented to PID 1) too.
 */
export class ProcessTreeWatcher {
  private readonly seen = new Map<number, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly rootPid: number,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    for (const pid of descendants(this.rootPid)) {
      const start = startTime(pid);
      if (start !== undefined) this.seen.set(pid, start);
    }
  }

  /** Seen descendants that still run (the same processes: pid and start time match). */
  survivors(): number[] {
    return [...this.seen].filter(([pid, start]) => alive(pid) && startTime(pid) === start).map(([pid]) => pid);
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

/**
 * SIGTERM to the child's process group (it must have been spawned `detached`), to every
 * descendant and to every process `watcher` saw under it; SIGKILL to whatever is left after
 * `graceMs`. Resolves when all are gone.
 */
export async function killTree(child: ChildProcess, watcher?: ProcessTreeWatcher, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) {
    watcher?.dispose();
    return;
  }
  watcher?.sample();
  const tree = [...new Set([pid, ...descendants(pid), ...(watcher?.survivors() ?? [])])];
  signal(-pid, 'SIGTERM');
  for (const p of tree) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (tree.some(alive) && Date.now() < deadline) await delay(50);
  // Pick up anything spawned during shutdown too.
  const rest = [...new Set([...tree, ...tree.flatMap((p) => (alive(p) ? descendants(p) : []))])].filter(alive);
  if (rest.length) {
    signal(-pid, 'SIGKILL');
    for (const p of rest) signal(p, 'SIGKILL');
    const hardDeadline = Date.now() + 2_000;
    while (rest.some(alive) && Date.now() < hardDeadline) await delay(20);
  }
  watcher?.dispose();
  // Reap our direct child so it leaves no zombie behind.
  if (child.exitCode === null && child.signalCode === null) {
    await Promise.race([new Promise((r) => child.once('exit', r)), delay(1_000)]);
  }
}

const groupsToKillOnExit = new Map<number, () => void>();
let exitHooked = false;

/**
 * Last resort for a test process that ends without stopping what it started (a crash, a test
 * runner's timeout): SIGKILL to the process group, then `cleanupSync`, when this process exits
 * or is signalled. Returns the function that forgets the group again.
 */
export function killGroupOnExit(pgid: number, cleanupSync: () => void = () => undefined): () => void {
  groupsToKillOnExit.set(pgid, cleanupSync);
  if (!exitHooked) {
    exitHooked = true;
    const killAll = () => {
      for (const [g, cleanup] of groupsToKillOnExit) {
        signal(-g, 'SIGKILL');
        try {
          cleanup();
        } catch {
          // best effort: we are exiting
        }
      }
      groupsToKillOnExit.clear();
    };
    process.on('exit', killAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        killAll();
        process.kill(process.pid, sig); // our listener is gone: the default action ends us
      });
    }
  }
  return () => groupsToKillOnExit.delete(pgid);
}
