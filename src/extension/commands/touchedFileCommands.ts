/** "Sessions That Touched This File": every session, live or past, whose edit calls changed a file. */
import * as vscode from 'vscode';
import { ShannonError } from '../../core/errors.js';
import type { SessionTouch } from '../../core/store/touchedFiles.js';
import { formatAge, STATE_LABELS, stateIcon } from '../model/format.js';
import { folderName } from '../model/sessionTreeModel.js';
import type { ShannonCore } from '../core.js';
import type { CommandContext } from './context.js';

type TouchItem = vscode.QuickPickItem & { touch: SessionTouch };

export function touchedFileCommands(ctx: CommandContext): Record<string, (...args: unknown[]) => unknown> {
  return {
    // The Explorer and the editor title pass the file's Uri; the palette uses the active editor.
    'shannon.sessionsTouchingFile': (arg) => sessionsTouchingFile(ctx, fileOf(arg)),
  };
}

function fileOf(arg: unknown): vscode.Uri {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.file(arg);
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active) return active;
  throw new ShannonError('INVALID_ARGUMENT', 'No file is open.', 'Open the file, or right-click it in the Explorer and choose "Sessions That Touched This File".');
}

/** Shows the sessions newest first; the one picked opens at its latest edit call. Returns its id. */
async function sessionsTouchingFile(ctx: CommandContext, file: vscode.Uri): Promise<string | undefined> {
  if (file.scheme !== 'file') throw new ShannonError('INVALID_ARGUMENT', `Sessions edit files on disk; ${file.toString(true)} is not one.`, 'Run it on a file of a workspace folder.');
  const core = await ctx.core();
  const name = vscode.workspace.asRelativePath(file, false);
  const items = itemsFor(core, core.store.sessionsTouching(file.fsPath));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`No Shannon session has edited ${name}.`);
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(items, { title: `Sessions That Touched ${name}`, placeHolder: 'Newest first; pick one to open it at its latest edit', matchOnDescription: true });
  if (!chosen) return undefined;
  await ctx.panels().show(chosen.touch.sessionId, { reveal: { seq: chosen.touch.seq, terms: [] } });
  return chosen.touch.sessionId;
}

function itemsFor(core: ShannonCore, touches: SessionTouch[]): TouchItem[] {
  const now = Date.now();
  return touches.flatMap((touch) => {
    const record = core.manager.get(touch.sessionId);
    if (!record) return [];
    const age = formatAge(touch.at, now);
    const edits = touch.edits === 1 ? '1 edit' : `${touch.edits} edits`;
    return [
      {
        label: `$(${stateIcon(record.state).id}) ${record.title}`,
        description: `${touch.tool} ${age === 'just now' ? age : `${age} ago`} · ${STATE_LABELS[record.state]}`,
        detail: `${edits} · ${folderName(record.workspaceFolder)}${record.worktree?.isolation === 'worktree' ? ' · in its worktree' : ''}`,
        touch,
      },
    ];
  });
}
