/**
 * What every command needs, and the one way commands report failures: a ShannonError's
 * message and hint in a notification (binary problems get the binary's own notification with
 * its actions; an untrusted workspace gets the trust message).
 */
import * as vscode from 'vscode';
import { asShannonError, isShannonError, type ShannonError } from '../../core/errors.js';
import { safeText } from '../../core/transcript/safeText.js';
import { fixAction } from '../model/fixActions.js';
import type { ChangesView } from '../changesView.js';
import type { ClaudeBinaryService } from '../claudeBinary.js';
import type { ShannonCore } from '../core.js';
import type { SessionPanels } from '../panels.js';
import type { SessionOutputChannels } from '../sessionOutput.js';
import type { SessionsTree } from '../sessionsTree.js';
import type { Settings } from '../settings.js';
import type { TurnReviews } from '../review/turnReview.js';
import type { UsageDashboard } from '../usage/usageDashboard.js';
import type { WorkspaceTrustGate } from '../trust.js';

export interface CommandContext {
  /** Resolves once the store is open (at once, after startup). */
  core(): Promise<ShannonCore>;
  trust: WorkspaceTrustGate;
  claude: ClaudeBinaryService;
  tree: SessionsTree;
  /** The Changes view: the session whose changes it shows, refresh, diffs. */
  changes: ChangesView;
  outputs: SessionOutputChannels;
  panels(): SessionPanels;
  settings: Settings;
  log: vscode.LogOutputChannel;
  /** The usage dashboard (Show Usage, Export Usage as CSV). */
  usage(): UsageDashboard;
  /** Review of a turn's edits after the fact (Review Edits of Last Turn). */
  turnReviews: TurnReviews;
}

export type CommandHandler = (...args: unknown[]) => unknown;

/** Wraps a handler: failures become notifications, never an unhandled rejection. */
export function guarded(ctx: CommandContext, id: string, handler: CommandHandler): CommandHandler {
  return async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      await reportError(ctx, id, err);
      return undefined;
    }
  };
}

export async function reportError(ctx: CommandContext, id: string, err: unknown): Promise<void> {
  const error = asShannonError(err, 'INVALID_ARGUMENT');
  ctx.log.error(`${id}: ${error.code} ${error.message}${error.hint ? ` (${error.hint})` : ''}`);
  if (error.code.startsWith('CLAUDE_')) {
    // ClaudeBinaryService.resolve() has shown its own notification, with actions.
    return;
  }
  if (isShannonError(err, 'NOT_SUPPORTED') && !ctx.trust.isTrusted) {
    await ctx.trust.allows('start a session');
    return;
  }
  await showProblem(error, 'error');
}

/** A problem in a notification, with the button its `fix` calls for. */
export async function showProblem(error: ShannonError, level: 'error' | 'warning', prefix = ''): Promise<void> {
  const action = fixAction(error.fix);
  const show = level === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
  const choice = await show(safeText(`${prefix}${error.toUserString()}`), ...(action ? [action.label] : []));
  if (action && choice === action.label) await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
}
