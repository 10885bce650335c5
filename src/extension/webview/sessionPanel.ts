/**
 * One session's webview panel, host side: renders the page, answers the webview's requests by
 * calling the SessionManager, and forwards the session's live events (batched per frame).
 *
 * Lifecycle of the page: VS Code reloads it whenever the panel is hidden and shown again
 * (retainContextWhenHidden is off: a hidden panel costs no memory), and after a window reload.
 * Each load says `ready`; the panel then reads the transcript from the store and sends `init`.
 * Until `init` is out, live entries are buffered (and added to it), everything else is dropped:
 * `init` carries the state of that moment (session, pending asks, streamed text so far).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isShannonError } from '../../core/errors';
import type { PermissionAsk, PermissionDecision } from '../../core/session/permissions';
import type { MessageEvent as SessionMessageEvent } from '../../core/session/manager';
import { isBusy, type SessionRecord, type TranscriptEntry } from '../../core/session/types';
import {
  parseWebviewMessage,
  type ErrorInfo,
  type HostMessage,
  type InitMessage,
  type ContextWindow,
  type Attachment,
  type PartialDelta,
  type RequestResult,
  type SlashCommandInfo,
  type TurnEditsInfo,
  type WebviewRequest,
  type WebviewSettings,
} from '../../shared/webviewProtocol';
import { fixAction } from '../model/fixActions';
import { MessageBatcher } from './batcher';
import { diffSides } from './diffSides';
import { renderPanelHtml } from './html';
import { DIFF_TOOLS, toolUses } from '../../core/transcript/blocks';
import { isDisplayable } from '../../core/transcript/entry';
import { FULL_STRING, olderQuery, panelWindow, tailQuery, trimEntry } from './transcriptWindow';
import { inheritedHistory } from '../../core/checkpoints/forkPoint';
import type { DiffDocuments } from './diffDocuments';
import type { PanelCore } from './types';
import type { EntryReveal } from '../panels';

export interface SessionPanelHost {
  readonly extensionUri: vscode.Uri;
  core(): Promise<PanelCore>;
  settings(): WebviewSettings;
  /** Streamed text so far of the session's blocks in flight. */
  partials(sessionId: string): PartialDelta[];
  readonly diffs: DiffDocuments;
  readonly log?: vscode.LogOutputChannel;
  /** The session's last context-window reading, for the header's meter. */
  context?(sessionId: string): ContextWindow | undefined;
  /** `@` completion for a session working in `cwd`. */
  mentions?(cwd: string, query: string): Promise<RequestResult<'mentions'>>;
  readonly review?: PanelReview;
  readonly turnEdits?: PanelTurnEdits;
}

/** What the panel asks of the review of a turn's edits (src/extension/review/turnReview.ts). */
export interface PanelTurnEdits {
  /** The session's turns that can be reviewed, or why none can. */
  info(sessionId: string): Promise<TurnEditsInfo>;
  /** Shows one turn's review. */
  review(checkpointId: string): Promise<void>;
}

/** What the panel asks of the review of edits and plans (src/extension/review/editReviews.ts). */
export interface PanelReview {
  /** The decision to send (a reviewed edit's text in it); undefined: the user backed out. */
  resolve(sessionId: string, requestId: string, decision: PermissionDecision): Promise<PermissionDecision | undefined>;
  /** Opens the editable review diff of a pending ask; false when there is none. */
  open(sessionId: string, toolUseId: string): Promise<boolean>;
  openPlan(sessionId: string, requestId: string): Promise<void>;
}

type Phase = 'loading' | 'live' | 'disposed';

export class SessionPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly batcher: MessageBatcher;
  private phase: Phase = 'loading';
  /** A search hit to show once the transcript is loaded. */
  private pendingReveal: EntryReveal | undefined;
  /** Live entries that arrived while the transcript was being read for `init`. */
  private buffered: TranscriptEntry[] = [];
  /** Which load of the page `init` is for: a second `ready` supersedes a first still loading. */
  private loadGeneration = 0;
  private lastSentSeq = -1;
  /** Attachments that came before the page was ready (a new panel): sent after `init`. */
  private pendingAttachments: Attachment[] = [];
  /** Inputs of file-changing tool calls seen, for the diff editor. */
  private readonly toolInputs = new Map<string, { name: string; input: Record<string, unknown> }>();
  private readonly onDidDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDidDisposeEmitter.event;
  /** The reviewable turns last sent, to send only what changed. */
  private sentTurnEdits = '';

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly sessionId: string,
    private readonly host: SessionPanelHost,
  ) {
    this.batcher = new MessageBatcher((m) => void this.panel.webview.postMessage(m));
    const dist = vscode.Uri.joinPath(host.extensionUri, 'dist');
    panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [dist, vscode.Uri.joinPath(host.extensionUri, 'media')],
    };
    panel.webview.html = renderPanelHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      sessionId,
      title: panel.title,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onWebviewMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      this.onDidDisposeEmitter,
    );
  }

  /** A method, not a field read: TypeScript would narrow `phase` across the awaits above. */
  private isDisposed(): boolean {
    return this.phase === 'disposed';
  }

  get visible(): boolean {
    return this.phase !== 'disposed' && this.panel.visible;
  }

  reveal(preserveFocus = false): void {
    this.panel.reveal(undefined, preserveFocus);
    if (!preserveFocus) this.batcher.send({ type: 'focusInput' });
  }

  /** Scrolls the transcript to the entry and marks the words (now, or right after the first load). */
  revealEntry(target: EntryReveal): void {
    if (this.phase === 'live') this.batcher.send({ type: 'revealEntry', ...target });
    else this.pendingReveal = target;
  }

  // ---- live events (the manager dispatches only this session's) ------------------------------

  onMessage(e: SessionMessageEvent): void {
    if (this.phase === 'disposed') return;
    // Partial messages come as partial(); everything else the panel shows has been stored.
    const entry = e.entry;
    if (!entry) return;
    this.noteToolInputs(entry);
    if (!isDisplayable(entry)) return;
    if (this.phase === 'loading') {
      this.buffered.push(entry);
      return;
    }
    if (entry.seq >= 0 && entry.seq <= this.lastSentSeq) return;
    if (entry.seq >= 0) this.lastSentSeq = entry.seq;
    this.batcher.append([trimEntry(entry)]);
  }

  partial(delta: PartialDelta): void {
    if (this.phase === 'live') this.batcher.partial(delta);
  }

  sessionChanged(session: SessionRecord): void {
    if (this.phase !== 'live') return;
    this.panel.title = panelTitle(session);
    this.batcher.send({ type: 'sessionChanged', session });
  }

  permissionAsked(ask: PermissionAsk): void {
    if (this.phase === 'live') this.batcher.send({ type: 'permissionAsked', ask });
  }

  permissionSettled(requestId: string, decision: PermissionDecision | undefined): void {
    if (this.phase === 'live') this.batcher.send({ type: 'permissionSettled', requestId, ...(decision ? { decision } : {}) });
  }

  settingsChanged(settings: WebviewSettings): void {
    if (this.phase === 'live') this.batcher.send({ type: 'settingsChanged', settings });
  }

  contextChanged(context: ContextWindow): void {
    if (this.phase === 'live') this.batcher.send({ type: 'contextChanged', context });
  }

  /** `reloading`: the page is about to load again (a hidden panel revealed): send it after `init`. */
  attach(attachment: Attachment, reloading: boolean): void {
    if (this.phase === 'live' && !reloading) this.batcher.send({ type: 'attach', attachment });
    else this.pendingAttachments.push(attachment);
  }

  /** A checkpoint may have been kept, or the setting changed: tell the page if its offers differ. */
  async turnEditsChanged(): Promise<void> {
    if (this.phase !== 'live' || !this.host.turnEdits) return;
    const turnEdits = await this.turnEditsInfo();
    const text = JSON.stringify(turnEdits);
    if (!turnEdits || this.phase !== 'live' || text === this.sentTurnEdits) return;
    this.sentTurnEdits = text;
    this.batcher.send({ type: 'turnEditsChanged', turnEdits });
  }

  private async turnEditsInfo(): Promise<TurnEditsInfo | undefined> {
    try {
      return await this.host.turnEdits?.info(this.sessionId);
    } catch (err) {
      this.host.log?.warn(`session panel ${this.sessionId}: no turn review: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  commandsChanged(commands: SlashCommandInfo[]): void {
    if (this.phase === 'live') this.batcher.send({ type: 'commandsChanged', commands });
  }

  dispose(): void {
    if (this.phase === 'disposed') return;
    this.phase = 'disposed';
    this.batcher.dispose();
    this.onDidDisposeEmitter.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  // ---- the webview's messages --------------------------------------------------------------

  private onWebviewMessage(value: unknown): void {
    const message = parseWebviewMessage(value);
    if (!message || this.phase === 'disposed') {
      this.host.log?.warn(`session panel ${this.sessionId}: ignored a malformed message from the webview`);
      return;
    }
    switch (message.type) {
      case 'ready':
        void this.load();
        return;
      case 'copy':
        void vscode.env.clipboard.writeText(message.text);
        return;
      case 'log':
        this.host.log?.[message.level === 'info' ? 'info' : message.level === 'warn' ? 'warn' : 'error'](`session panel: ${message.message}`);
        return;
      default:
        void this.answer(message);
    }
  }

  private async load(): Promise<void> {
    const generation = ++this.loadGeneration;
    this.phase = 'loading';
    this.batcher.pause();
    this.batcher.discard();
    this.buffered = [];
    try {
      const core = await this.host.core();
      const session = core.manager.get(this.sessionId);
      if (!session) throw new Error(`There is no session with id ${this.sessionId}: it may have been deleted.`);
      const read = await core.store.readTranscriptTail(this.sessionId, tailQuery());
      if (generation !== this.loadGeneration || this.isDisposed()) return;
      for (const e of read.entries) this.noteToolInputs(e);
      const { entries, hasOlder } = panelWindow(read);
      let last = read.entries.at(-1)?.seq ?? -1;
      // Entries that came in while we read, which the read may or may not have seen.
      for (const e of this.buffered) {
        if (e.seq >= 0 && e.seq <= last) continue;
        entries.push(trimEntry(e));
        if (e.seq >= 0) last = e.seq;
      }
      this.buffered = [];
      this.lastSentSeq = last;
      const init: InitMessage = {
        type: 'init',
        session: core.manager.get(this.sessionId) ?? session,
        entries,
        hasOlder,
        partials: this.host.partials(this.sessionId),
        pendingPermissions: core.manager.pendingPermissions(this.sessionId),
        settings: this.host.settings(),
        context: this.host.context?.(this.sessionId),
        commands: core.capabilities?.get(this.sessionId).commands ?? [],
      };
      const inherited = hasOlder ? undefined : await inheritedHistory(core.store, session, tailQuery());
      const turnEdits = await this.turnEditsInfo();
      if (generation !== this.loadGeneration || this.isDisposed()) return;
      if (turnEdits) {
        init.turnEdits = turnEdits;
        this.sentTurnEdits = JSON.stringify(turnEdits);
      }
      if (inherited) init.inherited = { parentTitle: core.manager.get(inherited.parentId)?.title ?? '', entries: panelWindow(inherited).entries };
      this.panel.title = panelTitle(init.session);
      this.phase = 'live';
      await this.panel.webview.postMessage(init satisfies HostMessage);
      for (const attachment of this.pendingAttachments.splice(0)) this.batcher.send({ type: 'attach', attachment });
      this.batcher.resume();
      if (this.pendingReveal) this.batcher.send({ type: 'revealEntry', ...this.pendingReveal });
      this.pendingReveal = undefined;
    } catch (err) {
      if (generation !== this.loadGeneration || this.isDisposed()) return;
      const message = err instanceof Error ? err.message : String(err);
      this.host.log?.error(`session panel ${this.sessionId}: ${message}`);
      void vscode.window.showErrorMessage(`Shannon could not show the session: ${message}`);
      this.dispose();
    }
  }

  private async answer(request: WebviewRequest): Promise<void> {
    let reply: HostMessage;
    try {
      const result = await this.perform(request);
      reply = { type: 'reply', id: request.id, ok: true, result };
    } catch (err) {
      reply = { type: 'reply', id: request.id, ok: false, error: errorInfo(err) };
      this.host.log?.warn(`session panel ${this.sessionId}: ${request.type} failed: ${reply.error.message}`);
    }
    if (this.phase !== 'disposed') void this.panel.webview.postMessage(reply);
  }

  private async perform(request: WebviewRequest): Promise<unknown> {
    const { manager, store } = await this.host.core();
    const id = this.sessionId;
    switch (request.type) {
      case 'send': {
        const state = manager.get(id)?.state;
        await manager.send(id, request.text);
        return { queued: state !== undefined && isBusy(state) };
      }
      case 'interrupt':
        return manager.interrupt(id);
      case 'cancel':
        return manager.cancel(id);
      case 'resume':
        await manager.resume(id, request.text);
        return undefined;
      case 'permission': {
        const decision = this.host.review ? await this.host.review.resolve(id, request.requestId, request.decision) : request.decision;
        if (decision) manager.respondToPermission(id, request.requestId, decision);
        return undefined;
      }
      case 'openDiff':
        if (await this.host.review?.open(id, request.toolUseId)) return undefined;
        return this.openDiff(request.toolUseId);
      case 'openPlan':
        if (!this.host.review) throw new Error('Plans cannot be opened here.');
        return this.host.review.openPlan(id, request.requestId);
      case 'loadOlder': {
        const read = await store.readTranscriptTail(id, olderQuery(request.beforeSeq));
        for (const e of read.entries) this.noteToolInputs(e);
        return panelWindow(read);
      }
      case 'fullEntry': {
        const entry = await store.readTranscriptEntry(id, request.seq);
        return { entry: entry ? trimEntry(entry, FULL_STRING) : undefined };
      }
      case 'fix': {
        const action = fixAction(request.fix, id);
        if (action) await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
        return undefined;
      }
      case 'reviewTurn':
        if (!this.host.turnEdits) throw new Error('Turns cannot be reviewed here.');
        return this.host.turnEdits.review(request.checkpointId);
      case 'mentions': {
        const cwd = manager.get(id)?.cwd;
        return cwd && this.host.mentions ? this.host.mentions(cwd, request.query) : { files: [], editor: [] };
      }
    }
  }

  private noteToolInputs(entry: TranscriptEntry): void {
    if (entry.direction !== 'in' || entry.type !== 'assistant') return;
    for (const use of toolUses(entry.raw)) if (DIFF_TOOLS.has(use.name)) this.toolInputs.set(use.id, { name: use.name, input: use.input });
  }

  private async openDiff(toolUseId: string): Promise<void> {
    const tool = this.toolInputs.get(toolUseId);
    if (!tool) throw new Error('That tool call is not in this session’s transcript.');
    const { manager } = await this.host.core();
    const session = manager.get(this.sessionId);
    const raw = typeof tool.input.file_path === 'string' ? tool.input.file_path : '';
    const file = path.isAbsolute(raw) ? raw : path.resolve(session?.cwd ?? '', raw);
    let current: string | undefined;
    try {
      current = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
    } catch {
      current = undefined;
    }
    const sides = diffSides(tool.name, { ...tool.input, file_path: file }, current);
    if (!sides) throw new Error(`The ${tool.name} call has no file change to show.`);
    const { left, right } = this.host.diffs.put(sides);
    const title = `${path.basename(file)} (${tool.name}: ${sides.beforeLabel} ↔ ${sides.afterLabel})`;
    await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }
}

export function panelTitle(session: SessionRecord): string {
  return session.title.length > 40 ? `${session.title.slice(0, 39)}…` : session.title;
}

/** An error as a webview shows it: the ShannonError's code, message and hint. */
export function errorInfo(err: unknown): ErrorInfo {
  if (isShannonError(err)) return { code: err.code, message: err.message, hint: err.hint };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
