/**
 * Ending a whole process tree, including the members that left their parent's process group.
 *
 * The Claude Code CLI runs every Bash command in a new session (`setsid`), so a signal to the
 * CLI's process group never reaches it, and once the CLI is gone its tools are children of init.
 * So the tree is taken by parent links *before* anything is signalled, and also by session: a
 * process whose session (Linux; process group on macOS) is led by a member belongs to the tree
 * even after its parent died. And on Linux by environment: the CLI gets a marker variable that
 * every descendant inherits, so even a command that daemonized itself (double fork + setsid)
 * before anyone looked is found. Every member is named by pid *and* start time, so a reused pid
 * is never signalled.
 *
 * Windows has no cheap table: there `taskkill /T /F` ends the tree of the root while it lives.
 */
import { execFile, execFileSync } from 'node:child_process';
import { sleepSync } from '../store/io.js';
import {
  canReadProcessTable,
  listProcesses,
  listProcessesSync,
  pidExists,
  readProcess,
  readProcessSync,
  withEnvironment,
  withEnvironmentSync,
  type ProcessInfo,
} from './processTable.js';

/** The environment variable that marks every process of one `claude` process's tree. */
export const TREE_MARKER_VARIABLE = 'SHANNON_PROCESS_TREE';

/** A tree's marker: its value, and the root's start (nothing started before it is a member). */
export interface TreeMarker {
  value: string;
  /** The root's start time; on Linux clock ticks since boot. */
  since: string;
}

/** One process, named so that a reused pid does not match. */
export interface ProcessIdentity {
  pid: number;
  /** The OS's start time (see ProcessInfo.start); empty where the OS gives none (Windows). */
  start: string;
  /** It leads its own session (it called setsid, or was spawned detached). */
  leader?: boolean;
  /** For logs: `bash`, `sleep`, `claude`. */
  name?: string;
}

/** A process that was found alive in the tree and signalled. */
export interface EndedProcess {
  pid: number;
  name: string;
}

export interface TreeEnd {
  /** Every member that was alive and got a signal. */
  ended: EndedProcess[];
  /** Members still alive after SIGKILL (a process in uninterruptible sleep, one owned by someone else). */
  survivors: EndedProcess[];
  elapsedMs: number;
}

export interface EndTreeOptions {
  /** How long members get between SIGTERM and SIGKILL. */
  graceMs?: number;
  /** SIGKILL at once (nobody waits: dispose, host exit). */
  immediate?: boolean;
  /** Also every process that carries this marker (Linux). */
  marker?: TreeMarker;
}

export function identityOf(info: ProcessInfo): ProcessIdentity {
  return { pid: info.pid, start: info.start, leader: info.group === info.pid, name: info.name };
}

/** The same process as `id` (pid and start time), and not a zombie. */
export function isSameLiving(info: ProcessInfo | undefined, id: ProcessIdentity): info is ProcessInfo {
  return info !== undefined && !info.zombie && info.start === id.start;
}

export async function isAlive(id: ProcessIdentity): Promise<boolean> {
  return isSameLiving(await readProcess(id.pid), id);
}

export function isAliveSync(id: ProcessIdentity): boolean {
  return isSameLiving(readProcessSync(id.pid), id);
}

/**
 * The tree of `seeds` in `table`: the seeds still running (same start time), everything that
 * descends from them by parent pid, and every process in a session that a seed or a descendant
 * leads. Zombies are walked through (their children still point at them) but not returned.
 *
 * A session id cannot be handed to a new process while any process is in that session, so a
 * match by session is safe as long as the leader's pid is not now someone else's: when a
 * process holds the leader's pid with another start time, that session is not ours.
 */
export function collectTree(table: readonly ProcessInfo[], seeds: readonly ProcessIdentity[]): ProcessInfo[] {
  const byPid = new Map<number, ProcessInfo>();
  const children = new Map<number, ProcessInfo[]>();
  const inGroup = new Map<number, ProcessInfo[]>();
  for (const p of table) {
    byPid.set(p.pid, p);
    push(children, p.ppid, p);
    push(inGroup, p.group, p);
  }
  const members = new Map<number, ProcessInfo>();
  const queue: ProcessInfo[] = [];
  const groups = new Set<number>();
  const addGroup = (leaderPid: number) => {
    if (groups.has(leaderPid)) return;
    groups.add(leaderPid);
    for (const p of inGroup.get(leaderPid) ?? []) add(p);
  };
  const add = (p: ProcessInfo) => {
    if (members.has(p.pid)) return;
    members.set(p.pid, p);
    queue.push(p);
  };
  for (const seed of seeds) {
    const now = byPid.get(seed.pid);
    if (now && now.start === seed.start) add(now);
    // A dead leader's session still holds its orphans; a live stranger on its pid does not.
    if (seed.leader && (!now || now.start === seed.start)) addGroup(seed.pid);
  }
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of children.get(p.pid) ?? []) add(c);
    if (p.group === p.pid) addGroup(p.pid);
  }
  return [...members.values()].filter((p) => !p.zombie);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const MAX_ROUNDS = 5;
const POLL_MS = 25;
const KILL_WAIT_MS = 1000;

/**
 * SIGTERM to every member at once, a grace, SIGKILL to what is left; then the tree is taken
 * again for children born meanwhile, until a round finds nobody. Resolves when all are gone.
 */
export async function endTree(seeds: readonly ProcessIdentity[], options: EndTreeOptions = {}): Promise<TreeEnd> {
  const started = performance.now();
  if (!canReadProcessTable) return taskkillTree(seeds, started);
  const graceMs = options.immediate ? 0 : (options.graceMs ?? 3000);
  const known = new Map(seeds.map((s) => [s.pid, s]));
  const ended = new Map<number, EndedProcess>();
  // Alive after SIGKILL (uninterruptible sleep, another user's): walked through, not waited for again.
  const survivors = new Map<number, ProcessInfo>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const table = await listProcesses();
    const marked = options.marker ? await withEnvironment(table, markerEntry(options.marker), Number(options.marker.since)) : [];
    const members = collectTree(table, [...known.values(), ...marked.map(identityOf)]).filter((m) => !survivors.has(m.pid));
    if (members.length === 0) break;
    for (const m of members) {
      known.set(m.pid, identityOf(m));
      ended.set(m.pid, { pid: m.pid, name: m.name });
    }
    let left = members;
    if (graceMs > 0) {
      signalAll(left, 'SIGTERM');
      left = await waitGone(left, graceMs);
    }
    signalAll(left, 'SIGKILL');
    for (const m of await waitGone(left, KILL_WAIT_MS)) survivors.set(m.pid, m);
  }
  const still = await waitGone([...survivors.values()], 0);
  return { ended: [...ended.values()], survivors: still.map((p) => ({ pid: p.pid, name: p.name })), elapsedMs: performance.now() - started };
}

/**
 * SIGKILL to the whole tree, blocking until it is gone (or a short budget ran out): for
 * synchronous dispose and the host's exit, where nothing can be awaited.
 */
export function endTreeSync(seeds: readonly ProcessIdentity[], marker?: TreeMarker): TreeEnd {
  const started = performance.now();
  if (!canReadProcessTable) return taskkillTreeSync(seeds, started);
  const known = new Map(seeds.map((s) => [s.pid, s]));
  const ended = new Map<number, EndedProcess>();
  const signalled = new Map<number, ProcessInfo>();
  const living = (m: ProcessInfo) => isSameLiving(readProcessSync(m.pid), m);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const table = listProcessesSync();
    const marked = marker ? withEnvironmentSync(table, markerEntry(marker), Number(marker.since)) : [];
    const members = collectTree(table, [...known.values(), ...marked.map(identityOf)]).filter((m) => !signalled.has(m.pid));
    if (members.length === 0) break;
    for (const m of members) {
      known.set(m.pid, identityOf(m));
      ended.set(m.pid, { pid: m.pid, name: m.name });
      signalled.set(m.pid, m);
    }
    signalAll(members, 'SIGKILL');
    // A killed process is gone within a few ms; its parent's reaping is not ours to wait for.
    const deadline = performance.now() + 200;
    while (members.some(living) && performance.now() < deadline) sleepSync(5);
  }
  const survivors = [...signalled.values()].filter(living);
  return { ended: [...ended.values()], survivors: survivors.map((p) => ({ pid: p.pid, name: p.name })), elapsedMs: performance.now() - started };
}

function markerEntry(marker: TreeMarker): string {
  return `${TREE_MARKER_VARIABLE}=${marker.value}`;
}

function signalAll(members: readonly ProcessInfo[], signal: NodeJS.Signals): void {
  for (const m of members) {
    // Belt and braces: whatever a table says, the host does not end itself.
    if (m.pid === process.pid) continue;
    try {
      process.kill(m.pid, signal);
    } catch {
      // ESRCH: gone meanwhile. EPERM: not ours to end (reported as a survivor if it stays).
    }
  }
}

/** Polls until every member is gone (or is another process now); resolves with those left. */
async function waitGone(members: readonly ProcessInfo[], ms: number): Promise<ProcessInfo[]> {
  const deadline = performance.now() + ms;
  let left = [...members];
  for (;;) {
    const states = await Promise.all(left.map((m) => readProcess(m.pid)));
    left = left.filter((m, i) => isSameLiving(states[i], m));
    if (left.length === 0 || performance.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// ---- Windows --------------------------------------------------------------------------------------

/** Windows keeps no start time we can read cheaply: only a root that Node still holds is ended. */
function taskkillArgs(seeds: readonly ProcessIdentity[]): string[][] {
  return seeds.filter((s) => pidExists(s.pid)).map((s) => ['/PID', String(s.pid), '/T', '/F']);
}


async function taskkillTree(seeds: readonly ProcessIdentity[], started: number): Promise<TreeEnd> {
  const runs = taskkillArgs(seeds);
  await Promise.all(runs.map((args) => new Promise<void>((resolve) => execFile('taskkill', args, { windowsHide: true }, () => resolve()))));
  return { ended: runs.map((a) => ({ pid: Number(a[1]), name: '' })), survivors: [], elapsedMs: performance.now() - started };
}

function taskkillTreeSync(seeds: readonly ProcessIdentity[], started: number): TreeEnd {
  const runs = taskkillArgs(seeds);
  for (const args of runs) {
    try {
      execFileSync('taskkill', args, { windowsHide: true, stdio: 'ignore' });
    } catch {
      // Gone meanwhile, or not ours.
    }
  }
  return { ended: runs.map((a) => ({ pid: Number(a[1]), name: '' })), survivors: [], elapsedMs: performance.now() - started };
}
