/**
 * The session panel: header (title, state, Stop / Cancel / Resume), the virtualised transcript,
 * permission cards, and the message box. It holds no truth of its own: the host sends the
 * session and its transcript (`init`), then changes; everything the user does is a request to
 * the host. What must survive a reload (draft, scroll position, expanded rows) goes to setState.
 */
import type { ContextWindow, EditedTurn, HostMessage, InitMessage, PanelEntry, PermissionAsk, PermissionDecision, SessionRecord, TurnEditsInfo, WebviewPersistedState } from '../shared/webviewProtocol';
import { messageText } from '../core/transcript/blocks';
import { HostChannel, HostError } from './common/host';
import { record } from './common/perf';
import { formatCost, isBusy, isLive, STATE_ICONS, STATE_LABELS } from './model/format';
import { TranscriptModel, type Row } from './model/transcript';
import { h, icon, iconButton } from './render/dom';
import { estimateRowHeight, renderRow, type RowContext } from './render/rows';
import { ComposerAssist } from './view/composerAssist';
import { composerMode } from './view/composerMode';
import { ContextMeter } from './view/contextMeter';
import { ErrorCard } from './view/errorCard';
import { PermissionView } from './view/permissions';
import { TodoListView } from './view/todoList';
import { RowToggles } from './view/rowToggles';
import { VirtualList } from './view/virtualList';
import { revealEntry } from './view/searchReveal';
import { onTranscriptAction } from './view/transcriptActions';

export class App {
  private readonly model = new TranscriptModel();
  private entries: PanelEntry[] = [];
  private hasOlder = false;
  /** A fork's parent history up to the fork point (shown once the fork's own history is all loaded). */
  private inherited: InitMessage['inherited'];
  private loadingOlder = false;
  private session: SessionRecord | undefined;
  private readonly toggles: RowToggles;
  /** Re-render counters for UI state that is not in the model (expanded, awaiting permission). */
  private readonly uiRevs = new Map<string, number>();
  /** Turns that can be reviewed, by their result's seq. */
  private editedTurns = new Map<number, EditedTurn>();
  private turnReviewUnavailable: string | undefined;
  /** Messages sent while a turn ran, shown as queued until the CLI takes them up. */
  private queued: string[] = [];
  private readonly list: VirtualList<Row>;
  private readonly permissions: PermissionView;
  private readonly rowContext: RowContext;
  private persistTimer = 0;
  private readonly sessionId: string;

  // elements
  private readonly titleEl = h('h1', { class: 'title' });
  private readonly stateEl = h('span', { class: 'state-badge', role: 'status' });
  private readonly costEl = h('span', { class: 'header-stat muted' });
  private context: ContextWindow | undefined;
  private readonly contextMeter = new ContextMeter(() => void this.run(this.host.request('send', { text: '/compact' })));
  private readonly errorCard = new ErrorCard((fix) => void this.run(this.host.request('fix', { fix })));
  private readonly stopButton = iconButton('debug-stop', 'Stop the current turn (Escape)', { class: 'icon-button with-text', 'data-testid': 'stop' }, 'Stop');
  private readonly cancelButton = iconButton('close', 'End this session’s Claude Code process', { class: 'icon-button with-text', 'data-testid': 'cancel' }, 'End');
  private readonly scroller = h('main', { class: 'transcript', role: 'log', 'aria-label': 'Transcript', tabindex: 0, 'aria-live': 'off' });
  private readonly emptyEl = h('div', { class: 'empty muted' }, 'Nothing here yet.');
  private readonly jumpButton = iconButton('arrow-down', 'Jump to the latest message', { class: 'icon-button jump-latest' });
  private readonly queuedEl = h('div', { class: 'queued', 'aria-label': 'Queued messages' });
  private readonly input = h('textarea', {
    id: 'composer-input',
    class: 'input composer-input',
    rows: 1,
    'aria-label': 'Message to Claude',
    placeholder: 'Message Claude…',
  });
  /** Made first in the constructor: its Enter handler must run ahead of the composer's. */
  private readonly assist: ComposerAssist;
  private readonly todos = new TodoListView();
  private readonly sendButton = h('button', { type: 'button', class: 'button primary send', 'data-testid': 'send' });
  private readonly hintEl = h('div', { class: 'composer-hint muted' });
  private readonly errorEl = h('div', { class: 'composer-error', role: 'alert' });
  private readonly liveRegion = h('div', { class: 'visually-hidden', 'aria-live': 'polite' });

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostChannel,
  ) {
    this.assist = new ComposerAssist(this.input, host);
    const saved = host.getState();
    this.sessionId = root.ownerDocument.body.dataset.sessionId || saved?.sessionId || '';
    const mine = saved?.sessionId === this.sessionId;
    if (mine) this.input.value = saved.draft ?? '';
    this.toggles = new RowToggles(this.model, (key) => this.bumpUi(key), mine ? saved.toggled : undefined);
    this.rowContext = {
      isOpen: (key, part) => this.toggles.isOpen(key, part),
      isAwaitingPermission: (toolUseId) => this.permissions.isAwaiting(toolUseId),
      toolRow: (toolUseId) => this.model.tool(toolUseId),
      nestedCount: (toolUseId) => this.model.subagentRows(toolUseId).length,
      editedTurn: (resultSeq) => this.editedTurns.get(resultSeq),
      turnReviewUnavailable: () => this.turnReviewUnavailable,
    };
    this.permissions = new PermissionView({
      answer: (ask, decision) => this.answer(ask, decision),
      openDiff: (toolUseId) => void this.run(this.host.request('openDiff', { toolUseId })),
      openPlan: (requestId) => void this.run(this.host.request('openPlan', { requestId })),
      onChange: () => this.permissionsChanged(),
    });
    this.list = new VirtualList<Row>({
      scroller: this.scroller,
      keyOf: (row) => row.key,
      revOf: (row) => `${row.rev}.${this.uiRevs.get(row.key) ?? 0}`,
      render: (row, existing) => renderRow(row, this.rowContext, existing),
      estimate: (row, width) => estimateRowHeight(row, width, this.rowContext),
      onNearTop: () => void this.loadOlder(),
      onStickChange: (stuck) => {
        this.jumpButton.hidden = stuck;
      },
    });
    this.build();
    host.onMessage((m) => this.onMessage(m));
    // Before the host answers `ready`, say where we are: the serializer needs the session id.
    this.persist();
    host.notify({ type: 'ready' });
  }

  // ---- layout ----------------------------------------------------------------------------

  private build(): void {
    const header = h(
      'header',
      { class: 'header' },
      h('div', { class: 'header-main' }, this.titleEl, this.stateEl, this.costEl, this.contextMeter.element),
      h('div', { class: 'header-actions', role: 'toolbar', 'aria-label': 'Session actions' }, this.stopButton, this.cancelButton),
    );
    this.jumpButton.hidden = true;
    this.sendButton.append(icon('send'), h('span', {}, 'Send'));
    const composer = h(
      'footer',
      { class: 'composer' },
      this.errorCard.element,
      this.permissions.element,
      this.queuedEl,
      this.assist.element,
      h('div', { class: 'composer-row' }, this.input, this.sendButton),
      this.errorEl,
      this.hintEl,
    );
    this.errorEl.hidden = true;
    const body = h('div', { class: 'transcript-wrap' }, this.scroller, this.emptyEl, this.jumpButton);
    this.root.append(header, this.todos.element, body, composer, this.liveRegion);

    this.stopButton.addEventListener('click', () => this.interrupt());
    this.cancelButton.addEventListener('click', () => void this.run(this.host.request('cancel', {})));
    this.jumpButton.addEventListener('click', () => {
      this.list.scrollToBottom();
      this.persist();
    });
    this.sendButton.addEventListener('click', () => void this.submit());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.submit();
      }
    });
    this.input.addEventListener('input', () => {
      this.autosize();
      this.persistSoon();
    });
    this.scroller.addEventListener('click', (e) => this.onTranscriptClick(e));
    this.scroller.addEventListener('scroll', () => this.persistSoon(), { passive: true });
    this.root.ownerDocument.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented && this.session && isBusy(this.session.state)) {
        e.preventDefault();
        this.interrupt();
      }
    });
    this.updateChrome();
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 240)}px`;
  }

  // ---- host messages ---------------------------------------------------------------------

  private onMessage(m: HostMessage): void {
    switch (m.type) {
      case 'init':
        this.init(m);
        break;
      case 'append':
        this.append(m.entries);
        break;
      case 'partial': {
        const started = performance.now();
        this.model.applyPartials(m.deltas);
        this.flushModel();
        record('handle', performance.now() - started);
        break;
      }
      case 'sessionChanged':
        this.setSession(m.session);
        break;
      case 'permissionAsked':
        this.permissions.add(m.ask);
        this.announce(`Claude asks to use ${m.ask.toolName}.`);
        break;
      case 'permissionSettled':
        this.permissions.settle(m.requestId);
        break;
      case 'settingsChanged':
        break;
      case 'contextChanged':
        this.context = m.context;
        this.updateChrome();
        break;
      case 'commandsChanged':
      case 'attach':
        this.assist.onMessage(m);
        break;
      case 'turnEditsChanged':
        this.setTurnEdits(m.turnEdits);
        break;
      case 'focusInput':
        this.input.focus();
        break;
      case 'revealEntry':
        void revealEntry({ list: this.list, rows: () => this.model.rows, unfold: (row) => this.toggles.unfoldAround(row), firstSeq: () => this.model.firstSeq, hasOlder: () => this.hasOlder, loadOlder: () => this.loadOlder() }, m.seq, m.terms);
        break;
      case 'reply':
        break;
    }
  }

  private init(m: InitMessage): void {
    const started = performance.now();
    this.entries = m.entries.slice();
    this.hasOlder = m.hasOlder;
    this.inherited = m.inherited;
    this.model.reset(this.entries, this.inherited);
    this.todos.reset(this.entries);
    this.model.applyPartials(m.partials);
    this.model.takeChanges();
    this.permissions.reset(m.pendingPermissions);
    this.context = m.context;
    this.assist.setCommands(m.commands ?? []);
    this.setTurnEdits(m.turnEdits, false);
    this.setSession(m.session);
    this.list.reset(this.model.rows);
    const saved = this.host.getState();
    if (saved?.anchor && saved.sessionId === this.sessionId) this.list.scrollToKey(saved.anchor.key, saved.anchor.offset);
    this.emptyEl.hidden = this.model.rows.length > 0;
    record('init', performance.now() - started);
  }

  private append(entries: PanelEntry[]): void {
    const started = performance.now();
    for (const e of entries) {
      if (e.seq > this.model.lastSeq || typeof e.seq !== 'number') this.entries.push(e);
      // The CLI took up a queued message: it is in the transcript now.
      if (e.direction === 'out' && this.queued.length) {
        const text = messageText(e.raw);
        const i = this.queued.indexOf(text);
        if (i >= 0) {
          this.queued.splice(i, 1);
          this.renderQueued();
        }
      }
    }
    const before = this.model.rows.length;
    this.model.append(entries);
    this.todos.append(entries);
    this.flushModel();
    if (this.model.rows.length > before) {
      const last = this.model.rows.at(-1);
      if (last?.kind === 'result') this.announce(last.stopped ? 'You stopped the turn.' : last.isError ? 'The turn ended with an error.' : 'Claude finished the turn.');
    }
    record('handle', performance.now() - started);
  }

  /** Hands the model's changes to the list; the list lays out at the next frame. */
  private flushModel(): void {
    const { keys, structure } = this.model.takeChanges();
    if (structure) this.list.appended(this.model.rows);
    if (keys.size) this.list.changed(keys);
    this.emptyEl.hidden = this.model.rows.length > 0;
    this.list.schedule();
  }

  private setSession(session: SessionRecord): void {
    const wasLive = this.session ? isLive(this.session.state) : true;
    this.session = session;
    if (wasLive && !isLive(session.state)) {
      this.model.endStreaming();
      this.flushModel();
      this.queued = [];
      this.renderQueued();
    }
    this.updateChrome();
  }

  // ---- chrome ----------------------------------------------------------------------------

  private updateChrome(): void {
    const s = this.session;
    const state = s?.state ?? 'created';
    this.titleEl.textContent = s?.title ?? 'Claude Code session';
    this.titleEl.title = s ? `${s.title}\n${s.cwd}` : '';
    this.root.ownerDocument.title = s?.title ?? 'Claude Code session';
    this.stateEl.replaceChildren(icon(STATE_ICONS[state]), h('span', {}, STATE_LABELS[state]));
    this.stateEl.className = `state-badge state-${state}`;
    const problem = this.errorCard.update(s);
    if (problem) this.announce(problem);
    this.costEl.textContent = s ? `${formatCost(s.metrics.costUsd)} · ${s.metrics.turns} turn${s.metrics.turns === 1 ? '' : 's'}${s.model ? ` · ${s.model}` : ''}` : '';
    const busy = isBusy(state);
    const live = isLive(state);
    this.contextMeter.update(live ? this.context : undefined, live && !busy && state !== 'queued');
    this.stopButton.hidden = !busy;
    this.cancelButton.hidden = !live;
    const mode = composerMode(s);
    this.input.disabled = mode.disabled;
    this.sendButton.disabled = mode.disabled;
    this.sendButton.querySelector('span')!.textContent = mode.label;
    this.sendButton.querySelector('i')!.className = `codicon codicon-${mode.icon}`;
    this.input.placeholder = mode.placeholder;
    this.hintEl.textContent = mode.hint;
  }

  private renderQueued(): void {
    this.queuedEl.replaceChildren(
      ...this.queued.map((text) => h('div', { class: 'queued-item' }, icon('clock'), h('span', { class: 'tag' }, 'Queued'), h('span', { class: 'queued-text' }, text))),
    );
  }

  private permissionsChanged(): void {
    // Tool cards show "Awaiting permission": re-render them.
    for (const row of this.model.rows) {
      if (row.kind === 'tool' && !row.result) this.bumpUi(row.key);
    }
    this.list.schedule();
  }

  /** The turns "Review edits" is offered on; their result rows are drawn again (unless a full reset follows). */
  private setTurnEdits(info: TurnEditsInfo | undefined, redraw = true): void {
    this.editedTurns = new Map((info?.turns ?? []).map((t) => [t.endSeq, t]));
    this.turnReviewUnavailable = info?.unavailable;
    if (!redraw) return;
    for (const row of this.model.rows) if (row.kind === 'result') this.bumpUi(row.key);
    this.list.schedule();
  }

  private bumpUi(key: string): void {
    this.uiRevs.set(key, (this.uiRevs.get(key) ?? 0) + 1);
    this.list.changed([key]);
  }

  private announce(text: string): void {
    this.liveRegion.textContent = text;
  }

  // ---- user actions ----------------------------------------------------------------------

  private async submit(): Promise<void> {
    const s = this.session;
    if (!this.input.value.trim() || !s || this.input.disabled) return;
    const text = this.assist.compose(this.input.value.trim());
    const resume = !isLive(s.state) && s.state !== 'created';
    this.input.value = '';
    this.autosize();
    this.persist();
    if (isBusy(s.state)) {
      this.queued.push(text);
      this.renderQueued();
    }
    this.list.scrollToBottom();
    const ok = await this.run(resume ? this.host.request('resume', { text }) : this.host.request('send', { text }));
    if (!ok) {
      // Give the text back rather than lose it.
      const i = this.queued.indexOf(text);
      if (i >= 0) {
        this.queued.splice(i, 1);
        this.renderQueued();
      }
      if (!this.input.value) {
        this.input.value = text;
        this.autosize();
      }
    }
  }

  private interrupt(): void {
    void this.run(this.host.request('interrupt', {}));
  }

  private async answer(ask: PermissionAsk, decision: PermissionDecision): Promise<void> {
    await this.host.request('permission', { requestId: ask.requestId, decision });
    this.announce(decision.behavior === 'allow' ? `${ask.toolName} allowed.` : `${ask.toolName} denied.`);
  }

  /** Runs a request; shows its error under the message box. Resolves false on failure. */
  private async run(p: Promise<unknown>): Promise<boolean> {
    try {
      await p;
      this.errorEl.hidden = true;
      return true;
    } catch (e) {
      const info = e instanceof HostError ? e.info : { message: e instanceof Error ? e.message : String(e) };
      this.errorEl.replaceChildren(icon('error'), h('span', {}, info.message), 'hint' in info && info.hint ? h('span', { class: 'muted' }, ` ${info.hint}`) : '');
      this.errorEl.hidden = false;
      return false;
    }
  }

  private onTranscriptClick(e: MouseEvent): void {
    onTranscriptAction(e, {
      row: (key) => this.model.row(key),
      toggle: (key, part) => {
        this.toggles.toggle(key, part);
        this.persistSoon();
        this.list.layoutNow();
        // The row was rebuilt: give the focus back to the same control.
        this.list.element(key)?.querySelector<HTMLElement>(`[data-action="toggle"][data-part="${part}"]`)?.focus();
      },
      copy: (text, button) => this.copy(text, button),
      request: (p) => void this.run(p),
      host: this.host,
      loadFull: (key, seq) => void this.loadFull(key, seq),
    });
  }

  private copy(text: string, button: HTMLElement): void {
    this.host.notify({ type: 'copy', text });
    const i = button.querySelector('i');
    if (i) {
      const was = i.className;
      i.className = 'codicon codicon-check';
      setTimeout(() => (i.className = was), 1200);
    }
    this.announce('Copied.');
  }

  private async loadFull(key: string, seq: number): Promise<void> {
    const ok = await this.run(
      this.host.request('fullEntry', { seq }).then(({ entry }) => {
        if (!entry) throw new Error('That output is no longer in the session’s history.');
        const i = this.entries.findIndex((e) => e.seq === seq);
        if (i >= 0) this.entries[i] = entry;
        this.model.replaceEntry(entry);
      }),
    );
    if (ok) {
      this.toggles.open(key, 'full');
      this.flushModel();
    }
  }

  private async loadOlder(): Promise<void> {
    if (!this.hasOlder || this.loadingOlder || !Number.isFinite(this.model.firstSeq)) return;
    this.loadingOlder = true;
    try {
      const { entries, hasOlder } = await this.host.request('loadOlder', { beforeSeq: this.model.firstSeq });
      this.hasOlder = hasOlder;
      this.entries = entries.concat(this.entries);
      this.model.reset(this.entries, hasOlder ? undefined : this.inherited);
      this.todos.reset(this.entries);
      this.model.takeChanges();
      this.list.reset(this.model.rows);
    } catch {
      // Shown nowhere: scrolling up again retries.
    } finally {
      this.loadingOlder = false;
    }
  }

  // ---- persistence -----------------------------------------------------------------------

  private persistSoon(): void {
    if (this.persistTimer) return;
    this.persistTimer = window.setTimeout(() => {
      this.persistTimer = 0;
      this.persist();
    }, 300);
  }

  private persist(): void {
    const state: WebviewPersistedState = {
      sessionId: this.sessionId,
      draft: this.input.value || undefined,
      toggled: this.toggles.saved(),
      anchor: this.list.topAnchor(),
    };
    this.host.setState(state);
  }
}
