/** Turns the CLI's `result` message into Shannon's per-turn figures. */
import type { SDKResultMessage } from '../protocol/messages.js';
import type { TurnMetrics } from './types.js';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * `total_cost_usd` counts everything the process has spent so far, so a turn's cost is the
 * difference from the previous result of the same process (`costBefore`).
 */
export function turnMetricsFromResult(sessionId: string, turn: number, result: SDKResultMessage, costBefore: number, model: string | undefined, now: number): TurnMetrics {
  const usage = (result.usage ?? {}) as unknown as Record<string, unknown>;
  const total = num(result.total_cost_usd);
  const models = Object.keys(result.modelUsage ?? {});
  return {
    sessionId,
    turn,
    endedAt: now,
    model: models.length === 1 ? models[0] : model,
    inputTokens: num(usage.input_tokens),
    outputTokens: num(usage.output_tokens),
    cacheReadInputTokens: num(usage.cache_read_input_tokens),
    cacheCreationInputTokens: num(usage.cache_creation_input_tokens),
    costUsd: total >= costBefore ? total - costBefore : total,
    durationMs: num(result.duration_ms),
    durationApiMs: num(result.duration_api_ms),
    numTurns: num(result.num_turns),
    isError: Boolean(result.is_error),
    subtype: result.subtype,
  };
}
