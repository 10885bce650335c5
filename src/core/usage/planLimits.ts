/**
 * The plan's usage limits (claude.ai Pro / Max / Team: a five-hour and a seven-day window), as
 * the CLI reports them, gathered from every live session:
 *
 * - `rate_limit_event` lines on stdout, which the CLI prints when the API's
 *   `anthropic-ratelimit-unified-*` headers change its view: status, reset time (epoch s), the
 *   window concerned and, once a warning threshold is passed, its utilization (a fraction);
 * - the `get_usage` control request, asked after a turn (at most once a minute) and after each
 *   event: utilization (percent) and reset time (ISO) of every window, or
 *   `rate_limits_available: false` for an API key, Bedrock or Vertex, where plan limits do not
 *   apply.
 *
 * Samples go to a small JSON file (the dashboard's chart), shared by every window that writes it.
 * Shapes: sdk.d.ts (SDKRateLimitEvent, SDKControlGetUsageResponse), checked against the real CLI
 * in test/integration/usage.realcli.test.ts (captures: test/fixtures/cli/rate-limit-login.jsonl).
 */
import { readFile } from 'node:fs/promises';
import { DisposableStore, Emitter, type Disposable, type Event } from '../lifecycle';
import type { JsonObject, SDKControlGetUsageResponse, SDKRateLimitInfo } from '../protocol/messages';
import type { MessageEvent, SessionManager } from '../session/manager';
import { atomicWriteFile } from '../store/files';

/** The windows Shannon shows by name; others (per-model weeks) are kept as they come. */
export type LimitWindowKind = 'five_hour' | 'seven_day' | 'seven_day_opus' | 'seven_day_sonnet' | (string & {});

export interface LimitWindow {
  kind: LimitWindowKind;
  /** Percent of the window used, 0–100 (unknown until the CLI says). */
  utilization?: number;
  /** When the window resets (ms). */
  resetsAt?: number;
  /** From a rate_limit_event: `allowed_warning` past a threshold, `rejected` at the limit. */
  status?: 'allowed' | 'allowed_warning' | 'rejected';
  updatedAt: number;
}

export type PlanLimitsAvailability = 'unknown' | 'available' | 'unavailable';

export interface PlanLimitsState {
  availability: PlanLimitsAvailability;
  /** Why there are no plan limits to show (availability `unavailable`). */
  reason?: string;
  /** `pro`, `max`, `team`, `enterprise` when the CLI says. */
  subscriptionType?: string;
  windows: Partial<Record<LimitWindowKind, LimitWindow>>;
  updatedAt?: number;
}

export interface LimitSample {
  at: number;
  fiveHour?: number;
  sevenDay?: number;
}

export interface PlanLimitsOptions {
  manager: Pick<SessionManager, 'onDidMessage' | 'liveSession'>;
  /** Where samples and the last state are kept; none: memory only. */
  file?: string;
  now?: () => number;
  /** Fewest ms between two `get_usage` requests (each may cost the CLI a request to claude.ai). */
  minQueryIntervalMs?: number;
}

const SAMPLE_DAYS = 8;
const DAY_MS = 86_400_000;
/** A sample that repeats the previous one is still kept this often (the chart's time axis). */
const SAMPLE_EVERY_MS = 5 * 60_000;
const SAMPLE_MERGE_MS = 60_000;

export const API_KEY_REASON =
  'Claude Code runs on an API key here: plan limits (the five-hour and weekly windows) apply to claude.ai Pro, Max and Team logins only, so Shannon shows cost instead.';
const NO_PLAN_REASON = 'Claude Code reports no plan limits for this login (API key, Bedrock, Vertex or a token without the profile scope), so Shannon shows cost instead.';

export class PlanLimits implements Disposable {
  private readonly onDidChangeEmitter = new Emitter<PlanLimitsState>();
  readonly onDidChange: Event<PlanLimitsState> = this.onDidChangeEmitter.event;
  private readonly disposables = new DisposableStore();
  private readonly now: () => number;
  private readonly minQueryIntervalMs: number;
  private value: PlanLimitsState = { availability: 'unknown', windows: {} };
  private samplesValue: LimitSample[] = [];
  private lastQueryAt = -Infinity;
  private querying = false;
  private askAgain: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private disposed = false;
  readonly loaded: Promise<void>;

  constructor(private readonly options: PlanLimitsOptions) {
    this.now = options.now ?? Date.now;
    this.minQueryIntervalMs = options.minQueryIntervalMs ?? 60_000;
    this.disposables.add(this.onDidChangeEmitter);
    this.disposables.add(options.manager.onDidMessage((e) => this.onMessage(e)));
    this.loaded = this.load();
  }

  get state(): PlanLimitsState {
    return structuredClone(this.value);
  }

  /** Utilization samples of the last days, oldest first. */
  get samples(): LimitSample[] {
    return this.samplesValue.slice();
  }

  /** Asks a live session for `get_usage` now (the throttle still applies unless `force`). */
  async refresh(sessionId: string, force = false): Promise<void> {
    const session = this.options.manager.liveSession(sessionId);
    if (!session?.hasProcess) return;
    if (this.querying) {
      // One at a time; a forced ask waits for the running one and goes next.
      if (force) this.askAgain = sessionId;
      return;
    }
    if (!force && this.now() - this.lastQueryAt < this.minQueryIntervalMs) return;
    this.querying = true;
    this.lastQueryAt = this.now();
    try {
      const response = await session.request({ subtype: 'get_usage' }, { timeoutMs: 15_000 });
      if (!this.disposed && response) this.applyUsage(response);
    } catch {
      // An older CLI without get_usage, or the process ended: the events still count.
    } finally {
      this.querying = false;
      const again = this.askAgain;
      this.askAgain = undefined;
      if (again && !this.disposed) void this.refresh(again, true);
    }
  }

  /** Writes pending samples now (tests; the window closing). */
  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await (this.saving = this.saving.then(() => this.save()));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.saveTimer);
    this.disposables.dispose();
  }

  // ---- what the CLI says ------------------------------------------------------------------

  private onMessage(e: MessageEvent): void {
    if (e.direction !== 'in') return;
    const m = e.message;
    if (m.kind === 'init') {
      // An early word before any get_usage: an API key never has plan limits.
      const source = (m.message as { apiKeySource?: unknown }).apiKeySource;
      if (this.value.availability === 'unknown' && typeof source === 'string' && source !== 'none') {
        this.update({ availability: 'unavailable', reason: API_KEY_REASON });
      }
    } else if (m.kind === 'result') {
      void this.refresh(e.sessionId);
    } else if (m.kind === 'unknown' && m.message.type === 'rate_limit_event') {
      this.applyEvent(m.message.rate_limit_info as SDKRateLimitInfo | undefined);
      // The CLI prints one only when its view changes, and a plain `allowed` carries no
      // utilization: ask for the figures at once, throttle or not.
      void this.refresh(e.sessionId, true);
    }
  }

  private applyEvent(info: SDKRateLimitInfo | undefined): void {
    if (!info || typeof info !== 'object' || typeof info.status !== 'string') return;
    const kind = typeof info.rateLimitType === 'string' ? info.rateLimitType : 'five_hour';
    const previous = this.value.windows[kind];
    const window: LimitWindow = {
      kind,
      status: info.status,
      updatedAt: this.now(),
      // The event's utilization is a fraction, get_usage's a percentage.
      ...(num(info.utilization) !== undefined ? { utilization: clampPercent(num(info.utilization)! * 100) } : info.status === 'rejected' ? { utilization: 100 } : previous?.utilization !== undefined ? { utilization: previous.utilization } : {}),
      ...(num(info.resetsAt) !== undefined ? { resetsAt: num(info.resetsAt)! * 1000 } : previous?.resetsAt !== undefined ? { resetsAt: previous.resetsAt } : {}),
    };
    this.update({ availability: 'available', reason: undefined, windows: { ...this.value.windows, [kind]: window } });
  }

  private applyUsage(raw: JsonObject): void {
    const usage = raw as Partial<SDKControlGetUsageResponse>;
    if (usage.rate_limits_available === false) {
      this.update({ availability: 'unavailable', reason: usage.subscription_type ? NO_PLAN_REASON : API_KEY_REASON, windows: {} });
      return;
    }
    if (usage.rate_limits_available !== true || !usage.rate_limits || typeof usage.rate_limits !== 'object') return;
    const windows = { ...this.value.windows };
    for (const [kind, w] of Object.entries(usage.rate_limits as Record<string, unknown>)) {
      if (!w || typeof w !== 'object' || Array.isArray(w)) continue;
      const { utilization, resets_at } = w as { utilization?: unknown; resets_at?: unknown };
      const resetsAt = typeof resets_at === 'string' ? Date.parse(resets_at) : NaN;
      if (num(utilization) === undefined && Number.isNaN(resetsAt)) continue;
      windows[kind] = {
        kind,
        ...(num(utilization) !== undefined ? { utilization: clampPercent(num(utilization)!) } : {}),
        ...(Number.isNaN(resetsAt) ? {} : { resetsAt }),
        // get_usage carries no status: keep a rejection the events reported for the same window.
        ...(windows[kind]?.status && windows[kind]!.resetsAt === resetsAt ? { status: windows[kind]!.status } : {}),
        updatedAt: this.now(),
      };
    }
    this.update({
      availability: 'available',
      reason: undefined,
      windows,
      ...(typeof usage.subscription_type === 'string' ? { subscriptionType: usage.subscription_type } : {}),
    });
  }

  private update(patch: Partial<PlanLimitsState>): void {
    const next: PlanLimitsState = { ...this.value, ...patch, updatedAt: this.now() };
    if (next.reason === undefined) delete next.reason;
    this.value = next;
    if (next.availability === 'available') this.addSample();
    this.onDidChangeEmitter.fire(this.state);
  }

  // ---- samples on disk --------------------------------------------------------------------

  private addSample(): void {
    const at = this.now();
    const sample: LimitSample = { at };
    const five = this.value.windows.five_hour?.utilization;
    const seven = this.value.windows.seven_day?.utilization;
    if (five !== undefined) sample.fiveHour = five;
    if (seven !== undefined) sample.sevenDay = seven;
    if (five === undefined && seven === undefined) return;
    const last = this.samplesValue.at(-1);
    if (last && last.fiveHour === sample.fiveHour && last.sevenDay === sample.sevenDay && at - last.at < SAMPLE_EVERY_MS) return;
    // An event and the get_usage it prompts land within a second: one reading, not two.
    if (last && at - last.at < SAMPLE_MERGE_MS) this.samplesValue.pop();
    this.samplesValue.push(sample);
    this.samplesValue = recent(this.samplesValue, at);
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (!this.options.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.save());
    }, 1000);
    this.saveTimer.unref?.();
  }

  private async load(): Promise<void> {
    const stored = this.options.file ? await readStored(this.options.file) : undefined;
    if (!stored || this.disposed) return;
    this.samplesValue = merge(stored.samples, this.samplesValue, this.now());
    // Another window's last word, unless this one has heard something since.
    if (this.value.availability === 'unknown' && stored.state) {
      this.value = stored.state;
      this.onDidChangeEmitter.fire(this.state);
    }
  }

  private async save(): Promise<void> {
    const file = this.options.file;
    if (!file) return;
    const other = await readStored(file);
    this.samplesValue = merge(other?.samples ?? [], this.samplesValue, this.now());
    const data: StoredLimits = { version: 1, state: this.value, samples: this.samplesValue };
    await atomicWriteFile(file, JSON.stringify(data)).catch(() => undefined);
  }
}

interface StoredLimits {
  version: 1;
  state?: PlanLimitsState;
  samples: LimitSample[];
}

async function readStored(file: string): Promise<StoredLimits | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<StoredLimits>;
    if (data.version !== 1 || !Array.isArray(data.samples)) return undefined;
    const samples = data.samples.filter((s): s is LimitSample => typeof s?.at === 'number');
    const state = data.state && typeof data.state === 'object' && typeof data.state.availability === 'string' ? data.state : undefined;
    return { version: 1, samples, ...(state ? { state } : {}) };
  } catch {
    return undefined;
  }
}

function merge(a: readonly LimitSample[], b: readonly LimitSample[], now: number): LimitSample[] {
  const byAt = new Map<number, LimitSample>();
  for (const s of [...a, ...b]) byAt.set(s.at, s);
  return recent([...byAt.values()].sort((x, y) => x.at - y.at), now);
}

function recent(samples: LimitSample[], now: number): LimitSample[] {
  const cutoff = now - SAMPLE_DAYS * DAY_MS;
  return samples.filter((s) => s.at >= cutoff);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function clampPercent(v: number): number {
  return Math.round(Math.min(100, Math.max(0, v)) * 10) / 10;
}

/**
 * The window that reads first: the five-hour one while it has not reset, and what remains of
 * it. `undefined` when nothing is known or the window's reset time has passed.
 */
export function currentWindow(state: PlanLimitsState, kind: LimitWindowKind, now: number): LimitWindow | undefined {
  const w = state.windows[kind];
  if (!w) return undefined;
  if (w.resetsAt !== undefined && w.resetsAt <= now) return undefined;
  return w;
}
