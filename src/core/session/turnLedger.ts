/**
 * A session's turns: which one is in flight, what each cost, how each ended (remembered a while
 * for callers that ask late), and the error a failed one leaves on the session.
 */
import type { SDKAssistantMessage, SDKResultMessage } from '../protocol/messages.js';
import { turnMetricsFromResult } from './metrics.js';
import type { TurnEndEvent } from './sessionEvents.js';
import { assistantError, turnEnding, turnError, type AssistantErrorKind, type TurnEnding } from './turnErrors.js';
import type { ErrorInfo, SessionMetrics } from './types.js';

/** How many ended turns a session remembers for late `turnEnded` lookups. */
const REMEMBERED_TURNS = 32;

export interface EndedTurn {
  event: TurnEndEvent;
  ending: TurnEnding;
  /** Set when the turn ended in error: what the session's record shows until a turn succeeds. */
  error?: ErrorInfo;
}

export class TurnLedger {
  private count: number;
  /** The prompt whose turn is in flight: the CLI runs the turns we write one at a time. */
  private inFlight: string | undefined;
  private readonly ended = new Map<string, TurnEndEvent>();
  /** The `error` of the turn's last assistant message (an API failure the CLI reported). */
  private apiError: AssistantErrorKind | undefined;

  constructor(turnsSoFar: number) {
    this.count = turnsSoFar;
  }

  /** Our prompt `uuid` was written: its turn is the one in flight. */
  started(uuid: string): void {
    this.inFlight = uuid;
    this.apiError = undefined;
  }

  /** An assistant message of the turn (subagents' ones do not decide how the turn ended). */
  sawAssistant(message: SDKAssistantMessage): void {
    if (!message.parent_tool_use_id) this.apiError = assistantError(message);
  }

  /** The turn's `result`: its figures (added to `totals`), how it ended, and the error it leaves. */
  end(sessionId: string, result: SDKResultMessage, totals: SessionMetrics, costBefore: number, model: string | undefined, now: number): EndedTurn {
    this.count += 1;
    const metrics = turnMetricsFromResult(sessionId, this.count, result, costBefore, model, now);
    totals.inputTokens += metrics.inputTokens;
    totals.outputTokens += metrics.outputTokens;
    totals.cacheReadInputTokens += metrics.cacheReadInputTokens;
    totals.cacheCreationInputTokens += metrics.cacheCreationInputTokens;
    totals.costUsd += metrics.costUsd;
    totals.durationMs += metrics.durationMs;
    totals.turns = this.count;
    const event: TurnEndEvent = { sessionId, metrics, result, ...(this.inFlight ? { promptUuid: this.inFlight } : {}) };
    if (this.inFlight) {
      this.ended.set(this.inFlight, event);
      if (this.ended.size > REMEMBERED_TURNS) this.ended.delete(this.ended.keys().next().value!);
      this.inFlight = undefined;
    }
    const error = turnError(result, this.apiError, model);
    this.apiError = undefined;
    return { event, ending: turnEnding(result), ...(error ? { error } : {}) };
  }

  /** The end of the turn the prompt `promptUuid` started, if it has ended (recent turns only). */
  turnEnded(promptUuid: string): TurnEndEvent | undefined {
    return this.ended.get(promptUuid);
  }

  isInFlight(uuid: string): boolean {
    return this.inFlight === uuid;
  }
}
