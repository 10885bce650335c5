/** The quick picks commands share: which session, which folder, which model. */
import * as vscode from 'vscode';
import { ShannonError } from '../../core/errors.js';
import type { SessionRecord } from '../../core/session/types.js';
import type { ShannonCore } from '../core.js';
import { folderName } from '../model/sessionTreeModel.js';
import { formatModel, sessionDescription, stateIcon, STATE_LABELS } from '../model/format.js';
import { sessionIdFrom } from '../model/commandArgs.js';

export interface SessionPickItem extends vscode.QuickPickItem {
  record: SessionRecord;
}

/** The session a command acts on: from its argument, else asked among those `eligible`. */
export async function resolveSession(
  core: ShannonCore,
  arg: unknown,
  options: { title: string; eligible: (r: SessionRecord) => boolean; none: string },
): Promise<SessionRecord | undefined> {
  const id = sessionIdFrom(arg);
  if (id) {
    const record = core.manager.get(id);
    if (!record) throw new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${id}".`, 'It may have been deleted, here or in another window.');
    return record;
  }
  return pickSession(core, options);
}

export async function pickSession(
  core: ShannonCore,
  options: { title: string; eligible: (r: SessionRecord) => boolean; none: string },
): Promise<SessionRecord | undefined> {
  const folders = new Set((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
  const records = core.manager
    .list({ limit: 2000 })
    .filter((r) => (folders.size === 0 || folders.has(r.workspaceFolder)) && options.eligible(r));
  if (records.length === 0) {
    void vscode.window.showInformationMessage(options.none);
    return undefined;
  }
  const now = Date.now();
  const several = new Set(records.map((r) => r.workspaceFolder)).size > 1;
  const items: SessionPickItem[] = records.map((r) => ({
    label: `$(${stateIcon(r.state).id}) ${r.title}`,
    description: `${STATE_LABELS[r.state]} · ${sessionDescription(r, now)}`,
    detail: several ? folderName(r.workspaceFolder) : undefined,
    record: r,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: options.title, placeHolder: 'Pick a session', matchOnDescription: true });
  return picked?.record;
}

/** The workspace folder for a new session: the given one, the only one, or asked. */
export async function pickFolder(given: string | undefined): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (given) return given;
  if (folders.length === 0) {
    const open = 'Open Folder…';
    const choice = await vscode.window.showWarningMessage('Claude Code sessions run in a folder: open one first.', open);
    if (choice === open) await vscode.commands.executeCommand('workbench.action.files.openFolder');
    return undefined;
  }
  if (folders.length === 1) return folders[0]!.uri.fsPath;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder the session works in' });
  return picked?.uri.fsPath;
}

interface ModelItem extends vscode.QuickPickItem {
  model: string | undefined;
  other?: boolean;
}

/** The model for a new session; `undefined` entry means "the settings' default". Escape → cancelled. */
export async function pickModel(defaultModel: string, step: { step: number; totalSteps: number }, title = 'New Claude Code Session'): Promise<{ model: string | undefined } | undefined> {
  const items: ModelItem[] = [
    { label: '$(settings-gear) Default', description: defaultModel ? formatModel(defaultModel) : "Claude Code's default", model: undefined },
    { label: 'sonnet', description: 'Claude Sonnet (latest)', model: 'sonnet' },
    { label: 'opus', description: 'Claude Opus (latest)', model: 'opus' },
    { label: 'haiku', description: 'Claude Haiku (latest)', model: 'haiku' },
    { label: '$(edit) Other…', description: 'Type a model name', model: undefined, other: true },
  ];
  const chosen = await stepPick(items, { title, placeholder: 'Model (Enter keeps the default)', ...step });
  if (!chosen) return undefined;
  if (!chosen.other) return { model: chosen.model };
  const typed = await vscode.window.showInputBox({ title: `${title}: model`, prompt: 'A model name or alias Claude Code accepts (`--model`)', placeHolder: 'claude-sonnet-4-5' });
  return typed === undefined ? undefined : { model: typed.trim() || undefined };
}

/**
 * One step of a multi-step quick input (`step`/`totalSteps` shown), with `active` preselected:
 * the accepted item, or undefined when the person pressed Escape.
 */
export async function stepPick<T extends vscode.QuickPickItem>(
  items: readonly T[],
  options: { title: string; placeholder: string; step: number; totalSteps: number; active?: T; ignoreFocusOut?: boolean },
): Promise<T | undefined> {
  const pick = vscode.window.createQuickPick<T>();
  pick.title = options.title;
  pick.step = options.step;
  pick.totalSteps = options.totalSteps;
  pick.placeholder = options.placeholder;
  pick.items = items;
  if (options.active) pick.activeItems = [options.active];
  pick.ignoreFocusOut = options.ignoreFocusOut ?? false;
  try {
    return await new Promise<T | undefined>((resolve) => {
      pick.onDidAccept(() => resolve(pick.selectedItems[0] ?? pick.activeItems[0]));
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
  } finally {
    pick.dispose();
  }
}
