/**
 * What every kind of ask card is built from: buttons that answer (disabled while the answer is
 * on its way, enabled again with the error if it fails), and a form that asks for a reason
 * before a denial ("Reject…", "Keep planning…").
 */
import type { PermissionDecision } from '../../shared/webviewProtocol';
import { h, icon } from '../render/dom';

export interface AskParts {
  /** Sends the answer; the card goes when the host says the ask is settled. */
  send(decision: PermissionDecision): Promise<void>;
  button(label: string, options?: { icon?: string; primary?: boolean; danger?: boolean; title?: string }): HTMLButtonElement;
  readonly error: HTMLElement;
}

export function askParts(answer: (decision: PermissionDecision) => Promise<void>): AskParts {
  const buttons: HTMLButtonElement[] = [];
  const error = h('div', { class: 'permission-error', role: 'alert' });
  error.hidden = true;
  return {
    error,
    button(label, o = {}) {
      const b = h('button', { type: 'button', class: `button ${o.primary ? 'primary' : 'secondary'}${o.danger ? ' danger' : ''}`, title: o.title }, o.icon ? icon(o.icon) : undefined, label);
      buttons.push(b);
      return b;
    },
    async send(decision) {
      for (const b of buttons) b.disabled = true;
      error.hidden = true;
      try {
        await answer(decision);
      } catch (e) {
        error.textContent = e instanceof Error ? e.message : String(e);
        error.hidden = false;
        for (const b of buttons) b.disabled = false;
      }
    },
  };
}

/**
 * A reason form that replaces `actions` while open: Enter confirms, Escape goes back. The
 * reason is optional; `confirm` gets it trimmed (undefined when empty).
 */
export function reasonForm(
  parts: AskParts,
  actions: HTMLElement,
  o: { id: string; label: string; placeholder: string; confirm: string; opener: HTMLButtonElement; onConfirm(reason: string | undefined): void },
): HTMLElement {
  const input = h('input', { type: 'text', id: o.id, class: 'input', placeholder: o.placeholder });
  const confirm = parts.button(o.confirm, { primary: true, danger: true });
  const back = parts.button('Back');
  const form = h('div', { class: 'deny-form' }, h('label', { for: o.id, class: 'section-label' }, o.label), h('div', { class: 'deny-row' }, input, confirm, back));
  form.hidden = true;
  o.opener.addEventListener('click', () => {
    actions.hidden = true;
    form.hidden = false;
    input.focus();
  });
  const close = () => {
    form.hidden = true;
    actions.hidden = false;
    o.opener.focus();
  };
  back.addEventListener('click', close);
  confirm.addEventListener('click', () => o.onConfirm(input.value.trim() || undefined));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      confirm.click();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  return form;
}
