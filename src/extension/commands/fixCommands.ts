/**
 * Commands that get a session past what stands in its way: a model that does not work (Change
 * Model), a refused login (Log In), a queue (Start Now, the concurrency setting). The error
 * card and the tree offer them through a core error's `fix` (model/fixActions.ts).
 */
import * as vscode from 'vscode';
import { isLive } from '../../core/session/types.js';
import { formatModel, oneLine } from '../model/format.js';
import type { CommandContext } from './context.js';
import { pickModel, resolveSession } from './pickers.js';

export function fixCommands(ctx: CommandContext): Record<string, (...args: unknown[]) => unknown> {
  return {
    'shannon.changeModel': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, {
        title: 'Change Model',
        eligible: (s) => isLive(s.state) && s.state !== 'queued',
        none: 'No open session: a model can be changed on a running, idle or suspended session.',
      });
      if (!r) return;
      const picked = await pickModel(ctx.settings.current.defaultModel, { step: 1, totalSteps: 1 }, `Change Model: ${oneLine(r.title, 50)}`);
      if (!picked) return;
      await core.manager.setModel(r.id, picked.model);
      void vscode.window.showInformationMessage(`"${oneLine(r.title, 50)}" uses ${picked.model ? formatModel(picked.model) : 'the default model'} from its next message on.`);
    },

    'shannon.logIn': async () => {
      const terminal = 'Log In in a Terminal';
      const key = 'Set ANTHROPIC_API_KEY…';
      const choice = await vscode.window.showInformationMessage(
        'Claude Code was refused by the Anthropic API. Log it in ("claude auth login", for a Claude subscription or Console account), or give it an API key in the shannon.environment setting. Then send the message again.',
        terminal,
        key,
      );
      if (choice === terminal) {
        const binary = await ctx.claude.resolve();
        const t = vscode.window.createTerminal({ name: 'Claude Code Login' });
        t.show();
        // Typed, not run: the person reads it and presses Enter.
        t.sendText(`${/\s/.test(binary) ? `"${binary}"` : binary} auth login`, false);
      } else if (choice === key) {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'shannon.environment');
      }
    },

    'shannon.startNow': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Start Queued Session Now', eligible: (s) => s.state === 'queued', none: 'No session is waiting in a queue.' });
      if (r) await core.manager.startNow(r.id);
    },

    'shannon.openConcurrencySetting': () => vscode.commands.executeCommand('workbench.action.openSettings', 'shannon.maxConcurrentSessions'),
  };
}
