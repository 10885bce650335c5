/**
 * How full a session's context window is, from the CLI's `get_context_usage` control request
 * (the data behind `/context`), asked after each turn of a session someone is looking at.
 * Shapes: sdk.d.ts SDKControlGetContextUsageResponse, checked against the real CLI (see
 * test/fixtures/cli/README.md, "Context window and compaction").
 */
import { DisposableStore, Emitter, type Disposable, type Event } from '../lifecycle';
import type { JsonObject } from '../protocol/messages';
import type { MessageEvent, SessionManager } from '../session/manager';
import { ShannonError } from '../errors';

export interface ContextCategory {
  name: string;
  tokens: number;
}

/** What a session panel's meter shows. Plain JSON. */
export interface ContextWindow {
  /** Tokens in the context now. */
  usedTokens: number;
  /** The window's size for the model (1,000,000 for a `[1m]` model). */
  maxTokens: number;
  /** 0–100, as the CLI rounds it. */
  percent: number;
  /** Where auto-compaction starts, in tokens, when it is on. */
  autoCompactAt?: number;
  model?: string;
  /** By size, largest first; "Free space" and the autocompact buffer left out. */
  categories: ContextCategory[];
  at: number;
}

/** The parts of a `get_context_usage` response the meter needs; undefined if it is not one. */
export function contextWindowFrom(raw: JsonObject | undefined, at: number): ContextWindow | undefined {
  if (!raw || typeof raw.totalTokens !== 'number' || typeof raw.maxTokens !== 'number' || raw.maxTokens <= 0) return undefined;
  const categories = Array.isArray(raw.categories)
    ? (raw.categories as unknown[])
        .filter((c): c is { name: string; tokens: number } => typeof (c as ContextCategory)?.name === 'string' && typeof (c as ContextCategory).tokens === 'number')
        .filter((c) => c.tokens > 0 && !/^(free space|autocompact buffer)$/i.test(c.name))
        .map((c) => ({ name: c.name, tokens: c.tokens }))
        .sort((a, b) => b.tokens - a.tokens)
    : [];
  const percent = typeof raw.percentage === 'number' ? raw.percentage : Math.round((raw.totalTokens / raw.maxTokens) * 100);
  return {
    usedTokens: raw.totalTokens,
    maxTokens: raw.maxTokens,
    percent: Math.max(0, Math.min(100, percent)),
    ...(raw.isAutoCompactEnabled === true && typeof raw.autoCompactThreshold === 'number' ? { autoCompactAt: raw.autoCompactThreshold } : {}),
    ...(typeof raw.model === 'string' ? { model: raw.model } : {}),
    categories,
    at,
  };
}

export interface ContextChange {
  sessionId: string;
  context: ContextWindow;
}

export interface ContextWindowsOptions {
  manager: Pick<SessionManager, 'onDidMessage' | 'liveSession'>;
  /** Only sessions someone looks at are asked: each request costs the CLI token counting. */
  isWatched(sessionId: string): boolean;
  now?: () => number;
}

/** The last context reading per session, refreshed after every turn of a watched session. */
export class ContextWindows implements Disposable {
  private readonly onDidChangeEmitter = new Emitter<ContextChange>();
  readonly onDidChange: Event<ContextChange> = this.onDidChangeEmitter.event;
  private readonly disposables = new DisposableStore();
  private readonly latest = new Map<string, ContextWindow>();
  private readonly inFlight = new Map<string, Promise<ContextWindow | undefined>>();
  private readonly now: () => number;

  constructor(private readonly options: ContextWindowsOptions) {
    this.now = options.now ?? Date.now;
    this.disposables.add(this.onDidChangeEmitter);
    this.disposables.add(options.manager.onDidMessage((e) => this.onMessage(e)));
  }

  /** The last reading, if any. */
  get(sessionId: string): ContextWindow | undefined {
    return this.latest.get(sessionId);
  }

  /** Asks the session's process now; resolves with the reading (undefined without a process). */
  refresh(sessionId: string): Promise<ContextWindow | undefined> {
    const running = this.inFlight.get(sessionId);
    if (running) return running;
    const session = this.options.manager.liveSession(sessionId);
    if (!session?.hasProcess) return Promise.resolve(undefined);
    const request = session
      .request({ subtype: 'get_context_usage' }, { timeoutMs: 30_000 })
      .then((raw) => {
        const context = contextWindowFrom(raw, this.now());
        if (context) {
          this.latest.set(sessionId, context);
          this.onDidChangeEmitter.fire({ sessionId, context });
        }
        return context;
      })
      .catch((err: unknown) => {
        // The process ended meanwhile, or a CLI without the request: no reading, no noise.
        if (err instanceof ShannonError) return undefined;
        throw err;
      })
      .finally(() => this.inFlight.delete(sessionId));
    this.inFlight.set(sessionId, request);
    return request;
  }

  dispose(): void {
    this.disposables.dispose();
    this.latest.clear();
  }

  private onMessage(e: MessageEvent): void {
    if (e.direction !== 'in') return;
    // After each turn, and after a compaction (its boundary comes before that turn's result).
    if (e.message.kind === 'result' && this.options.isWatched(e.sessionId)) void this.refresh(e.sessionId);
  }
}
