/**
 * The process tree of one live process as last seen, kept fresh at a low rate. Once the root is
 * gone its children are reparented to init and can no longer be found from it: what was seen
 * here (pid + start time) is how they are still found and ended, and what the registry writes
 * down for restart recovery.
 */
import { Emitter, type Disposable, type Event } from '../lifecycle.js';
import { childPids, listProcesses, readProcess, readProcessSync } from './processTable.js';
import { collectTree, endTree, endTreeSync, identityOf, type EndTreeOptions, type ProcessIdentity, type TreeEnd, type TreeMarker } from './processTree.js';

export interface TrackedTreeOptions {
  /** How often the tree is looked at while the root is quiet (an idle session: rarely). */
  refreshMs?: number;
  /** After activity (the CLI wrote a line), look again this soon: tools start right after. */
  nudgeDelayMs?: number;
  /** Activity brings a look at most this often (a streaming turn writes many lines a second). */
  nudgeIntervalMs?: number;
}

/** Dead session leaders are kept (their orphans keep the session id); this many at most. */
const MAX_REMEMBERED = 64;

export class TrackedTree implements Disposable {
  private readonly onDidChangeEmitter = new Emitter<readonly ProcessIdentity[]>();
  /** The known members changed (a tool started or ended). */
  readonly onDidChange: Event<readonly ProcessIdentity[]> = this.onDidChangeEmitter.event;

  private readonly known = new Map<number, ProcessIdentity>();
  private rootAlive = true;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private nudgeTimer: NodeJS.Timeout | undefined;
  private readonly nudgeDelayMs: number;
  private readonly nudgeIntervalMs: number;
  private lastLook = 0;
  private disposed = false;

  /**
   * Reads the root's start time now, while it surely runs (empty where the OS has no table).
   * `markerValue`: the value of TREE_MARKER_VARIABLE in the root's environment, if set.
   */
  static forRoot(pid: number, markerValue?: string, options: TrackedTreeOptions = {}): TrackedTree {
    const info = readProcessSync(pid);
    const root = info ? identityOf(info) : { pid, start: '', name: '' };
    return new TrackedTree(root, markerValue && root.start ? { value: markerValue, since: root.start } : undefined, options);
  }

  constructor(
    readonly root: ProcessIdentity,
    readonly marker: TreeMarker | undefined,
    options: TrackedTreeOptions = {},
  ) {
    this.nudgeDelayMs = options.nudgeDelayMs ?? 300;
    this.nudgeIntervalMs = options.nudgeIntervalMs ?? 2000;
    const refreshMs = options.refreshMs ?? 10_000;
    if (refreshMs > 0 && root.start) {
      this.timer = setInterval(() => void this.refresh(), refreshMs);
      this.timer.unref();
    }
  }

  /** The root (until it exits) and every descendant seen, oldest first. */
  get members(): ProcessIdentity[] {
    return [...(this.rootAlive ? [this.root] : []), ...this.known.values()];
  }

  /** Looks again soon; calls in a row cost one look, and looks come at most every nudgeIntervalMs. */
  nudge(): void {
    if (this.disposed || this.nudgeTimer || !this.rootAlive || !this.root.start) return;
    const delay = Math.max(this.nudgeDelayMs, this.lastLook + this.nudgeIntervalMs - performance.now());
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      void this.refresh();
    }, delay);
    this.nudgeTimer.unref();
  }

  /**
   * Adds the children of every living member, drops members that are gone (keeping dead
   * session leaders). Reads a few `/proc` files per member where Linux allows, else the table.
   */
  refresh(): Promise<void> {
    if (this.disposed || !this.root.start) return Promise.resolve();
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.look();
      } while (this.again && !this.disposed);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The root has exited: its pid may be reused from now on, so it is never signalled again. */
  rootExited(): void {
    this.rootAlive = false;
    clearInterval(this.timer);
    clearTimeout(this.nudgeTimer);
  }

  /** Ends every member (TERM, grace, KILL, re-check) and forgets them. */
  async end(options: Omit<EndTreeOptions, 'marker'> = {}): Promise<TreeEnd> {
    const result = await endTree(this.members, { ...options, ...(this.marker ? { marker: this.marker } : {}) });
    this.forgetEnded();
    return result;
  }

  /** SIGKILL to every member, synchronously. */
  endSync(): TreeEnd {
    const result = endTreeSync(this.members, this.marker);
    this.forgetEnded();
    return result;
  }

  dispose(): void {
    this.disposed = true;
    this.rootExited();
    this.onDidChangeEmitter.dispose();
  }

  private async look(): Promise<void> {
    this.lastLook = performance.now();
    const before = this.signature();
    const living = await this.livingMembers();
    const lists = await Promise.all(living.map((m) => childPids(m.pid)));
    const children = lists.every((c) => c !== undefined) ? lists : undefined;
    if (!children) {
      // No cheap way on this system: one look at the whole table.
      for (const p of collectTree(await listProcesses(), this.members)) if (p.pid !== this.root.pid) this.known.set(p.pid, identityOf(p));
    } else {
      const fresh = [...new Set(children.flat())].filter((pid) => pid !== this.root.pid && !this.known.has(pid));
      const infos = await Promise.all(fresh.map((pid) => readProcess(pid)));
      for (const info of infos) if (info && !info.zombie) this.known.set(info.pid, identityOf(info));
    }
    if (this.disposed) return;
    if (this.signature() !== before) this.onDidChangeEmitter.fire(this.members);
  }

  /**
   * Members whose children can still be found: running ones, and zombies (exited, not yet reaped:
   * their children still name them as parent). The dead are dropped, but dead leaders are
   * remembered for their sessions.
   */
  private async livingMembers(): Promise<ProcessIdentity[]> {
    const members = this.members;
    const infos = await Promise.all(members.map((m) => readProcess(m.pid)));
    const living: ProcessIdentity[] = [];
    members.forEach((m, i) => {
      const info = infos[i];
      if (info && info.start === m.start) {
        living.push(m);
        // Seen between fork and setsid/exec the first time: its session and name are known now.
        if (m.pid !== this.root.pid) this.known.set(m.pid, identityOf(info));
      } else if (m.pid === this.root.pid) return;
      else if (!m.leader) this.known.delete(m.pid);
    });
    while (this.known.size > MAX_REMEMBERED) this.known.delete(this.known.keys().next().value!);
    return living;
  }

  private forgetEnded(): void {
    const before = this.signature();
    this.known.clear();
    if (!this.disposed && this.signature() !== before) this.onDidChangeEmitter.fire(this.members);
  }

  private signature(): string {
    return this.members.map((m) => `${m.pid}:${m.start}`).join(',');
  }
}
