/**
 * Workspace trust: in an untrusted workspace Shannon spawns nothing, because a `claude` process
 * runs tools and edits files in the folder. Commands ask this gate first and, when refused, say
 * why with a way to change it; the engine's binary lookup asks it too, as a second lock.
 */
import * as vscode from 'vscode';
import { ShannonError } from '../core/errors.js';

export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';

export class WorkspaceTrustGate implements vscode.Disposable {
  private readonly onDidGrantEmitter = new vscode.EventEmitter<void>();
  /** Trust was granted (VS Code never revokes it without a window reload). */
  readonly onDidGrant: vscode.Event<void> = this.onDidGrantEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.onDidGrantEmitter];

  constructor() {
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.onDidGrantEmitter.fire()));
  }

  get isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** For the engine: throws when Claude Code must not run here. */
  assertTrusted(): void {
    if (!this.isTrusted) throw untrustedError();
  }

  /**
   * For commands: true when trusted; otherwise tells the user why `action` cannot run (with a
   * button to manage trust) and returns false at once, without waiting for the message.
   */
  async allows(action: string): Promise<boolean> {
    if (this.isTrusted) return true;
    const manage = 'Manage Workspace Trust';
    void vscode.window
      .showWarningMessage(
        `Shannon cannot ${action} in Restricted Mode: Claude Code runs tools and edits files in this folder, so Shannon starts it only in a trusted workspace.`,
        manage,
      )
      .then((choice) => (choice === manage ? vscode.commands.executeCommand(MANAGE_TRUST_COMMAND) : undefined));
    return false;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function untrustedError(): ShannonError {
  return new ShannonError(
    'NOT_SUPPORTED',
    'This workspace is not trusted, so Shannon starts no Claude Code process in it.',
    'Trust the workspace (Manage Workspace Trust) to run sessions here.',
  );
}
