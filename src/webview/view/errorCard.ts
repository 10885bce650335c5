/**
 * The card above the message box that says what stands in the session's way: the error its last
 * turn (or its start) left, with the button that fixes it (Change Model…, How to Log In…), or
 * why a queued session waits. It disappears when the session's record no longer carries it.
 */
import type { ShannonFix } from '../../core/errors';
import { queueWaitText } from '../../core/format';
import { FIX_LABELS } from '../../shared/fixLabels';
import type { SessionRecord } from '../../shared/webviewProtocol';
import { h, icon } from '../render/dom';
import '../styles/sessionCards.css';

export class ErrorCard {
  readonly element = h('div', { class: 'session-card', 'data-testid': 'session-error' });
  private shown = '';

  constructor(private readonly onFix: (fix: ShannonFix) => void) {
    this.element.hidden = true;
  }

  /** Redraws for the session as it is now; says whether a new problem appeared (to announce it). */
  update(session: SessionRecord | undefined): string | undefined {
    const error = session?.error;
    const queued = session?.state === 'queued' ? queueWaitText(session.waiting) : undefined;
    const key = error ? `${error.code}|${error.message}|${error.fix ?? ''}` : (queued ?? '');
    if (key === this.shown) return undefined;
    this.shown = key;
    this.element.hidden = !key;
    if (error) {
      this.element.className = 'session-card error';
      this.element.setAttribute('role', 'alert');
      const fix = error.fix;
      this.element.replaceChildren(
        icon('warning'),
        h('div', { class: 'session-card-text' }, h('div', { class: 'session-card-message' }, error.message), error.hint ? h('div', { class: 'muted' }, error.hint) : ''),
        ...(fix ? [this.fixButton(fix)] : []),
      );
      return error.message;
    }
    this.element.removeAttribute('role');
    this.element.className = 'session-card info';
    this.element.replaceChildren(...(queued ? [icon('clock'), h('div', { class: 'session-card-text' }, queued)] : []));
    return undefined;
  }

  private fixButton(fix: ShannonFix): HTMLButtonElement {
    const button = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'session-error-fix' }, FIX_LABELS[fix]);
    button.addEventListener('click', () => this.onFix(fix));
    return button;
  }
}
