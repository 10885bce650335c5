/** Search across every stored transcript, and what sessions cost (the usage dashboard). */
import * as vscode from 'vscode';
import type { UsageTable } from '../../core/usage/csv.js';
import type { HistoryCommandId } from './lazyCommands.js';
import { USAGE_RANGES, type UsageRange } from '../../shared/usageProtocol.js';
import { folderName } from '../model/sessionTreeModel.js';
import { formatAge, oneLine, STATE_LABELS, stateIcon } from '../model/format.js';
import type { CommandContext, CommandHandler } from './context.js';
import type { EntryReveal } from '../panels.js';
import { revealOf } from '../model/searchHit.js';

const SEARCH_DELAY_MS = 150;

type HitItem = vscode.QuickPickItem & { sessionId?: string; reveal?: EntryReveal };

export function historyCommands(ctx: CommandContext): Record<HistoryCommandId, CommandHandler> {
  return {
    'shannon.searchSessions': (arg) => searchSessions(ctx, typeof arg === 'string' ? arg : undefined),
    // Returns the report shown, for scripted callers and tests. `{ days }` picks the range.
    'shannon.showUsage': (arg) => ctx.usage().show(rangeFrom(arg)),
    'shannon.exportUsage': (arg) => exportUsage(ctx, arg),
  };
}

async function searchSessions(ctx: CommandContext, initial: string | undefined): Promise<string | undefined> {
  const core = await ctx.core();
  const pick = vscode.window.createQuickPick<HitItem>();
  pick.title = 'Search Sessions';
  pick.placeholder = 'Words from any prompt, reply or tool output';
  // The items are search results, not a list to filter: VS Code's own fuzzy filter would hide them.
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  let timer: NodeJS.Timeout | undefined;
  let running: AbortController | undefined;
  const run = (query: string) => {
    running?.abort();
    clearTimeout(timer);
    if (!query.trim()) {
      pick.items = [];
      pick.busy = false;
      return;
    }
    timer = setTimeout(async () => {
      const controller = (running = new AbortController());
      pick.busy = true;
      try {
        const hits = await core.store.search(query, { limit: 60, signal: controller.signal });
        if (controller.signal.aborted) return;
        pick.items = itemsFor(hits);
      } catch (err) {
        if (controller.signal.aborted) return;
        pick.items = [{ label: `$(error) ${err instanceof Error ? err.message : String(err)}`, alwaysShow: true }];
      } finally {
        if (running === controller) pick.busy = false;
      }
    }, SEARCH_DELAY_MS);
  };
  const chosen = await new Promise<HitItem | undefined>((resolve) => {
    pick.onDidChangeValue(run);
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
    if (initial) {
      pick.value = initial;
      run(initial);
    }
    pick.show();
  });
  running?.abort();
  clearTimeout(timer);
  pick.dispose();
  // The panel opens at the hit, its words marked.
  if (chosen?.sessionId) await ctx.panels().show(chosen.sessionId, chosen.reveal ? { reveal: chosen.reveal } : {});
  return chosen?.sessionId;

  function itemsFor(hits: Awaited<ReturnType<typeof core.store.search>>): HitItem[] {
    const now = Date.now();
    const bySession = new Map<string, typeof hits>();
    for (const h of hits) bySession.set(h.sessionId, [...(bySession.get(h.sessionId) ?? []), h]);
    const items: HitItem[] = [];
    for (const [sessionId, sessionHits] of bySession) {
      const record = core.manager.get(sessionId);
      if (!record) continue;
      const more = sessionHits.length - 1;
      items.push({
        label: `$(${stateIcon(record.state).id}) ${record.title}`,
        description: `${STATE_LABELS[record.state]} · ${formatAge(record.updatedAt, now)} · ${folderName(record.workspaceFolder)}${more > 0 ? ` · ${more} more match${more === 1 ? '' : 'es'}` : ''}`,
        detail: oneLine(sessionHits[0]!.snippet, 200),
        sessionId,
        reveal: revealOf(sessionHits[0]!),
        alwaysShow: true,
      });
    }
    if (items.length === 0) items.push({ label: '$(info) No session mentions that', alwaysShow: true });
    return items;
  }
}

const TABLE_PICKS: ReadonlyArray<vscode.QuickPickItem & { table: UsageTable }> = [
  { table: 'daily', label: '$(calendar) Cost and tokens per day' },
  { table: 'models', label: '$(hubot) By model' },
  { table: 'folders', label: '$(folder) By workspace folder' },
  { table: 'sessions', label: '$(list-ordered) Top sessions' },
  { table: 'blocks', label: '$(watch) Five-hour blocks' },
];

function rangeFrom(arg: unknown): UsageRange | undefined {
  const days = (arg as { days?: unknown } | undefined)?.days;
  return USAGE_RANGES.includes(days as UsageRange) ? (days as UsageRange) : undefined;
}

/** Export Usage as CSV: which table, which range, where (`{ table, days, file }` skips the asking). */
async function exportUsage(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const given = (arg ?? {}) as { table?: unknown; days?: unknown; file?: unknown };
  let table = TABLE_PICKS.find((p) => p.table === given.table)?.table;
  table ??= (await vscode.window.showQuickPick(TABLE_PICKS, { title: 'Export Usage as CSV', placeHolder: 'Which table?' }))?.table;
  if (!table) return undefined;
  let days = rangeFrom(given);
  if (!days) {
    const picked = await vscode.window.showQuickPick(
      USAGE_RANGES.map((d) => ({ label: `Last ${d} days`, days: d })),
      { title: 'Export Usage as CSV', placeHolder: 'Which range?' },
    );
    if (!picked) return undefined;
    days = picked.days;
  }
  const file = await ctx.usage().exportCsv(table, days, typeof given.file === 'string' ? vscode.Uri.file(given.file) : undefined);
  if (file && typeof given.file !== 'string') void vscode.window.showInformationMessage(`Saved the ${table} usage to ${vscode.workspace.asRelativePath(file)}.`);
  return file?.fsPath;
}
