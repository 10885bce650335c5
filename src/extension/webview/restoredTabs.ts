/**
 * Session tabs VS Code restored after a reload but has not handed to Shannon yet. VS Code revives
 * a webview tab in the background only when it is next shown (then it calls the serializer), so
 * right after a reload a session can have a tab and no panel: opening the session again must use
 * that tab's place, not add a second tab beside it (which the revival would then find a duplicate
 * of). A tab says only its view type and its label (the panel's title), so a waiting tab is
 * recognised by title, and only when that is unambiguous.
 */
import * as vscode from 'vscode';
import { SESSION_VIEW_TYPE } from '../../shared/webviewProtocol';

/** Session tabs labelled `title` (VS Code prefixes the view type of an extension's webview). */
export function sessionTabsTitled(title: string): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(SESSION_VIEW_TYPE) && t.label === title);
}

/**
 * Closes the not-yet-revived tab of a session titled `title`, when exactly one such tab exists and
 * no live panel carries that title; returns the column it was in, for the panel that replaces it.
 */
export async function takeWaitingTab(title: string, livePanelsTitled: number): Promise<vscode.ViewColumn | undefined> {
  const tabs = sessionTabsTitled(title);
  if (tabs.length !== 1 || livePanelsTitled > 0) return undefined;
  const tab = tabs[0]!;
  const column = tab.group.viewColumn;
  await vscode.window.tabGroups.close(tab, true);
  return column;
}
