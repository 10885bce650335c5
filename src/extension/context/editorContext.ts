/**
 * The editor in the conversation: "Send Selection to Claude" (editor context menu, Ctrl/Cmd+Alt+K),
 * "Ask Claude About This File" (Explorer, editor title), the "Fix with Claude" code action on
 * diagnostics, and what the composer's `@` completion offers (files, selection, problems).
 * Context goes to the session whose panel the user was in last (else the one live session of the
 * file's folder, a pick among several, or a new session) as a chip in its message box; Fix with
 * Claude sends at once.
 */
import * as vscode from 'vscode';
import { asShannonError, ShannonError } from '../../core/errors';
import { isLive, type SessionRecord } from '../../core/session/types';
import { composePrompt, mentionOf, type Attachment } from '../../shared/attachments';
import type { ShannonCore } from '../core';
import type { WorkspaceTrustGate } from '../trust';
import type { SessionPanelManager } from '../webview/sessionPanelManager';
import { fileAttachment, problemsAttachment, RecentEditor, selectionAttachment, sessionPath } from './editorAttachments';
import { WorkspaceFiles } from './workspaceFiles';

export interface EditorContextDeps {
  core(): Promise<ShannonCore>;
  panels(): SessionPanelManager;
  trust: WorkspaceTrustGate;
  log: vscode.LogOutputChannel;
}

export class EditorContext implements vscode.Disposable {
  private readonly recent = new RecentEditor();
  private readonly files = new WorkspaceFiles();
  private readonly disposables: vscode.Disposable[] = [this.recent];

  constructor(private readonly deps: EditorContextDeps) {
    const command = (id: string, run: (...args: unknown[]) => Promise<unknown>) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await run(...args);
        } catch (err) {
          const e = asShannonError(err, 'INVALID_ARGUMENT');
          deps.log.error(`${id}: ${e.code} ${e.message}`);
          void vscode.window.showErrorMessage(e.hint ? `${e.message} ${e.hint}` : e.message);
          return undefined;
        }
      });
    this.disposables.push(
      command('shannon.sendSelection', () => this.sendSelection()),
      command('shannon.askAboutFile', (uri) => this.askAboutFile(uri)),
      command('shannon.fixWithClaude', (uri, diagnostic) => this.fix(uri, diagnostic)),
      vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new FixWithClaude(), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    );
  }

  /** `@` completion for a session in `cwd`: its files best matching `query`, the editor's selection and problems. */
  async mentions(cwd: string, query: string): Promise<{ files: string[]; editor: Attachment[] }> {
    const editor = this.recent.editor;
    const offered: Attachment[] = [];
    if (editor && !editor.selection.isEmpty) offered.push(selectionAttachment(editor, cwd));
    const problems = editor && problemsAttachment(editor.document.uri, cwd);
    if (problems) offered.push(problems);
    return { files: await this.files.rank(cwd, query), editor: offered };
  }

  private async sendSelection(): Promise<void> {
    const editor = this.recent.editor;
    if (!editor) throw new ShannonError('INVALID_ARGUMENT', 'Open a file and select what Claude should look at.');
    const target = await this.target(editor.document.uri);
    if (target) await this.deps.panels().attachContext(target.id, selectionAttachment(editor, target.cwd));
  }

  private async askAboutFile(arg: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : this.recent.editor?.document.uri;
    if (!uri) throw new ShannonError('INVALID_ARGUMENT', 'Pick a file in the Explorer or open one in an editor.');
    const target = await this.target(uri);
    if (target) await this.deps.panels().attachContext(target.id, fileAttachment(uri, target.cwd));
  }

  private async fix(uri: unknown, diagnostic: unknown): Promise<void> {
    if (!(uri instanceof vscode.Uri) || !(diagnostic instanceof vscode.Diagnostic)) return;
    const target = await this.target(uri);
    if (!target) return;
    const lines = { start: diagnostic.range.start.line + 1, end: diagnostic.range.end.line + 1 };
    const problem = problemsAttachment(uri, target.cwd, [diagnostic])!;
    const prompt = composePrompt(`Fix this problem in ${sessionPath(uri, target.cwd)} at line ${lines.start}.`, [{ kind: 'selection', label: '', mention: mentionOf(sessionPath(uri, target.cwd), lines) }, problem]);
    const { manager } = await this.deps.core();
    if (isLive(target.state)) await manager.send(target.id, prompt);
    else await manager.resume(target.id, prompt);
    await this.deps.panels().show(target.id);
  }

  /** Where context for `uri` goes: the last active panel's session, the folder's live one, a pick, or a new session. */
  private async target(uri: vscode.Uri): Promise<SessionRecord | undefined> {
    const core = await this.deps.core();
    const last = this.deps.panels().lastActiveSessionId();
    const lastRecord = last ? core.manager.get(last) : undefined;
    if (lastRecord && (isLive(lastRecord.state) || lastRecord.cliSessionId)) return lastRecord;
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!folder) throw new ShannonError('INVALID_ARGUMENT', 'Open a folder first: a session works in a workspace folder.');
    const live = core.manager.list({ workspaceFolder: folder }).filter((r) => isLive(r.state));
    if (live.length === 1) return live[0];
    if (live.length > 1) {
      const picked = await vscode.window.showQuickPick(
        live.map((r) => ({ label: r.title, description: r.state, record: r })),
        { title: 'Which session should get this?', placeHolder: 'A live session of this folder' },
      );
      return picked?.record;
    }
    if (!(await this.deps.trust.allows('start a session'))) return undefined;
    return core.manager.create({ workspaceFolder: folder, title: `About ${vscode.workspace.asRelativePath(uri)}` });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** "Fix with Claude" on every diagnostic under the cursor. */
class FixWithClaude implements vscode.CodeActionProvider {
  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics.map((d) => {
      const action = new vscode.CodeAction(`Fix with Claude: ${d.message.split('\n')[0]!.slice(0, 60)}`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.command = { command: 'shannon.fixWithClaude', title: 'Fix with Claude', arguments: [document.uri, d] };
      return action;
    });
  }
}
