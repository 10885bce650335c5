/**
 * Ending a process and everything under it. code-server spawns the VS Code server, which forks
 * extension hosts, which spawn whatever the extension under test runs (claude CLIs, MCP
 * servers), some in process groups of their own: signalling the group is not enough, so the
 * tree is also walked through /proc.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** Pids of every live descendant of `pid`, children before grandchildren. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid …": comm may hold spaces and parens, so parse after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * SIGTERM to the child's process group (it must have been spawned `detached`) and to every
 * descendant; SIGKILL to whatever is left after `graceMs`. Resolves when all are gone.
 */
export async function killTree(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const tree = [pid, ...descendants(pid)];
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
  // Reap our direct child so it leaves no zombie behind.
  if (child.exitCode === null && child.signalCode === null) {
    await Promise.race([new Promise((r) => child.once('exit', r)), delay(1_000)]);
  }
}
