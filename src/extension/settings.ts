/**
 * The `shannon.*` settings, read once per change into one typed value (model/settings.ts), with
 * an event that says which keys changed. Everything else reads settings through this service.
 */
import * as vscode from 'vscode';
import { changedKeys, readSettings, type SettingKey, type ShannonSettings } from './model/settings.js';

export interface SettingsChange {
  settings: ShannonSettings;
  changed: ReadonlySet<SettingKey>;
}

export class Settings implements vscode.Disposable {
  private readonly onDidChangeEmitter = new vscode.EventEmitter<SettingsChange>();
  readonly onDidChange: vscode.Event<SettingsChange> = this.onDidChangeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.onDidChangeEmitter];
  private value: ShannonSettings;

  constructor() {
    this.value = Settings.read();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('shannon')) return;
        const next = Settings.read();
        const changed = changedKeys(this.value, next);
        this.value = next;
        if (changed.length) this.onDidChangeEmitter.fire({ settings: next, changed: new Set(changed) });
      }),
    );
  }

  get current(): ShannonSettings {
    return this.value;
  }

  /** Writes `shannon.claudePath` (machine scope: it lives in the user's settings, never a repository's). */
  async setClaudePath(path: string): Promise<void> {
    await vscode.workspace.getConfiguration('shannon').update('claudePath', path, vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private static read(): ShannonSettings {
    const config = vscode.workspace.getConfiguration('shannon');
    return readSettings((key) => config.get(key));
  }
}
