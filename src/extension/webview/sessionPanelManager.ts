/**
 * SessionPanelManager: one webview panel per session (shown again if already open), restored
 * after a window reload by its WebviewPanelSerializer, fed by the SessionManager's events.
 *
 *   const panels = new SessionPanelManager({ extensionUri: context.extensionUri, core, log });
 *   context.subscriptions.push(panels);
 *   await panels.show(sessionId);          // from the tree, a command, a notification
 *   panels.isVisible(sessionId);           // is the session's panel on screen?
 *
 * Construct it during activation (the serializer must be registered before VS Code restores
 * panels); `core` may resolve later: panels wait for it. The manifest needs the activation
 * event `onWebviewPanel:shannon.session`.
 */
import * as vscode from 'vscode';
import { DisposableStore, type Disposable as CoreDisposable } from '../../core/lifecycle';
import { isBusy } from '../../core/session/types';
import { SESSION_VIEW_TYPE, type Attachment, type ContextWindow, type PartialDelta, type WebviewPersistedState, type WebviewSettings } from '../../shared/webviewProtocol';
import type { EntryReveal, SessionPanels } from '../panels';
import { DiffDocuments } from './diffDocuments';
import { panelTitle, SessionPanel, type PanelReview, type PanelTurnEdits, type SessionPanelHost } from './sessionPanel';
import { StreamAccumulator } from '../../core/transcript/stream';
import { takeWaitingTab } from './restoredTabs';
import type { PanelCore } from './types';

export interface SessionPanelManagerOptions {
  extensionUri: vscode.Uri;
  /** The core, once open (panels restored at startup wait for it). */
  core(): Promise<PanelCore>;
  /** Panel settings; default: partial messages shown. */
  settings?(): WebviewSettings;
  /** Fires when `settings()` may have changed. */
  onDidChangeSettings?: vscode.Event<unknown>;
  log?: vscode.LogOutputChannel;
  /** A session's last context-window reading (the header's meter). */
  context?(sessionId: string): ContextWindow | undefined;
  /** Review of file changes and plans (src/extension/review). */
  review?: PanelReview;
  /** `@` completion: files and editor context for a session in `cwd`. */
  mentions?: SessionPanelHost['mentions'];
  /** Review of a turn's edits after the fact (src/extension/review/turnReview.ts). */
  turnEdits?: PanelTurnEdits;
}

export class SessionPanelManager implements SessionPanels, vscode.Disposable {
  static readonly viewType = SESSION_VIEW_TYPE;

  private readonly panels = new Map<string, SessionPanel>();
  private readonly streams = new Map<string, StreamAccumulator>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly coreSubscriptions = new DisposableStore();
  /** The read-only sides of diffs (the review's left side too). */
  readonly diffs = new DiffDocuments();
  private readonly host: SessionPanelHost;
  private coreAttached: Promise<PanelCore> | undefined;
  /** The session whose panel was active last (where Send Selection goes). */
  private lastActive: string | undefined;
  private disposed = false;

  constructor(private readonly options: SessionPanelManagerOptions) {
    this.host = {
      extensionUri: options.extensionUri,
      core: () => this.attach(),
      settings: () => options.settings?.() ?? { showPartialMessages: true },
      partials: (id) => this.streams.get(id)?.snapshot() ?? [],
      diffs: this.diffs,
      log: options.log,
      context: (id) => options.context?.(id),
      review: options.review,
      mentions: options.mentions,
      turnEdits: options.turnEdits,
    };
    this.disposables.push(
      this.diffs,
      vscode.window.registerWebviewPanelSerializer(SESSION_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => this.restore(panel, state),
      }),
    );
    // Follow streams from the start, so a panel opened mid-reply shows what came before.
    // After activation has returned: the core opens in its own time.
    const early = setTimeout(() => void this.attach().catch(() => undefined), 0);
    this.disposables.push({ dispose: () => clearTimeout(early) });
    if (options.onDidChangeSettings) {
      this.disposables.push(
        options.onDidChangeSettings(() => {
          const s = this.host.settings();
          for (const p of this.panels.values()) {
            p.settingsChanged(s);
            void p.turnEditsChanged();
          }
        }),
      );
    }
  }

  /** Shows the session's panel, creating it if needed, and puts the focus in its message box. */
  async show(sessionId: string, options: { preserveFocus?: boolean; viewColumn?: vscode.ViewColumn; reveal?: EntryReveal } = {}): Promise<void> {
    if (this.disposed) return;
    const existing = this.panels.get(sessionId);
    if (existing) {
      existing.reveal(options.preserveFocus);
      if (options.reveal) existing.revealEntry(options.reveal);
      return;
    }
    const core = await this.attach();
    const record = core.manager.get(sessionId);
    const title = record ? panelTitle(record) : 'Claude Code session';
    // After a reload the session may have a tab VS Code has not revived yet: take its place.
    const waitingIn = record ? await takeWaitingTab(title, [...this.panels.values()].filter((p) => p.panel.title === title).length) : undefined;
    if (this.panels.has(sessionId)) return this.show(sessionId, options);
    const panel = vscode.window.createWebviewPanel(
      SESSION_VIEW_TYPE,
      title,
      { viewColumn: options.viewColumn ?? waitingIn ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus ?? false },
      {
        enableScripts: true,
        enableFindWidget: true,
        // Hidden panels are dropped and rebuilt from the store when shown again.
        retainContextWhenHidden: false,
        localResourceRoots: [vscode.Uri.joinPath(this.options.extensionUri, 'dist'), vscode.Uri.joinPath(this.options.extensionUri, 'media')],
      },
    );
    const adopted = this.adopt(panel, sessionId);
    if (options.reveal) adopted.revealEntry(options.reveal);
  }

  /** The session's panel is open and on screen. */
  isVisible(sessionId: string): boolean {
    return this.panels.get(sessionId)?.visible ?? false;
  }

  /** The session's panel is open (possibly in a background tab). */
  isOpen(sessionId: string): boolean {
    return this.panels.has(sessionId);
  }

  /** Closes the session's panel, if open (the session was deleted). */
  close(sessionId: string): void {
    this.panels.get(sessionId)?.dispose();
  }

  /** A new context-window reading for the session's panel, if open. */
  contextChanged(sessionId: string, context: ContextWindow): void {
    this.panels.get(sessionId)?.contextChanged(context);
  }

  /** Shows the session's panel and puts `attachment` in its message box as a chip. */
  async attachContext(sessionId: string, attachment: Attachment): Promise<void> {
    // A hidden panel's page is dropped; shown again, it loads anew and the attachment waits for it.
    const existing = this.panels.get(sessionId);
    const reloading = !existing?.visible;
    await this.show(sessionId);
    this.panels.get(sessionId)?.attach(attachment, reloading);
  }

  /** The open panel the user was in last, if any. */
  lastActiveSessionId(): string | undefined {
    return this.lastActive && this.panels.has(this.lastActive) ? this.lastActive : undefined;
  }

  /** Sessions with an open panel. */
  openSessionIds(): string[] {
    return [...this.panels.keys()];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
    this.coreSubscriptions.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ---- internals -------------------------------------------------------------------------

  private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const sessionId = (state as Partial<WebviewPersistedState> | undefined)?.sessionId;
    if (this.disposed || typeof sessionId !== 'string' || !sessionId) {
      panel.dispose();
      return;
    }
    if (this.panels.has(sessionId)) {
      // Two restored tabs of one session: keep the first.
      panel.dispose();
      return;
    }
    const core = await this.attach().catch(() => undefined);
    if (core && !core.manager.get(sessionId)) {
      // Deleted while its tab waited (here, in another window, by retention): close it, and say so.
      const title = panel.title;
      panel.dispose();
      void vscode.window.showInformationMessage(`The session "${title}" was deleted, so its tab was closed.`);
      return;
    }
    if (this.disposed || this.panels.has(sessionId)) {
      panel.dispose();
      return;
    }
    this.adopt(panel, sessionId);
  }

  private adopt(panel: vscode.WebviewPanel, sessionId: string): SessionPanel {
    const p = new SessionPanel(panel, sessionId, this.host);
    this.panels.set(sessionId, p);
    if (panel.active) this.lastActive = sessionId;
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.lastActive = sessionId;
    });
    p.onDidDispose(() => {
      if (this.panels.get(sessionId) === p) this.panels.delete(sessionId);
    });
    return p;
  }

  /** Subscribes to the core's events once it is open. */
  private attach(): Promise<PanelCore> {
    return (this.coreAttached ??= this.options.core().then((core) => {
      if (this.disposed) return core;
      const m = core.manager;
      const subs = this.coreSubscriptions;
      const add = (d: CoreDisposable) => subs.add(d);
      add(
        m.onDidMessage((e) => {
          const raw = e.message.message as unknown as Record<string, unknown>;
          let delta: PartialDelta | undefined;
          if (e.message.kind === 'stream_event') {
            let acc = this.streams.get(e.sessionId);
            if (!acc) this.streams.set(e.sessionId, (acc = new StreamAccumulator()));
            delta = acc.push(raw);
          } else if (e.message.kind === 'assistant') {
            this.streams.get(e.sessionId)?.complete(raw);
          } else if (e.message.kind === 'result') {
            this.streams.delete(e.sessionId);
          }
          const panel = this.panels.get(e.sessionId);
          if (!panel) return;
          if (delta) panel.partial(delta);
          else panel.onMessage(e);
        }),
      );
      add(
        m.onDidChangeSession((record) => {
          if (!isBusy(record.state)) this.streams.delete(record.id);
          this.panels.get(record.id)?.sessionChanged(record);
        }),
      );
      const store = core.store;
      if (store.onDidChange && store.getSession) {
        const exists = store.getSession.bind(store);
        add(
          store.onDidChange((change) => {
            for (const id of change.sessionIds) {
              if (this.panels.has(id) && !exists(id)) this.close(id);
              else void this.panels.get(id)?.turnEditsChanged();
            }
          }),
        );
      }
      const capabilities = core.capabilities;
      if (capabilities) add(capabilities.onDidChange((id) => this.panels.get(id)?.commandsChanged(capabilities.get(id).commands)));
      add(m.onDidRequestPermission((ask) => this.panels.get(ask.sessionId)?.permissionAsked(ask)));
      add(m.onDidSettlePermission((e) => this.panels.get(e.sessionId)?.permissionSettled(e.requestId, e.decision)));
      return core;
    }));
  }
}
