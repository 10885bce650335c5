/**
 * Permission cards: one per pending `can_use_tool` ask, above the message box where they cannot
 * scroll out of sight. Allow once, Allow for this session (the CLI's suggested rule), Allow the
 * whole tool, or Deny with an optional reason; plans and questions have cards of their own. The
 * answer goes to the host (→ SessionManager.respondToPermission). A card disappears when the
 * host says the ask is settled, whoever answered it.
 */
import type { PermissionAsk, PermissionDecision } from '../../shared/webviewProtocol';
import { REVIEWED_TOOLS } from '../../core/review/editProposal';
import { allowChoices } from '../model/allowChoices';
import { toolIcon, toolSummary } from '../model/format';
import { append, h, icon } from '../render/dom';
import { askParts, reasonForm, type AskParts } from './askParts';
import { planCardBody } from './planCard';
import { questionCardBody } from './questionCard';

export interface PermissionViewHost {
  answer(ask: PermissionAsk, decision: PermissionDecision): Promise<void>;
  openDiff(toolUseId: string): void;
  openPlan(requestId: string): void;
  /** The set of pending asks changed (the transcript marks their tool cards). */
  onChange(): void;
}

export class PermissionView {
  readonly element: HTMLElement;
  private readonly asks = new Map<string, { ask: PermissionAsk; el: HTMLElement }>();

  constructor(private readonly host: PermissionViewHost) {
    this.element = h('section', { class: 'permissions', 'aria-label': 'Permission requests' });
    this.element.hidden = true;
  }

  get size(): number {
    return this.asks.size;
  }

  isAwaiting(toolUseId: string): boolean {
    for (const { ask } of this.asks.values()) if (ask.toolUseId === toolUseId) return true;
    return false;
  }

  reset(asks: readonly PermissionAsk[]): void {
    for (const { el } of this.asks.values()) el.remove();
    this.asks.clear();
    for (const ask of asks) this.add(ask, false);
    this.update();
  }

  add(ask: PermissionAsk, notify = true): void {
    if (this.asks.has(ask.requestId)) return;
    const el = this.card(ask);
    this.asks.set(ask.requestId, { ask, el });
    this.element.append(el);
    if (notify) this.update();
  }

  settle(requestId: string): void {
    const entry = this.asks.get(requestId);
    if (!entry) return;
    const hadFocus = entry.el.contains(document.activeElement);
    entry.el.remove();
    this.asks.delete(requestId);
    this.update();
    // Keep the keyboard user in place: on the next card, or back in the message box.
    if (hadFocus) {
      const next = this.element.querySelector<HTMLElement>('button.primary');
      (next ?? document.getElementById('composer-input'))?.focus();
    }
  }

  /** Focus the first card's main button (Alt+A / a command). */
  focusFirst(): boolean {
    const button = this.element.querySelector<HTMLElement>('button.primary');
    button?.focus();
    return !!button;
  }

  private update(): void {
    this.element.hidden = this.asks.size === 0;
    this.host.onChange();
  }

  private card(ask: PermissionAsk): HTMLElement {
    const titleId = `perm-title-${ask.requestId}`;
    const card = h('div', { class: 'permission-card', role: 'group', 'aria-labelledby': titleId, 'data-request-id': ask.requestId });
    const parts = askParts((decision) => this.host.answer(ask, decision));
    const plan = ask.toolName === 'ExitPlanMode';
    const question = ask.toolName === 'AskUserQuestion';
    const title = plan
      ? h('div', { class: 'permission-title', id: titleId }, icon('checklist'), h('strong', {}, 'Claude has a plan'), h('span', { class: 'muted' }, ' — approve it to start'))
      : question
        ? h('div', { class: 'permission-title', id: titleId }, icon('question'), h('strong', {}, 'Claude has a question'))
        : h(
            'div',
            { class: 'permission-title', id: titleId },
            icon('shield'),
            h('span', {}, 'Claude wants to use '),
            icon(toolIcon(ask.toolName)),
            h('strong', {}, ask.toolName),
          );
    const body = plan
      ? planCardBody(ask, parts, () => this.host.openPlan(ask.requestId))
      : question
        ? questionCardBody(ask, parts)
        : this.toolCardBody(ask, parts);
    append(card, [title, !plan && !question && ask.title && ask.title !== ask.toolName ? h('div', { class: 'permission-subtitle' }, ask.title) : undefined, ...body, parts.error]);
    return card;
  }

  /** Any other tool: what it would do, Allow once / for this session (narrowly) / Deny. */
  private toolCardBody(ask: PermissionAsk, parts: AskParts): HTMLElement[] {
    const summary = toolSummary(ask.toolName, ask.input);
    const detail = h('div', { class: 'permission-detail' });
    if (ask.toolName === 'Bash' && typeof ask.input.command === 'string') {
      detail.append(h('pre', { class: 'command' }, h('code', {}, `$ ${ask.input.command}`)));
    } else if (summary) {
      detail.append(h('div', { class: 'permission-summary' }, summary));
    }
    const reason = ask.description && ask.description !== summary ? ask.description : undefined;
    if (reason) detail.append(h('div', { class: 'muted' }, reason));
    if (ask.decisionReason) detail.append(h('div', { class: 'muted' }, ask.decisionReason));
    if (ask.blockedPath) detail.append(h('div', { class: 'muted' }, `Path it needs: ${ask.blockedPath}`));

    const edit = REVIEWED_TOOLS.has(ask.toolName);
    const allowOnce = parts.button(edit ? 'Accept' : 'Allow once', { icon: 'check', primary: true, title: edit ? 'Make this change (as the diff shows it, with your edits)' : undefined });
    const allow = allowChoices(ask);
    const allowSession = parts.button(allow.session.label, { icon: 'check-all', title: allow.session.title });
    const allowTool = allow.tool ? parts.button(allow.tool.label, { icon: 'warning', title: allow.tool.title }) : undefined;
    const deny = parts.button(edit ? 'Reject…' : 'Deny…', { icon: 'close' });
    const actions = h('div', { class: 'permission-actions' }, allowOnce, allowSession, allowTool, deny);
    if (edit) {
      const diff = parts.button('Review diff', { icon: 'diff', title: 'Open the change in the diff editor; you can edit its right side before accepting' });
      diff.addEventListener('click', () => this.host.openDiff(ask.toolUseId));
      actions.append(diff);
    }
    allowOnce.addEventListener('click', () => void parts.send({ behavior: 'allow', scope: 'once' }));
    allowSession.addEventListener('click', () => void parts.send({ behavior: 'allow', scope: 'session' }));
    allowTool?.addEventListener('click', () => void parts.send({ behavior: 'allow', scope: 'tool' }));
    const form = reasonForm(parts, actions, {
      id: `perm-reason-${ask.requestId}`,
      label: edit ? 'Reason for rejecting' : 'Reason for denying',
      placeholder: 'Tell Claude why, or what to do instead (optional)',
      confirm: edit ? 'Reject' : 'Deny',
      opener: deny,
      onConfirm: (message) => void parts.send({ behavior: 'deny', message }),
    });
    return [detail, actions, form];
  }
}
