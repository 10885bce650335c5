/**
 * Five-hour usage blocks, computed the way ccusage computes them (ryoppippi/ccusage,
 * apps/ccusage/src/_session-blocks.ts), so the figures agree with the tool people compare us to:
 *
 * - entries in time order; a block starts at its first entry's time floored to the (UTC) hour
 *   and lasts five hours;
 * - an entry more than five hours after the block's start, or more than five hours after the
 *   previous entry, starts a new block; a silence longer than five hours also leaves a gap
 *   (from five hours after the last entry to the next entry);
 * - a block is active while now is before its end and less than five hours after its last entry;
 * - burn rate: tokens (all four kinds) per minute and cost per hour between the block's first
 *   and last entry (none with a single entry or no elapsed time); the indicator rate counts
 *   input + output only;
 * - projection (active blocks only): the burn rate carried on to the block's end; cost rounded
 *   to cents, tokens and minutes to whole numbers.
 *
 * Shannon's entries are turns (it records usage per `result`), stamped at the turn's start.
 */
import type { Usage } from '../session/types';

export const BLOCK_MS = 5 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

export interface UsageEntry extends Usage {
  at: number;
  costUsd: number;
  /** Folded model id ('' unknown). */
  model: string;
}

export interface UsageBlock extends Usage {
  /** Start (ms), floored to the hour; for a gap, five hours after the last entry before it. */
  start: number;
  /** start + 5 h; for a gap, the next entry's time. */
  end: number;
  /** The last entry's time (absent for gaps). */
  lastEntryAt?: number;
  firstEntryAt?: number;
  isActive: boolean;
  isGap: boolean;
  entries: number;
  costUsd: number;
  totalTokens: number;
  models: string[];
}

export interface BurnRate {
  /** Input, output and both cache kinds, per minute. */
  tokensPerMinute: number;
  /** Input + output only, per minute (ccusage's HIGH/MODERATE/NORMAL indicator uses this). */
  indicatorTokensPerMinute: number;
  costPerHour: number;
}

export interface BlockProjection {
  totalTokens: number;
  costUsd: number;
  remainingMinutes: number;
}

export function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens;
}

/** The UTC hour containing `ms`: whole-hour time zones see their own hour; ccusage floors in UTC. */
export function floorToHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

export function identifyBlocks(entries: readonly UsageEntry[], now: number): UsageBlock[] {
  const sorted = [...entries].sort((a, b) => a.at - b.at);
  const blocks: UsageBlock[] = [];
  let start: number | undefined;
  let current: UsageEntry[] = [];
  for (const entry of sorted) {
    if (start === undefined) {
      start = floorToHour(entry.at);
      current = [entry];
      continue;
    }
    const last = current.at(-1)!;
    const sinceLast = entry.at - last.at;
    if (entry.at - start > BLOCK_MS || sinceLast > BLOCK_MS) {
      blocks.push(makeBlock(start, current, now));
      if (sinceLast > BLOCK_MS) blocks.push(gapBlock(last.at, entry.at));
      start = floorToHour(entry.at);
      current = [entry];
    } else {
      current.push(entry);
    }
  }
  if (start !== undefined && current.length > 0) blocks.push(makeBlock(start, current, now));
  return blocks;
}

export function burnRate(block: UsageBlock): BurnRate | undefined {
  if (block.isGap || block.entries === 0 || block.firstEntryAt === undefined || block.lastEntryAt === undefined) return undefined;
  const minutes = (block.lastEntryAt - block.firstEntryAt) / MINUTE_MS;
  if (minutes <= 0) return undefined;
  return {
    tokensPerMinute: block.totalTokens / minutes,
    indicatorTokensPerMinute: (block.inputTokens + block.outputTokens) / minutes,
    costPerHour: (block.costUsd / minutes) * 60,
  };
}

export function projectBlock(block: UsageBlock, now: number): BlockProjection | undefined {
  if (!block.isActive || block.isGap) return undefined;
  const rate = burnRate(block);
  if (!rate) return undefined;
  const remainingMinutes = Math.max(0, (block.end - now) / MINUTE_MS);
  return {
    totalTokens: Math.round(block.totalTokens + rate.tokensPerMinute * remainingMinutes),
    costUsd: Math.round((block.costUsd + (rate.costPerHour / 60) * remainingMinutes) * 100) / 100,
    remainingMinutes: Math.round(remainingMinutes),
  };
}

function makeBlock(start: number, entries: UsageEntry[], now: number): UsageBlock {
  const end = start + BLOCK_MS;
  const last = entries.at(-1)!.at;
  const usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  let costUsd = 0;
  const models = new Set<string>();
  for (const e of entries) {
    usage.inputTokens += e.inputTokens;
    usage.outputTokens += e.outputTokens;
    usage.cacheReadInputTokens += e.cacheReadInputTokens;
    usage.cacheCreationInputTokens += e.cacheCreationInputTokens;
    costUsd += e.costUsd;
    models.add(e.model);
  }
  return {
    start,
    end,
    firstEntryAt: entries[0]!.at,
    lastEntryAt: last,
    isActive: now - last < BLOCK_MS && now < end,
    isGap: false,
    entries: entries.length,
    costUsd,
    ...usage,
    totalTokens: totalTokens(usage),
    models: [...models],
  };
}

function gapBlock(lastActivity: number, nextActivity: number): UsageBlock {
  return {
    start: lastActivity + BLOCK_MS,
    end: nextActivity,
    isActive: false,
    isGap: true,
    entries: 0,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    totalTokens: 0,
    models: [],
  };
}
