/**
 * Where `claude` processes are started from: a small helper process (the launcher), not the host.
 *
 * Node starts a process by forking the one that asks (libuv's fork + exec), and a fork costs the
 * asker in proportion to its memory, twice: the fork copies its page tables while the event loop
 * waits, and afterwards every page the asker writes faults once more, as copy-on-write made them
 * all read-only. Measured on this project's 2-core VM (see bench/sessions.bench.ts and docs):
 * a host holding 150 MB that keeps writing it stalls ~550 ms per direct start, 8 ms per start
 * through the launcher. An extension host holds hundreds of MB. So the host forks once, for the
 * launcher (a bare Node process of a few MB, started with the first session), and the launcher
 * forks every `claude`; the child's three pipes come back over the IPC channel as handles (the
 * launcher keeps no copy, so closing stdin here is the CLI's EOF). The host signals children by
 * pid, as before; the launcher reaps them and reports each exit.
 *
 * If the host goes away, the channel closes and the launcher ends what it started. If the
 * launcher cannot start (a Node without IPC, Windows, where starting a process forks nothing),
 * or dies, starts go straight through execa again: a session never depends on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { setPriority } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';

export interface ChildRequest {
  file: string;
  args: string[];
  cwd: string;
  /** The whole environment (not added to the host's). */
  env: Record<string, string | undefined>;
  /**
   * Its niceness (priority.ts), set as soon as it runs; its threads and children inherit it.
   * Undefined or 0: the host's own.
   */
  niceness?: number;
}

export interface ChildPipes {
  pid: number;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
}

/** How a child ended, in execa's terms (classified by ClaudeProcess). */
export interface ChildEnd {
  exitCode?: number;
  signal?: string;
  /** It never ran, or its end is not known (`code` and `message` say why). */
  failed: boolean;
  code?: string;
  message?: string;
}

/** A child being started: its pipes once it runs, and its end. */
export interface LaunchedChild {
  /** Its pid and pipes; undefined when it never ran (`ended` says why). */
  readonly started: Promise<ChildPipes | undefined>;
  /** Settles once, never rejects. */
  readonly ended: Promise<ChildEnd>;
  /** Signals it (now, or as soon as it runs); nothing once it has ended. */
  kill(signal: NodeJS.Signals): void;
}

export type SpawnVia = 'launcher' | 'direct';

/** ChildEnd.code of a child whose launcher died while it ran: how it ended is not known. */
export const LAUNCHER_LOST = 'ELAUNCHER';

/** Starts `request`, through the launcher where there is one. */
export function launch(request: ChildRequest, via: SpawnVia = defaultVia()): LaunchedChild {
  return via === 'launcher' ? theLauncher().launch(request) : launchDirect(request);
}

function defaultVia(): SpawnVia {
  return process.platform === 'win32' || process.env.SHANNON_SPAWN === 'direct' ? 'direct' : 'launcher';
}

// ---- straight from this process (execa) -------------------------------------------------------

function launchDirect(request: ChildRequest): LaunchedChild {
  const subprocess = execa(request.file, request.args, {
    cwd: request.cwd,
    env: request.env,
    extendEnv: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    // Spawned detached: the CLI leads its own session, so the helpers it starts without
    // `setsid` (git, MCP servers) keep its session id and are found even after it exited.
    killDescendants: true,
    // Shannon escalates itself (ClaudeProcess.stop()); execa's own timer would race it.
    forceKillAfterDelay: false,
    // If the host dies by a signal, execa signals the CLI's group (the CLI at least).
    cleanup: true,
    windowsHide: true,
  });
  const { pid, stdin, stdout, stderr } = subprocess;
  if (pid !== undefined && request.niceness) setNiceness(pid, request.niceness);
  const started = pid !== undefined && stdin && stdout && stderr ? Promise.resolve<ChildPipes>({ pid, stdin, stdout, stderr }) : Promise.resolve(undefined);
  const ended = subprocess.then((r) => ({ exitCode: r.exitCode, signal: r.signal, failed: r.failed, code: (r as { code?: string }).code, message: r.originalMessage ?? r.message }));
  let done = false;
  void ended.then(() => (done = true));
  return { started, ended, kill: (signal) => void (done || subprocess.kill(signal)) };
}

// ---- through the launcher ---------------------------------------------------------------------

type SpawnMessage = { type: 'spawn'; id: number } & ChildRequest;

type FromLauncher =
  | { type: 'pipe'; id: number; name: 'stdin' | 'stdout' | 'stderr' }
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'failed'; id: number; code?: string; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: string | null };

interface Pending {
  pipes: Partial<Record<'stdin' | 'stdout' | 'stderr', Socket>>;
  pid?: number;
  /** A signal asked for before the pid was known. */
  signal?: NodeJS.Signals;
  ended: boolean;
  settleStarted(pipes: ChildPipes | undefined): void;
  settleEnded(end: ChildEnd): void;
  /** The launcher went away before this one ran: start it directly instead. */
  redirect(): void;
}

/**
 * The helper's whole program, run as `node -e`: no file to locate in a bundle, nothing of the
 * host's loaders (`--import tsx`, NODE_OPTIONS) in it. Plain JavaScript in a string, as a
 * bundler's rewriting of a function (esbuild's keepNames) would not survive `toString()`.
 * Messages: `spawn` in; `pipe` (three, each with its handle: sending one closes this process's
 * copy), then `spawned`, or `failed`; later `exit`. On `disconnect` (the host is gone) it ends
 * every process group it started: TERM, and KILL after 3 s, and exits once they are gone.
 */
const LAUNCHER_SOURCE = `
const { spawn } = require('node:child_process');
const { setPriority } = require('node:os');
const live = new Map();
const send = (message, handle) => { if (process.connected) process.send(message, handle); };
process.on('message', (m) => {
  if (!m || m.type !== 'spawn') return;
  let child;
  try {
    child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, stdio: 'pipe', detached: true, windowsHide: true });
  } catch (err) {
    send({ type: 'failed', id: m.id, code: err && err.code, message: String(err && err.message) });
    return;
  }
  if (child.pid === undefined) {
    child.once('error', (err) => send({ type: 'failed', id: m.id, code: err.code, message: err.message }));
    return;
  }
  // Not a byte read here: a socket starts reading as it is made, and what it read would stay
  // in this process, as would the handle once it saw the end of a child that exited at once.
  for (const stream of [child.stdout, child.stderr]) {
    if (stream._handle) { stream._handle.reading = false; stream._handle.readStop(); }
  }
  const pid = child.pid;
  // Right after exec, before the CLI has started a thread or a child (they inherit it).
  if (m.niceness) { try { setPriority(pid, m.niceness); } catch {} }
  live.set(pid, child);
  child.on('error', () => undefined);
  send({ type: 'pipe', id: m.id, name: 'stdin' }, child.stdin);
  send({ type: 'pipe', id: m.id, name: 'stdout' }, child.stdout);
  send({ type: 'pipe', id: m.id, name: 'stderr' }, child.stderr);
  send({ type: 'spawned', id: m.id, pid });
  child.once('exit', (code, signal) => {
    live.delete(pid);
    send({ type: 'exit', id: m.id, code, signal });
    if (hostGone && live.size === 0) process.exit(0);
  });
});
let hostGone = false;
process.on('disconnect', () => {
  hostGone = true;
  const signalAll = (signal) => {
    for (const pid of live.keys()) {
      try { process.kill(-pid, signal); } catch {}
    }
  };
  signalAll('SIGTERM');
  if (live.size === 0) process.exit(0);
  setTimeout(() => { signalAll('SIGKILL'); process.exit(0); }, 3000).unref();
});
send({ type: 'ready' });
`;

class Launcher {
  private helper: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Requests made before the launcher was started (it starts on the next turn of the loop). */
  private readonly unsent: SpawnMessage[] = [];
  private nextId = 1;
  /** The helper could not be started or died at start: this process starts children directly. */
  private unusable = false;

  launch(request: ChildRequest): LaunchedChild {
    if (this.unusable) return launchDirect(request);
    const id = this.nextId++;
    let settleStarted!: (p: ChildPipes | undefined) => void;
    let settleEnded!: (e: ChildEnd) => void;
    const started = new Promise<ChildPipes | undefined>((resolve) => (settleStarted = resolve));
    const ended = new Promise<ChildEnd>((resolve) => (settleEnded = resolve));
    let direct: LaunchedChild | undefined;
    const entry: Pending = {
      pipes: {},
      ended: false,
      settleStarted,
      settleEnded: (end) => {
        if (entry.ended) return;
        entry.ended = true;
        this.pending.delete(id);
        this.holdLoop();
        settleEnded(end);
      },
      redirect: () => {
        this.pending.delete(id);
        this.holdLoop();
        direct = launchDirect(request);
        if (entry.signal) direct.kill(entry.signal);
        void direct.started.then(settleStarted);
        void direct.ended.then(settleEnded);
      },
    };
    this.pending.set(id, entry);
    this.send({ type: 'spawn', id, ...request });
    return {
      started,
      ended,
      kill: (signal) => {
        if (direct) return direct.kill(signal);
        if (entry.ended) return;
        if (entry.pid === undefined) entry.signal = signal;
        else signalPid(entry.pid, signal);
      },
    };
  }

  /**
   * Sends a spawn request, starting the launcher first if there is none. Its start (a fork of
   * this host: the one that still costs by the host's size) runs as a task of its own, not
   * inside the caller's: a session's start already holds the loop for its own work.
   */
  private send(message: SpawnMessage): void {
    if (this.helper) {
      this.holdLoop();
      this.helper.send(message);
      return;
    }
    this.unsent.push(message);
    if (this.unsent.length > 1) return;
    setImmediate(() => {
      const waiting = this.unsent.splice(0).filter((m) => this.pending.has(m.id));
      const helper = this.unusable ? undefined : this.startHelper();
      for (const m of waiting) {
        if (helper) this.send(m);
        else this.pending.get(m.id)?.redirect();
      }
    });
  }

  private startHelper(): ChildProcess | undefined {
    if (this.helper) return this.helper;
    // Nothing of the host's environment: each child gets its own whole environment with its
    // request, and the launcher is no process "with the session's environment" for anyone
    // looking for what a session left. (Electron's binary runs as Node with this variable.)
    const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
    let helper: ChildProcess;
    try {
      helper = spawn(process.execPath, ['-e', LAUNCHER_SOURCE], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env, windowsHide: true, serialization: 'json' });
    } catch {
      this.unusable = true;
      return undefined;
    }
    let ready = false;
    helper.on('message', (m: FromLauncher | { type: 'ready' }, handle?: Socket) => {
      if (m.type === 'ready') {
        ready = true;
        return;
      }
      this.onMessage(m, handle);
    });
    helper.on('error', () => undefined);
    helper.once('exit', () => {
      if (this.helper === helper) this.helper = undefined;
      // Never came up: this Node cannot run it; start children here from now on.
      if (!ready) this.unusable = true;
      this.lost();
    });
    // An idle launcher does not keep the host alive (holdLoop refs it while a child is pending).
    helper.unref();
    this.helper = helper;
    return helper;
  }

  private onMessage(m: FromLauncher, handle: Socket | undefined): void {
    const entry = this.pending.get(m.id);
    if (!entry) {
      handle?.destroy();
      return;
    }
    switch (m.type) {
      case 'pipe':
        if (handle) entry.pipes[m.name] = handle;
        return;
      case 'spawned': {
        const { stdin, stdout, stderr } = entry.pipes;
        if (!stdin || !stdout || !stderr) {
          signalPid(m.pid, 'SIGKILL');
          entry.settleStarted(undefined);
          entry.settleEnded({ failed: true, code: 'EPIPE', message: "Shannon's launcher did not hand over the process's pipes." });
          return;
        }
        entry.pid = m.pid;
        entry.settleStarted({ pid: m.pid, stdin, stdout, stderr });
        if (entry.signal) signalPid(m.pid, entry.signal);
        return;
      }
      case 'failed':
        entry.settleStarted(undefined);
        entry.settleEnded({ failed: true, code: m.code, message: m.message });
        return;
      case 'exit':
        entry.settleEnded({ exitCode: m.code ?? undefined, signal: m.signal ?? undefined, failed: m.code !== 0 });
        return;
    }
  }

  /** The launcher is gone: what had not started starts directly; what ran has an unknown end. */
  private lost(): void {
    for (const entry of [...this.pending.values()]) {
      if (entry.pid === undefined) entry.redirect();
      else entry.settleEnded({ failed: true, code: LAUNCHER_LOST, message: "Shannon's process launcher ended while it ran" });
    }
  }

  /** The channel keeps the host's event loop alive exactly while a child is starting or running. */
  private holdLoop(): void {
    const channel = this.helper?.channel as { ref?(): void; unref?(): void } | null | undefined;
    if (this.pending.size > 0) channel?.ref?.();
    else channel?.unref?.();
  }
}

/** Lowers a child's priority; one that is gone, or a niceness not allowed here, is no error (it runs as it is). */
function setNiceness(pid: number, value: number): void {
  try {
    setPriority(pid, value);
  } catch {
    // ESRCH (exited at once) or EACCES: the child keeps the host's priority.
  }
}

/** Signals a launched child by pid; one that exited meanwhile is no error (its exit is on the way). */
function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: gone already.
  }
}

let shared: Launcher | undefined;
function theLauncher(): Launcher {
  shared ??= new Launcher();
  return shared;
}
