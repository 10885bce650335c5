/**
 * Which `claude` Shannon runs, and what people see when there is none that works: a context key
 * for the welcome views, and one notification per distinct problem with actions (install
 * instructions, pick a binary). The engine calls `resolve()` before every spawn; the answer is
 * cached until `shannon.claudePath` changes or a lookup failed.
 */
import * as vscode from 'vscode';
import type { ClaudeBinary } from '../core/cli/locate.js';
import { asShannonError, ShannonError, type ShannonErrorCode } from '../core/errors.js';
import type { ContextKeys } from './contextKeys.js';
import { notificationText } from './model/claudeText.js';
import type { Settings } from './settings.js';
import type { WorkspaceTrustGate } from './trust.js';

/** What Shannon needs from the core's ClaudeLocator (src/core/cli/locate.ts). */
export interface ClaudeLocatorLike {
  locate(options: { explicitPath?: string; refresh?: boolean }): Promise<ClaudeBinary>;
}

export type ClaudeStatus =
  | { kind: 'unknown' }
  | { kind: 'checking' }
  | { kind: 'ok'; info: ClaudeBinary }
  | { kind: 'problem'; error: ShannonError };

export const INSTALL_URL = 'https://docs.anthropic.com/en/docs/claude-code/setup';
export const INSTALL_COMMAND = 'npm install -g @anthropic-ai/claude-code';

const CONTEXT_VALUE: Partial<Record<ShannonErrorCode, string>> = {
  CLAUDE_NOT_FOUND: 'missing',
  CLAUDE_NOT_EXECUTABLE: 'broken',
  CLAUDE_TOO_OLD: 'tooOld',
  CLAUDE_BROKEN: 'broken',
};

export class ClaudeBinaryService implements vscode.Disposable {
  private readonly onDidChangeStatusEmitter = new vscode.EventEmitter<ClaudeStatus>();
  readonly onDidChangeStatus: vscode.Event<ClaudeStatus> = this.onDidChangeStatusEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.onDidChangeStatusEmitter];
  private statusValue: ClaudeStatus = { kind: 'unknown' };
  private lookup: Promise<ClaudeBinary> | undefined;
  /** Problems already shown, so a failing spawn loop does not stack notifications. */
  private readonly notified = new Set<string>();

  constructor(
    private readonly locator: () => Promise<ClaudeLocatorLike>,
    private readonly settings: Settings,
    private readonly trust: WorkspaceTrustGate,
    private readonly contextKeys: ContextKeys,
    private readonly log: vscode.LogOutputChannel,
  ) {
    contextKeys.set('shannon.claude', 'unknown');
    this.disposables.push(
      settings.onDidChange((e) => {
        if (!e.changed.has('claudePath')) return;
        this.invalidate();
        if (this.trust.isTrusted) void this.check();
      }),
    );
  }

  get status(): ClaudeStatus {
    return this.statusValue;
  }

  /** The binary's path for a spawn. Throws a ShannonError (and tells the user) when there is none. */
  async resolve(): Promise<string> {
    this.trust.assertTrusted();
    try {
      return (await this.info()).path;
    } catch (err) {
      const error = asShannonError(err);
      void this.notify(error);
      throw error;
    }
  }

  /** Looks (again) now; resolves with the status. Never throws. */
  async check(): Promise<ClaudeStatus> {
    if (!this.trust.isTrusted) return this.statusValue;
    try {
      await this.info();
    } catch {
      // the status says it
    }
    return this.statusValue;
  }

  /** The located binary (cached); for MCP's `find_claude_binary` too. */
  info(): Promise<ClaudeBinary> {
    this.lookup ??= this.locate();
    return this.lookup;
  }

  /** Shows the problem with what to do about it, once per distinct problem. */
  async notify(error: ShannonError, force = false): Promise<void> {
    const key = `${error.code}:${error.message}`;
    if (!force && this.notified.has(key)) return;
    this.notified.add(key);
    const install = error.code === 'CLAUDE_TOO_OLD' ? 'Update Instructions' : 'Install Instructions';
    const select = 'Select Claude Binary';
    const showLog = 'Show Log';
    const known = error.code in CONTEXT_VALUE;
    const choice = await vscode.window.showErrorMessage(notificationText(error), ...(known ? [install, select, showLog] : [showLog]));
    if (choice === install) await vscode.commands.executeCommand('shannon.showInstallInstructions');
    else if (choice === select) await vscode.commands.executeCommand('shannon.selectClaudeBinary');
    else if (choice === showLog) this.log.show(true);
  }

  /** "Select Claude Binary": a file picker that writes `shannon.claudePath`, then checks the pick. */
  async select(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      title: 'Select the Claude Code binary (claude)',
      openLabel: 'Use This Binary',
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
    });
    const file = picked?.[0];
    if (!file) return;
    await this.settings.setClaudePath(file.fsPath);
    // The settings event also invalidates; do it here too so the check below sees the new path.
    this.invalidate();
    if (!this.trust.isTrusted) {
      void vscode.window.showInformationMessage(`Shannon will use ${file.fsPath} once this workspace is trusted.`);
      return;
    }
    const status = await this.check();
    if (status.kind === 'ok') {
      void vscode.window.showInformationMessage(`Shannon uses Claude Code ${status.info.version} at ${status.info.path}.`);
    } else if (status.kind === 'problem') {
      void this.notify(status.error, true);
    }
  }

  /** Install instructions: the docs, or the npm command typed (not run) in a terminal. */
  async showInstallInstructions(): Promise<void> {
    const docs = 'Open Setup Guide';
    const npm = 'Install with npm…';
    const choice = await vscode.window.showInformationMessage(
      `Shannon runs the Claude Code CLI (claude). Install it with "${INSTALL_COMMAND}" (Node 18+), or see the setup guide for the native installer; then pick the binary or check again.`,
      docs,
      npm,
    );
    if (choice === docs) await vscode.env.openExternal(vscode.Uri.parse(INSTALL_URL));
    else if (choice === npm) {
      const terminal = vscode.window.createTerminal({ name: 'Install Claude Code' });
      terminal.show();
      // Typed, not run: the person reads it and presses Enter.
      terminal.sendText(INSTALL_COMMAND, false);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private invalidate(): void {
    this.lookup = undefined;
    this.notified.clear();
  }

  private async locate(): Promise<ClaudeBinary> {
    this.setStatus({ kind: 'checking' });
    const explicitPath = this.settings.current.claudePath || undefined;
    try {
      // refresh: this service keeps its own cache; when it asks, it wants a fresh look.
      const info = await (await this.locator()).locate({ explicitPath, refresh: true });
      this.log.info(`claude ${info.version} at ${info.path} (found via ${info.place})`);
      this.setStatus({ kind: 'ok', info });
      return info;
    } catch (err) {
      const error = asShannonError(err);
      const searched = (err as { searched?: unknown }).searched;
      this.log.warn(`claude not usable: ${error.code} ${error.message}${Array.isArray(searched) ? `\n  searched:\n    ${searched.map(String).join('\n    ')}` : ''}`);
      this.setStatus({ kind: 'problem', error });
      // A failed lookup is not cached: installing claude and retrying must work without a reload.
      this.lookup = undefined;
      throw error;
    }
  }

  private setStatus(status: ClaudeStatus): void {
    this.statusValue = status;
    this.contextKeys.set('shannon.claude', status.kind === 'problem' ? (CONTEXT_VALUE[status.error.code] ?? 'broken') : status.kind);
    this.onDidChangeStatusEmitter.fire(status);
  }
}

