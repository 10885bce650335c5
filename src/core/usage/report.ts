/**
 * The usage dashboard's figures, computed from the store in one pass: per day (stacked by
 * model), per model (aliases and variants folded), per workspace folder, the top sessions,
 * what prompt caching saved, and the five-hour blocks. Plain JSON out: the webview only draws it.
 */
import path from 'node:path';
import { estimateCostUsd, priceOf, type ApiUsage } from '../history/pricing';
import { localDay } from '../format';
import type { SessionRecord, Usage } from '../session/types';
import type { UsageCell, UsageTurn } from '../store/usageTypes';
import { burnRate, identifyBlocks, projectBlock, type BlockProjection, type BurnRate, type UsageBlock } from './blocks';
import { foldModel, modelLabel, variantLabel } from './models';

export interface UsageSource {
  /** Turns kept in detail (the last 90 days). */
  turnsBetween(since: number, until: number): UsageTurn[];
  /** Older turns, summed per day (only a range reaching past the detail window has any). */
  rolledUpUsage(since: number, until: number): UsageCell[];
  getSession(id: string): SessionRecord | undefined;
}

export interface UsageFigures extends Usage {
  costUsd: number;
  turns: number;
}

export interface DayUsage extends UsageFigures {
  /** `YYYY-MM-DD`, local. */
  day: string;
  /** Cost per entry of `UsageReport.stackKeys`, same order. */
  stack: number[];
}

export interface ModelUsage extends UsageFigures {
  id: string;
  label: string;
  /** Variant tags seen for this model (`1M context`), in the order first seen. */
  variants: string[];
  /** The raw names folded into this row, for the table's tooltip. */
  names: string[];
}

export interface FolderUsage extends UsageFigures {
  path: string;
  /** The folder's last path segment; the whole path where two share a name. */
  name: string;
}

export interface SessionUsage extends UsageFigures {
  sessionId: string;
  title: string;
  workspaceFolder: string;
  /** The session is still in the store: its panel can open. */
  exists: boolean;
  lastTurnAt: number;
  models: string[];
}

export interface CacheSavings {
  freshInputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Cache reads as a share of all input the model read (0..1). */
  readShare: number;
  /** What the cache reads would have cost as fresh input, minus what they cost. */
  savedUsd: number;
  /** What writing the cache cost over fresh input (at the five-minute write price). */
  writePremiumUsd: number;
  netSavedUsd: number;
  /** Tokens of models Shannon has no price for (left out of the dollars). */
  unpricedTokens: number;
}

export interface BlockUsage extends UsageBlock {
  burnRate?: BurnRate;
  projection?: BlockProjection;
}

export interface UsageReport {
  days: number;
  since: number;
  until: number;
  generatedAt: number;
  totals: UsageFigures;
  byDay: DayUsage[];
  /** Folded model ids the daily chart stacks, plus `other` when more models were used. */
  stackKeys: string[];
  stackLabels: string[];
  models: ModelUsage[];
  folders: FolderUsage[];
  sessions: SessionUsage[];
  cache: CacheSavings;
  /** Non-gap blocks in the range, oldest first. */
  blocks: BlockUsage[];
}

export interface ReportOptions {
  days: number;
  now: number;
  topSessions?: number;
  /** Models stacked by name in the daily chart; the rest are summed as "Other". */
  stackedModels?: number;
}

const OTHER = 'other';

export function buildUsageReport(source: UsageSource, options: ReportOptions): UsageReport {
  const { now } = options;
  const dayKeys = localDays(options.days, now);
  const since = localMidnight(now, options.days - 1);
  const until = now + 1;
  const turns = source.turnsBetween(since, until);
  const cells = [...cellsOf(turns), ...source.rolledUpUsage(since, until)];
  const fold = memoFold();

  const totals = emptyFigures();
  const models = new Map<string, ModelUsage>();
  const folders = new Map<string, FolderUsage>();
  const cellModel = new Map<string, string>();
  for (const cell of cells) {
    add(totals, cell);
    const folded = fold(cell.model);
    cellModel.set(cell.model, folded.id);
    let m = models.get(folded.id);
    if (!m) models.set(folded.id, (m = { ...emptyFigures(), id: folded.id, label: modelLabel(folded.id), variants: [], names: [] }));
    add(m, cell);
    if (folded.variant && !m.variants.includes(variantLabel(folded.variant))) m.variants.push(variantLabel(folded.variant));
    if (cell.model && !m.names.includes(cell.model)) m.names.push(cell.model);
    let f = folders.get(cell.workspaceFolder);
    if (!f) folders.set(cell.workspaceFolder, (f = { ...emptyFigures(), path: cell.workspaceFolder, name: '' }));
    add(f, cell);
  }
  const modelRows = [...models.values()].sort(byCost);
  const stacked = modelRows.slice(0, options.stackedModels ?? 4).map((m) => m.id);
  const stackKeys = modelRows.length > stacked.length ? [...stacked, OTHER] : stacked;
  const stackIndex = (id: string) => {
    const i = stacked.indexOf(id);
    return i >= 0 ? i : stackKeys.length - 1;
  };

  const days = new Map<string, DayUsage>(dayKeys.map((day) => [day, { ...emptyFigures(), day, stack: stackKeys.map(() => 0) }]));
  for (const cell of cells) {
    const d = days.get(cell.day);
    if (!d) continue; // a day-sum overlapping the range's first moment from the day before
    add(d, cell);
    d.stack[stackIndex(cellModel.get(cell.model) ?? '')]! += cell.costUsd;
  }

  return {
    days: options.days,
    since,
    until,
    generatedAt: now,
    totals,
    byDay: [...days.values()],
    stackKeys,
    stackLabels: stackKeys.map((k) => (k === OTHER ? 'Other models' : modelLabel(k))),
    models: modelRows,
    folders: nameFolders([...folders.values()].sort(byCost)),
    sessions: topSessions(source, turns, options.topSessions ?? 10, fold),
    cache: cacheSavings(cells),
    blocks: blocksOf(turns, now, fold),
  };
}

/** Turns summed per (day, model, folder): a few hundred cells for tens of thousands of turns. */
function cellsOf(turns: readonly UsageTurn[]): UsageCell[] {
  const cells = new Map<string, UsageCell>();
  for (const t of turns) {
    const key = `${t.day}\u0000${t.model}\u0000${t.workspaceFolder}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { day: t.day, model: t.model, workspaceFolder: t.workspaceFolder, ...emptyFigures() }));
    add(c, { ...t, turns: 1 });
  }
  return [...cells.values()];
}

type Fold = (model: string) => ReturnType<typeof foldModel>;

/** foldModel once per distinct name: a report folds every turn's model. */
function memoFold(): Fold {
  const seen = new Map<string, ReturnType<typeof foldModel>>();
  return (model) => {
    let f = seen.get(model);
    if (!f) seen.set(model, (f = foldModel(model)));
    return f;
  };
}

function topSessions(source: UsageSource, turns: readonly UsageTurn[], limit: number, fold: Fold): SessionUsage[] {
  const byId = new Map<string, SessionUsage>();
  for (const t of turns) {
    let s = byId.get(t.sessionId);
    if (!s) byId.set(t.sessionId, (s = { ...emptyFigures(), sessionId: t.sessionId, title: '', workspaceFolder: t.workspaceFolder, exists: false, lastTurnAt: 0, models: [] }));
    add(s, { ...t, turns: 1 });
    s.lastTurnAt = Math.max(s.lastTurnAt, t.endedAt);
    const label = modelLabel(fold(t.model).id);
    if (!s.models.includes(label)) s.models.push(label);
  }
  const top = [...byId.values()].sort(byCost).slice(0, limit);
  for (const s of top) {
    const record = source.getSession(s.sessionId);
    s.exists = record !== undefined;
    s.title = record?.title ?? 'Removed session';
  }
  return top;
}

function cacheSavings(cells: readonly UsageCell[]): CacheSavings {
  const c: CacheSavings = { freshInputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, readShare: 0, savedUsd: 0, writePremiumUsd: 0, netSavedUsd: 0, unpricedTokens: 0 };
  for (const cell of cells) {
    c.freshInputTokens += cell.inputTokens;
    c.cacheReadTokens += cell.cacheReadInputTokens;
    c.cacheWriteTokens += cell.cacheCreationInputTokens;
    if (!cell.model || !priceOf(cell.model)) {
      c.unpricedTokens += cell.inputTokens + cell.cacheReadInputTokens + cell.cacheCreationInputTokens;
      continue;
    }
    // The same tokens priced as fresh input against what they were billed (pricing.ts's table).
    const cost = (u: ApiUsage) => estimateCostUsd(cell.model, u);
    const reads = cell.cacheReadInputTokens;
    const writes = cell.cacheCreationInputTokens;
    c.savedUsd += cost({ input_tokens: reads }) - cost({ cache_read_input_tokens: reads });
    c.writePremiumUsd += cost({ cache_creation_input_tokens: writes }) - cost({ input_tokens: writes });
  }
  const allInput = c.freshInputTokens + c.cacheReadTokens + c.cacheWriteTokens;
  c.readShare = allInput > 0 ? c.cacheReadTokens / allInput : 0;
  c.netSavedUsd = c.savedUsd - c.writePremiumUsd;
  return c;
}

function blocksOf(turns: readonly UsageTurn[], now: number, fold: Fold): BlockUsage[] {
  const entries = turns.map((t) => ({
    // A turn is stamped at its start, where ccusage would see its first message.
    at: Math.max(0, t.endedAt - t.durationMs),
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    cacheReadInputTokens: t.cacheReadInputTokens,
    cacheCreationInputTokens: t.cacheCreationInputTokens,
    costUsd: t.costUsd,
    model: fold(t.model).id,
  }));
  return identifyBlocks(entries, now)
    .filter((b) => !b.isGap)
    .map((b) => {
      const rate = burnRate(b);
      const projection = projectBlock(b, now);
      return { ...b, models: b.models.map(modelLabel), ...(rate ? { burnRate: rate } : {}), ...(projection ? { projection } : {}) };
    });
}

function nameFolders(rows: FolderUsage[]): FolderUsage[] {
  const base = (p: string) => (p ? path.basename(p) || p : '(no folder)');
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(base(r.path), (counts.get(base(r.path)) ?? 0) + 1);
  for (const r of rows) r.name = (counts.get(base(r.path)) ?? 0) > 1 ? r.path : base(r.path);
  return rows;
}

function emptyFigures(): UsageFigures {
  return { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0, turns: 0 };
}

function add(into: UsageFigures, from: UsageFigures): void {
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  into.cacheReadInputTokens += from.cacheReadInputTokens;
  into.cacheCreationInputTokens += from.cacheCreationInputTokens;
  into.costUsd += from.costUsd;
  into.turns += from.turns;
}

function byCost(a: { costUsd: number; turns: number }, b: { costUsd: number; turns: number }): number {
  return b.costUsd - a.costUsd || b.turns - a.turns;
}

/** Local midnight `daysBack` days before `now`'s day (calendar days: DST-safe). */
export function localMidnight(now: number, daysBack: number): number {
  const d = new Date(now);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - daysBack).getTime();
}

/** The `YYYY-MM-DD` keys of the last `count` local days, oldest first, today last. */
export function localDays(count: number, now: number): string[] {
  const out: string[] = [];
  for (let back = count - 1; back >= 0; back--) out.push(localDay(localMidnight(now, back)));
  return out;
}
