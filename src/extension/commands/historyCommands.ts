/** Search across every stored transcript, and what sessions cost. */
import * as vscode from 'vscode';
import type { UsageRow } from '../../core/store/index.js';
import { folderName } from '../model/sessionTreeModel.js';
import { formatAge, formatCost, formatTokens, oneLine, startOfLocalDay, STATE_LABELS, stateIcon } from '../model/format.js';
import type { CommandContext } from './context.js';

const SEARCH_DELAY_MS = 150;
const DAY_MS = 86_400_000;

type HitItem = vscode.QuickPickItem & { sessionId?: string };

export function historyCommands(ctx: CommandContext): Record<string, (...args: unknown[]) => unknown> {
  return {
    'shannon.searchSessions': (arg) => searchSessions(ctx, typeof arg === 'string' ? arg : undefined),
    'shannon.showUsage': () => showUsage(ctx),
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
  const chosen = await new Promise<string | undefined>((resolve) => {
    pick.onDidChangeValue(run);
    pick.onDidAccept(() => resolve(pick.selectedItems[0]?.sessionId));
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
  if (chosen) await ctx.panels().show(chosen);
  return chosen;

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
        alwaysShow: true,
      });
    }
    if (items.length === 0) items.push({ label: '$(info) No session mentions that', alwaysShow: true });
    return items;
  }
}

/** Shows the usage pick; returns its rows (label and figures) for scripted callers and tests. */
async function showUsage(ctx: CommandContext): Promise<Array<{ label: string; description?: string }>> {
  const core = await ctx.core();
  const now = Date.now();
  const today = startOfLocalDay(now);
  const since30 = today - 29 * DAY_MS;
  const usage = (groupBy: 'day' | 'model' | 'workspaceFolder', since: number) => core.store.usage({ groupBy, since });
  const sum = (rows: UsageRow[]) =>
    rows.reduce(
      (a, r) => ({ ...a, costUsd: a.costUsd + r.costUsd, turns: a.turns + r.turns, inputTokens: a.inputTokens + r.inputTokens, outputTokens: a.outputTokens + r.outputTokens, cacheReadInputTokens: a.cacheReadInputTokens + r.cacheReadInputTokens, cacheCreationInputTokens: a.cacheCreationInputTokens + r.cacheCreationInputTokens }),
      { key: '', costUsd: 0, turns: 0, inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 } as UsageRow,
    );
  const row = (label: string, r: UsageRow): vscode.QuickPickItem => ({
    label,
    description: `${formatCost(r.costUsd)} · ${r.turns} turn${r.turns === 1 ? '' : 's'}`,
    detail: `${formatTokens(r.inputTokens)} input · ${formatTokens(r.outputTokens)} output · ${formatTokens(r.cacheReadInputTokens)} cache read · ${formatTokens(r.cacheCreationInputTokens)} cache write tokens`,
  });
  const sep = (label: string): vscode.QuickPickItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const byDay = usage('day', since30).sort((a, b) => b.key.localeCompare(a.key));
  const byModel = usage('model', since30).sort((a, b) => b.costUsd - a.costUsd);
  const byFolder = usage('workspaceFolder', since30).sort((a, b) => b.costUsd - a.costUsd);
  const items: vscode.QuickPickItem[] = [
    row('$(calendar) Today', sum(usage('day', today))),
    row('$(calendar) Last 7 days', sum(usage('day', today - 6 * DAY_MS))),
    row('$(calendar) Last 30 days', sum(byDay)),
    sep('By day'),
    ...byDay.slice(0, 14).map((r) => row(r.key, r)),
    sep('By model (30 days)'),
    ...byModel.map((r) => row(`$(hubot) ${r.key || 'unknown model'}`, r)),
    sep('By workspace folder (30 days)'),
    ...byFolder.map((r) => ({ ...row(`$(folder) ${folderName(r.key)}`, r), detail: r.key })),
  ];
  void vscode.window.showQuickPick(items, { title: 'Shannon Usage', placeHolder: 'Tokens and cost from Claude Code results', matchOnDescription: true });
  return items.filter((i) => i.kind !== vscode.QuickPickItemKind.Separator).map((i) => ({ label: i.label, description: i.description }));
}
