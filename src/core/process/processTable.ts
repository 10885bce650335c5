/**
 * What the operating system says about processes: parent, session, start time. The one place
 * that reads `/proc` (Linux) or runs `ps` (macOS). Windows has no cheap table: callers fall back
 * to `taskkill /T` there (see processTree.ts).
 *
 * A pid alone names nothing for long: it is reused once its process is reaped. A pid together
 * with its start time names exactly one process, so everything that signals later compares both.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { call, ops, runAsync, runSync, withFile, type Io } from '../store/io.js';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /**
   * The session id on Linux, the process group id on macOS: a `setsid` child leads its own, and
   * its descendants keep it even after they are reparented to init.
   */
  group: number;
  /** The start time as the OS tells it (clock ticks since boot on Linux, `lstart` on macOS). */
  start: string;
  /** The executable's short name (`comm`), for logs. */
  name: string;
  /** Exited but not yet reaped by its parent: it runs no more and needs no signal. */
  zombie: boolean;
}

type Platform = 'linux' | 'darwin' | 'unsupported';
const PLATFORM: Platform = process.platform === 'linux' ? 'linux' : process.platform === 'darwin' ? 'darwin' : 'unsupported';

/** False on Windows (and other systems without `/proc` or BSD `ps`): no tree can be walked. */
export const canReadProcessTable = PLATFORM !== 'unsupported';

// ---- reading /proc -----------------------------------------------------------------------------

// A /proc file reports size 0, so fs.readFile reads it into a fresh 64 KiB buffer: for a stat
// line of ~300 bytes, read for every thread of every session on each look at its tree, that was
// most of the host's garbage with 20 sessions (the 20-session bench's GC time and longest
// stalls). These read into a small buffer and grow it only for a longer file (`environ`).
const PROC_READ_BYTES = 1024;

/** One body for both modes (store/io.ts): the async tree walk and the blocking one of dispose. */
function readProc(file: string): Io<string> {
  return withFile(file, 'r', function* (fd) {
    let buf = Buffer.allocUnsafe(PROC_READ_BYTES);
    let n = 0;
    for (;;) {
      if (n === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)], buf.length * 2);
      const bytesRead = yield* call(ops.read, fd, buf, n, buf.length - n, n);
      if (bytesRead === 0) return buf.toString('latin1', 0, n);
      n += bytesRead;
    }
  });
}

const readProcText = (file: string): Promise<string> => runAsync(readProc(file));
const readProcTextSync = (file: string): string => runSync(readProc(file));

// ---- Linux: /proc/<pid>/stat ------------------------------------------------------------------

/**
 * `/proc/<pid>/stat`: `pid (comm) state ppid pgrp session … starttime(22) …`. comm may hold
 * spaces and parentheses, so the fixed fields are read after the last `)`.
 */
export function parseProcStat(text: string): ProcessInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(fields[1]);
  const session = Number(fields[3]);
  const start = fields[19];
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(session) || !start) return undefined;
  const state = fields[0] ?? '';
  return { pid, ppid, group: session, start, name: text.slice(open + 1, close), zombie: state === 'Z' || state === 'X' };
}

function linuxReadSync(pid: number): ProcessInfo | undefined {
  try {
    return parseProcStat(readProcTextSync(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

async function linuxRead(pid: number): Promise<ProcessInfo | undefined> {
  try {
    return parseProcStat(await readProcText(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

const isPidName = (name: string) => name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57;

function linuxListSync(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!isPidName(name)) continue;
    const info = linuxReadSync(Number(name));
    if (info) out.push(info);
  }
  return out;
}

async function linuxList(): Promise<ProcessInfo[]> {
  const names = (await fsp.readdir('/proc')).filter(isPidName);
  const infos = await Promise.all(names.map((n) => linuxRead(Number(n))));
  return infos.filter((i): i is ProcessInfo => i !== undefined);
}

/**
 * The children of `pid` from `/proc/<pid>/task/<tid>/children` (one file per thread: a child
 * belongs to the thread that forked it). Reads a few files instead of the whole table; undefined
 * where the kernel does not offer them (CONFIG_PROC_CHILDREN).
 */
let childrenFilesMissing = false;
async function linuxChildPids(pid: number): Promise<number[] | undefined> {
  if (childrenFilesMissing) return undefined;
  let tids: string[];
  try {
    tids = await fsp.readdir(`/proc/${pid}/task`);
  } catch {
    return []; // gone
  }
  const lists = await Promise.all(
    tids.map((tid) =>
      readProcText(`/proc/${pid}/task/${tid}/children`).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' && fs.existsSync(`/proc/${pid}/task/${tid}`)) childrenFilesMissing = true;
        return '';
      }),
    ),
  );
  if (childrenFilesMissing) return undefined;
  return lists.flatMap((l) => l.split(' ').filter(Boolean).map(Number));
}

// ---- macOS: ps ----------------------------------------------------------------------------------

const PS_ARGS = ['-o', 'pid=,ppid=,pgid=,stat=,lstart=,comm='];
// `lstart` is `Tue Jan  2 03:04:05 2024` in the C locale; comm comes last as it may hold spaces.
const PS_LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\s+(.*)$/;
const PS_ENV = { ...process.env, LC_ALL: 'C', LANG: 'C' };

export function parsePsLines(text: string): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const line of text.split('\n')) {
    const m = PS_LINE.exec(line);
    if (!m) continue;
    const comm = m[6]!.trim();
    out.push({ pid: Number(m[1]), ppid: Number(m[2]), group: Number(m[3]), start: m[5]!, name: comm.slice(comm.lastIndexOf('/') + 1), zombie: m[4]!.startsWith('Z') });
  }
  return out;
}

function psSync(args: string[]): ProcessInfo[] {
  try {
    return parsePsLines(execFileSync('ps', [...args, ...PS_ARGS], { encoding: 'utf8', env: PS_ENV, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch (err) {
    // `ps -p` exits 1 when no such process: its stdout is still the (empty) answer.
    return parsePsLines(String((err as { stdout?: unknown }).stdout ?? ''));
  }
}

function ps(args: string[]): Promise<ProcessInfo[]> {
  return new Promise((resolve) => {
    execFile('ps', [...args, ...PS_ARGS], { encoding: 'utf8', env: PS_ENV, maxBuffer: 16 * 1024 * 1024 }, (_err, stdout) => resolve(parsePsLines(String(stdout ?? ''))));
  });
}

// ---- the API ------------------------------------------------------------------------------------

/** One process, or undefined when there is none with that pid (or it cannot be read). */
export function readProcessSync(pid: number): ProcessInfo | undefined {
  if (PLATFORM === 'linux') return linuxReadSync(pid);
  if (PLATFORM === 'darwin') return psSync(['-p', String(pid)])[0];
  return undefined;
}

export function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  if (PLATFORM === 'linux') return linuxRead(pid);
  if (PLATFORM === 'darwin') return ps(['-p', String(pid)]).then((l) => l[0]);
  return Promise.resolve(undefined);
}

/** Every process of the machine; empty where the table cannot be read. */
export function listProcessesSync(): ProcessInfo[] {
  if (PLATFORM === 'linux') return linuxListSync();
  if (PLATFORM === 'darwin') return psSync(['-A']);
  return [];
}

export function listProcesses(): Promise<ProcessInfo[]> {
  if (PLATFORM === 'linux') return linuxList();
  if (PLATFORM === 'darwin') return ps(['-A']);
  return Promise.resolve([]);
}

/** A process with this pid exists (any process: no identity check; see processTree's isAlive). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The processes of `table` started at or after `since` (Linux start ticks) whose environment
 * holds exactly `entry` (`NAME=value`). Processes of other users cannot be read and are skipped.
 */
export async function withEnvironment(table: readonly ProcessInfo[], entry: string, since: number): Promise<ProcessInfo[]> {
  if (PLATFORM !== 'linux') return [];
  const candidates = table.filter((p) => Number(p.start) >= since && !p.zombie);
  const environs = await Promise.all(candidates.map((p) => readProcText(`/proc/${p.pid}/environ`).catch(() => '')));
  return candidates.filter((_, i) => holdsEntry(environs[i]!, entry));
}

export function withEnvironmentSync(table: readonly ProcessInfo[], entry: string, since: number): ProcessInfo[] {
  if (PLATFORM !== 'linux') return [];
  return table.filter((p) => {
    if (Number(p.start) < since || p.zombie) return false;
    try {
      return holdsEntry(readProcTextSync(`/proc/${p.pid}/environ`), entry);
    } catch {
      return false;
    }
  });
}

/** `environ` is NUL-separated `NAME=value` entries. */
function holdsEntry(environ: string, entry: string): boolean {
  for (let i = environ.indexOf(entry); i >= 0; i = environ.indexOf(entry, i + 1)) {
    const end = i + entry.length;
    if ((i === 0 || environ.charCodeAt(i - 1) === 0) && (end === environ.length || environ.charCodeAt(end) === 0)) return true;
  }
  return false;
}

/** This boot of the machine (Linux): start ticks count from boot, so they name a process within one boot only. */
export function bootId(): string {
  if (PLATFORM !== 'linux') return '';
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch {
    return '';
  }
}

/**
 * The direct children of `pid`, cheaply where the OS allows (Linux); undefined means "ask
 * listProcesses()" instead.
 */
export function childPids(pid: number): Promise<number[] | undefined> {
  return PLATFORM === 'linux' ? linuxChildPids(pid) : Promise.resolve(undefined);
}
