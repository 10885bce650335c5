/**
 * An ExitPlanMode ask: the plan as rendered markdown, Approve (continue asking before edits, or
 * accepting them), Keep planning with feedback (a denial Claude reads), and Open plan (a
 * markdown preview in an editor, for a long plan).
 */
import type { PermissionAsk } from '../../shared/webviewProtocol';
import { renderMarkdown } from '../render/markdown';
import { h } from '../render/dom';
import { reasonForm, type AskParts } from './askParts';

export function planCardBody(ask: PermissionAsk, parts: AskParts, openPlan: () => void): HTMLElement[] {
  const plan = typeof ask.input.plan === 'string' ? ask.input.plan : '';
  const body = h('div', { class: 'markdown plan-body', tabindex: 0, 'aria-label': 'The plan' });
  // markdown-it's output is the only HTML the panel assigns (render/dom.ts).
  body.innerHTML = plan ? renderMarkdown(plan) : '<p><em>Claude wrote its plan to a file: open it to read it.</em></p>';

  const approve = parts.button('Approve', { icon: 'check', primary: true, title: 'Leave plan mode; Claude still asks before each edit' });
  const approveEdits = parts.button('Approve and accept edits', { icon: 'check-all', title: 'Leave plan mode; edits are made without asking' });
  const keep = parts.button('Keep planning…', { icon: 'edit' });
  const open = parts.button('Open plan', { icon: 'open-preview' });
  const actions = h('div', { class: 'permission-actions' }, approve, approveEdits, keep, open);
  approve.addEventListener('click', () => void parts.send({ behavior: 'allow', scope: 'once', mode: 'default' }));
  approveEdits.addEventListener('click', () => void parts.send({ behavior: 'allow', scope: 'once', mode: 'acceptEdits' }));
  open.addEventListener('click', openPlan);
  const form = reasonForm(parts, actions, {
    id: `plan-feedback-${ask.requestId}`,
    label: 'What should change in the plan?',
    placeholder: 'Feedback for Claude (optional)',
    confirm: 'Keep planning',
    opener: keep,
    onConfirm: (reason) =>
      void parts.send({ behavior: 'deny', message: reason ? `The user wants to keep planning: ${reason}` : 'The user wants to keep planning before any change is made.' }),
  });
  return [body, actions, form];
}
