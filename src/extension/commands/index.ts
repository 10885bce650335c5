/** Registers every `shannon.*` command; each handler reports its failures itself (guarded). */
import * as vscode from 'vscode';
import { CheckpointFileProvider, CHECKPOINT_SCHEME, checkpointCommands } from './checkpointCommands.js';
import { guarded, type CommandContext } from './context.js';
import { fixCommands } from './fixCommands.js';
import { mcpCommands } from './mcpCommands.js';
import { sessionCommands } from './sessionCommands.js';
import { touchedFileCommands } from './touchedFileCommands.js';
import { HISTORY_COMMAND_IDS, lazyGroup, WORKTREE_COMMAND_IDS } from './lazyCommands.js';

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const handlers: Record<string, (...args: unknown[]) => unknown> = {
    ...sessionCommands(ctx),
    ...checkpointCommands(ctx),
    ...lazyGroup(ctx, HISTORY_COMMAND_IDS, () => import('./historyCommands.js').then((m) => m.historyCommands)),
    ...touchedFileCommands(ctx),
    ...mcpCommands(ctx),
    ...lazyGroup(ctx, WORKTREE_COMMAND_IDS, () => import('./worktreeCommands.js').then((m) => m.worktreeCommands)),
    ...fixCommands(ctx),
    'shannon.selectClaudeBinary': () => ctx.claude.select(),
    'shannon.showInstallInstructions': () => ctx.claude.showInstallInstructions(),
    'shannon.checkClaude': async () => {
      if (!(await ctx.trust.allows('look for Claude Code'))) return undefined;
      const status = await ctx.claude.check();
      if (status.kind === 'ok') void vscode.window.showInformationMessage(`Shannon uses Claude Code ${status.info.version} at ${status.info.path}.`);
      else if (status.kind === 'problem') void ctx.claude.notify(status.error, true);
      return status;
    },
    'shannon.showLog': () => ctx.log.show(),
    'shannon.showMoreSessions': (folder) => {
      if (typeof folder === 'string') ctx.tree.showMore(folder);
    },
  };
  return [
    ...Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, guarded(ctx, id, handler))),
    vscode.workspace.registerTextDocumentContentProvider(CHECKPOINT_SCHEME, new CheckpointFileProvider(ctx.core)),
  ];
}
