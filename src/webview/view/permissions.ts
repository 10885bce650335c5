/**
 * Permission cards: one per pending `can_use_tool` ask, above the message box where they cannot
 * scroll out of sight. Allow once, Allow for this session, or Deny with an optional reason; the
 * answer goes to the host (→ SessionManager.respondToPermission). A card disappears when the
 * host says the ask is settled, whoever answered it.
 */
import type { PermissionAsk, PermissionDecision } from '../../shared/webviewProtocol';
import { DIFF_TOOLS } from '../../core/transcript/blocks';
import { toolIcon, toolSummary } from '../model/format';
import { append, h, icon } from '../render/dom';

export interface PermissionViewHost {
  answer(ask: PermissionAsk, decision: PermissionDecision): Promise<void>;
  openDiff(toolUseId: string): void;
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
    const summary = toolSummary(ask.toolName, ask.input);
    const titleId = `perm-title-${ask.requestId}`;
    const card = h('div', { class: 'permission-card', role: 'group', 'aria-labelledby': titleId, 'data-request-id': ask.requestId });
    const error = h('div', { class: 'permission-error', role: 'alert' });
    error.hidden = true;

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

    const allowOnce = h('button', { type: 'button', class: 'button primary' }, icon('check'), 'Allow once');
    const allowSession = h('button', { type: 'button', class: 'button secondary', title: `Allow ${ask.toolName} for the rest of this session without asking` }, icon('check-all'), 'Allow for this session');
    const deny = h('button', { type: 'button', class: 'button secondary' }, icon('close'), 'Deny…');
    const actions = h('div', { class: 'permission-actions' }, allowOnce, allowSession, deny);
    if (DIFF_TOOLS.has(ask.toolName)) {
      const diff = h('button', { type: 'button', class: 'button secondary' }, icon('diff'), 'Show diff');
      diff.addEventListener('click', () => this.host.openDiff(ask.toolUseId));
      actions.append(diff);
    }

    const reasonId = `perm-reason-${ask.requestId}`;
    const reasonInput = h('input', { type: 'text', id: reasonId, class: 'input', placeholder: 'Tell Claude why, or what to do instead (optional)' });
    const confirmDeny = h('button', { type: 'button', class: 'button primary danger' }, 'Deny');
    const cancelDeny = h('button', { type: 'button', class: 'button secondary' }, 'Back');
    const denyForm = h(
      'div',
      { class: 'deny-form' },
      h('label', { for: reasonId, class: 'section-label' }, 'Reason for denying'),
      h('div', { class: 'deny-row' }, reasonInput, confirmDeny, cancelDeny),
    );
    denyForm.hidden = true;

    const all = [allowOnce, allowSession, deny, confirmDeny, cancelDeny];
    const send = async (decision: PermissionDecision) => {
      for (const b of all) b.disabled = true;
      error.hidden = true;
      try {
        await this.host.answer(ask, decision);
        // The card goes when the host says the ask is settled.
      } catch (e) {
        error.textContent = e instanceof Error ? e.message : String(e);
        error.hidden = false;
        for (const b of all) b.disabled = false;
      }
    };
    allowOnce.addEventListener('click', () => void send({ behavior: 'allow', scope: 'once' }));
    allowSession.addEventListener('click', () => void send({ behavior: 'allow', scope: 'session' }));
    deny.addEventListener('click', () => {
      actions.hidden = true;
      denyForm.hidden = false;
      reasonInput.focus();
    });
    const closeDeny = () => {
      denyForm.hidden = true;
      actions.hidden = false;
      deny.focus();
    };
    cancelDeny.addEventListener('click', closeDeny);
    confirmDeny.addEventListener('click', () => void send({ behavior: 'deny', message: reasonInput.value.trim() || undefined }));
    reasonInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        confirmDeny.click();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        closeDeny();
      }
    });

    append(card, [
      h(
        'div',
        { class: 'permission-title', id: titleId },
        icon('shield'),
        h('span', {}, 'Claude wants to use '),
        icon(toolIcon(ask.toolName)),
        h('strong', {}, ask.toolName),
      ),
      ask.title && ask.title !== ask.toolName ? h('div', { class: 'permission-subtitle' }, ask.title) : undefined,
      detail,
      actions,
      denyForm,
      error,
    ]);
    return card;
  }
}
