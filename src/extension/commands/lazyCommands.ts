/**
 * Command groups that activation registers by id only: their module (and what it imports) is
 * loaded when one of their commands first runs, not with the activation bundle. Each group's
 * ids are listed here; the group returns a Record over exactly these ids, so the compiler keeps
 * the list and the module in step.
 */
import type { CommandContext, CommandHandler } from './context.js';

export const WORKTREE_COMMAND_IDS = [
  'shannon.showChanges',
  'shannon.refreshChanges',
  'shannon.openChange',
  'shannon.keepChange',
  'shannon.unkeepChange',
  'shannon.discardChange',
  'shannon.mergeSession',
  'shannon.applySession',
  'shannon.rebaseSession',
  'shannon.discardSessionWork',
  'shannon.pruneWorktrees',
] as const;
export type WorktreeCommandId = (typeof WORKTREE_COMMAND_IDS)[number];

export const HISTORY_COMMAND_IDS = ['shannon.searchSessions', 'shannon.showUsage', 'shannon.exportUsage'] as const;
export type HistoryCommandId = (typeof HISTORY_COMMAND_IDS)[number];

/** Handlers for `ids` that load the group with `load` on first use (once), then call through. */
export function lazyGroup<Id extends string>(ctx: CommandContext, ids: readonly Id[], load: () => Promise<(ctx: CommandContext) => Record<Id, CommandHandler>>): Record<Id, CommandHandler> {
  let group: Promise<Record<Id, CommandHandler>> | undefined;
  const handlers = {} as Record<Id, CommandHandler>;
  for (const id of ids) {
    handlers[id] = async (...args: unknown[]) => {
      group ??= load().then((make) => make(ctx));
      return (await group)[id](...args);
    };
  }
  return handlers;
}
