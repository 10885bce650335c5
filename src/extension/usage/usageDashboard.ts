/**
 * The usage dashboard, host side: one webview panel (bundle dist/usage.js + usage.css), restored
 * after a window reload by its serializer. It answers the webview's requests (the report for a
 * range, open a session, export a table as CSV) and pushes changes: a new report when turns are
 * recorded (here or in another window), plan limits as the CLI reports them.
 *
 *   const dashboard = new UsageDashboard({ extensionUri, core, panels, settings, log });
 *   await dashboard.show();          // the Show Usage command
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { Disposable as CoreDisposable } from '../../core/lifecycle.js';
import type { UsageTable } from '../../core/usage/csv.js';
import type { UsageReport } from '../../core/usage/report.js';
import {
  parseUsageMessage,
  USAGE_RANGES,
  USAGE_VIEW_TYPE,
  type LimitsView,
  type UsageHostMessage,
  type UsagePersistedState,
  type UsageRange,
  type UsageRequest,
} from '../../shared/usageProtocol.js';
import type { ShannonCore } from '../core.js';
import type { SessionPanels } from '../panels.js';
import type { Settings } from '../settings.js';
import { errorInfo } from '../webview/sessionPanel.js';
import { renderUsageHtml } from './usageHtml.js';

export interface UsageDashboardOptions {
  extensionUri: vscode.Uri;
  core(): Promise<ShannonCore>;
  panels(): SessionPanels;
  settings: Settings;
  log?: vscode.LogOutputChannel;
  now?: () => number;
}

/** After a turn, the report is rebuilt this long later (turns come in bursts). */
const REFRESH_DELAY_MS = 1000;
const DEFAULT_RANGE: UsageRange = 30;

export class UsageDashboard implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private coreSubscriptions: CoreDisposable[] = [];
  private days: UsageRange = DEFAULT_RANGE;
  private ready = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: UsageDashboardOptions) {
    this.now = options.now ?? Date.now;
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(USAGE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const days = (state as Partial<UsagePersistedState> | undefined)?.days;
          if (this.panel) {
            panel.dispose();
            return;
          }
          this.adopt(panel, USAGE_RANGES.includes(days as UsageRange) ? (days as UsageRange) : DEFAULT_RANGE);
        },
      }),
      options.settings.onDidChange((e) => {
        if (e.changed.has('usage.warnAtPercent')) void this.pushLimits();
      }),
    );
  }

  /** Shows the dashboard (creating it if needed) and resolves with the report it shows. */
  async show(days?: UsageRange): Promise<UsageReport> {
    if (days) this.days = days;
    if (this.panel) this.panel.reveal();
    else {
      const panel = vscode.window.createWebviewPanel(USAGE_VIEW_TYPE, 'Claude Code Usage', vscode.ViewColumn.Active, {
        enableScripts: true,
        enableFindWidget: true,
        retainContextWhenHidden: false,
        localResourceRoots: [vscode.Uri.joinPath(this.options.extensionUri, 'dist')],
      });
      this.adopt(panel, this.days);
    }
    return this.report(this.days);
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Writes one table as CSV to `file`, or asks where (a save dialog). Resolves with the file written. */
  async exportCsv(table: UsageTable, days: UsageRange, file?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const report = await this.report(days);
    const { csvFileName, reportCsv } = await import('../../core/usage/csv.js');
    const target =
      file ??
      (await vscode.window.showSaveDialog({
        title: `Export ${table} usage as CSV`,
        defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir()), csvFileName(report, table)),
        filters: { 'CSV (comma-separated values)': ['csv'] },
      }));
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(reportCsv(report, table)));
    return target;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const d of this.coreSubscriptions.splice(0)) d.dispose();
  }

  // ---- internals -------------------------------------------------------------------------

  private adopt(panel: vscode.WebviewPanel, days: UsageRange): void {
    this.panel = panel;
    this.days = days;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.options.extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [dist] };
    panel.webview.html = renderUsageHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'usage.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'usage.css')).toString(),
      days,
    });
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onWebviewMessage(m)),
      panel.onDidDispose(() => {
        if (this.panel !== panel) return;
        this.panel = undefined;
        clearTimeout(this.refreshTimer);
        for (const d of this.panelDisposables.splice(0)) d.dispose();
        for (const d of this.coreSubscriptions.splice(0)) d.dispose();
      }),
    );
    void this.subscribe(panel);
  }

  /** Follows the store and the plan limits while the panel is open. */
  private async subscribe(panel: vscode.WebviewPanel): Promise<void> {
    const core = await this.options.core();
    if (this.panel !== panel) return;
    this.coreSubscriptions.push(
      core.store.onDidChange(() => this.scheduleRefresh()),
      core.planLimits.onDidChange(() => void this.pushLimits()),
    );
  }

  private scheduleRefresh(): void {
    if (!this.panel || !this.ready || this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (!this.panel?.visible) return; // rebuilt from scratch when shown again
      void this.report(this.days).then((report) => this.post({ type: 'report', report }), (err: unknown) => this.options.log?.warn(`usage dashboard: ${String(err)}`));
    }, REFRESH_DELAY_MS);
  }

  private async report(days: UsageRange): Promise<UsageReport> {
    const core = await this.options.core();
    // Loaded with the first report, not with the activation bundle.
    const { buildUsageReport } = await import('../../core/usage/report.js');
    return buildUsageReport(core.store, { days, now: this.now() });
  }

  private async limits(): Promise<LimitsView> {
    const core = await this.options.core();
    return { state: core.planLimits.state, samples: core.planLimits.samples, warnAtPercent: this.options.settings.current.usage.warnAtPercent };
  }

  private async pushLimits(): Promise<void> {
    if (!this.panel || !this.ready) return;
    this.post({ type: 'limits', limits: await this.limits() });
  }

  private post(message: UsageHostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private onWebviewMessage(value: unknown): void {
    const message = parseUsageMessage(value);
    if (!message) {
      this.options.log?.warn('usage dashboard: ignored a malformed message from the webview');
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        void this.pushLimits();
        return;
      case 'log':
        this.options.log?.[message.level === 'info' ? 'info' : message.level === 'warn' ? 'warn' : 'error'](`usage dashboard: ${message.message}`);
        return;
      default:
        void this.answer(message);
    }
  }

  private async answer(request: UsageRequest): Promise<void> {
    let reply: UsageHostMessage;
    try {
      reply = { type: 'reply', id: request.id, ok: true, result: await this.perform(request) };
    } catch (err) {
      reply = { type: 'reply', id: request.id, ok: false, error: errorInfo(err) };
      this.options.log?.warn(`usage dashboard: ${request.type} failed: ${reply.error.message}`);
    }
    this.post(reply);
  }

  private async perform(request: UsageRequest): Promise<unknown> {
    switch (request.type) {
      case 'load':
        this.days = request.days;
        return this.report(request.days);
      case 'openSession':
        await this.options.panels().show(request.sessionId);
        return undefined;
      case 'exportCsv': {
        const file = await this.exportCsv(request.table, request.days);
        if (file) void vscode.window.showInformationMessage(`Saved the ${request.table} usage to ${vscode.workspace.asRelativePath(file)}.`);
        return file ? { saved: file.fsPath } : {};
      }
    }
  }
}
