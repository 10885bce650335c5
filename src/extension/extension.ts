import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Shannon', { log: true });
  context.subscriptions.push(output);
  output.info('Shannon activated');
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions and disposed by VS Code.
}
