/**
 * A turn's cost from the CLI's `result` messages read in order. `total_cost_usd` and `modelUsage`
 * are running totals for the *process*; `usage` is the turn's own sum over its API calls
 * (test/fixtures/cli/README.md). A resumed session runs in a new process whose totals start again,
 * and the transcript holds no marker of where one process ended: the totals say it. Within one
 * process the cumulative tokens grow by at least this turn's tokens; when they did not, the result
 * comes from a new process and its whole total is this turn's.
 *
 * (The session itself knows its process and counts exactly: session/metrics.ts. This is for views
 * that read a stored transcript: the panel, the output channel, the MCP text.)
 */
import { isObject, num, type Json } from './values';

interface Totals {
  costUsd: number;
  /** Sum of every token counter over `modelUsage`; undefined when the CLI sent none. */
  tokens: number | undefined;
}

export class TurnCostCounter {
  private last: Totals | undefined;
  private fresh = false;

  /** The last result counted came from a process other than the one before it (or was the first). */
  get newProcess(): boolean {
    return this.fresh;
  }

  /** This result's turn cost; undefined when the result carries no `total_cost_usd`. */
  next(result: Json): number | undefined {
    if (typeof result.total_cost_usd !== 'number') return undefined;
    const now: Totals = { costUsd: result.total_cost_usd, tokens: cumulativeTokens(result.modelUsage) };
    const before = this.last;
    this.last = now;
    this.fresh = !before || !sameProcess(before, now, turnTokens(result.usage));
    return this.fresh || !before ? now.costUsd : now.costUsd - before.costUsd;
  }

  /** Forget the running total (the entries that follow do not continue the ones seen). */
  reset(): void {
    this.last = undefined;
    this.fresh = false;
  }
}

/**
 * The seqs of the `system/init` entries that opened a process: the init of each turn whose result
 * began a new process (the CLI prints an init before every turn, so the init itself cannot tell).
 */
export function processStartInits(entries: ReadonlyArray<{ seq: number; direction: string; type: string; subtype?: string; raw: unknown }>): Set<number> {
  const counter = new TurnCostCounter();
  const starts = new Set<number>();
  let lastInit: number | undefined;
  for (const e of entries) {
    if (e.direction !== 'in' || !isObject(e.raw)) continue;
    if (e.type === 'system' && e.raw.subtype === 'init') lastInit = e.seq;
    else if (e.type === 'result' && counter.next(e.raw) !== undefined && counter.newProcess && lastInit !== undefined) starts.add(lastInit);
  }
  return starts;
}

function sameProcess(before: Totals, now: Totals, turn: number): boolean {
  if (now.costUsd < before.costUsd) return false;
  if (now.tokens === undefined || before.tokens === undefined) return true;
  return now.tokens >= before.tokens + turn;
}

function tokenSum(u: Json, keys: readonly string[]): number {
  return keys.reduce((sum, k) => sum + num(u[k]), 0);
}

const TURN_KEYS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'];
const MODEL_KEYS = ['inputTokens', 'outputTokens', 'cacheReadInputTokens', 'cacheCreationInputTokens'];

function turnTokens(usage: unknown): number {
  return isObject(usage) ? tokenSum(usage, TURN_KEYS) : 0;
}

function cumulativeTokens(modelUsage: unknown): number | undefined {
  if (!isObject(modelUsage)) return undefined;
  let sum = 0;
  for (const perModel of Object.values(modelUsage)) if (isObject(perModel)) sum += tokenSum(perModel, MODEL_KEYS);
  return sum;
}
