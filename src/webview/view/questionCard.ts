/**
 * An AskUserQuestion ask: each question with its options (radio buttons, or checkboxes when it
 * allows several), and an "Other" answer in the user's own words. The answers go back keyed by
 * question text, several choices joined by ", " — the shape the CLI's own dialog sends
 * (sdk-tools.d.ts AskUserQuestionOutput.answers).
 */
import type { PermissionAsk } from '../../shared/webviewProtocol';
import { h } from '../render/dom';
import { reasonForm, type AskParts } from './askParts';

interface Question {
  question: string;
  header: string;
  multiSelect: boolean;
  options: Array<{ label: string; description: string }>;
}

export function questionsOf(input: Record<string, unknown>): Question[] {
  const list = Array.isArray(input.questions) ? input.questions : [];
  return list
    .filter((q): q is Record<string, unknown> => typeof q === 'object' && q !== null && typeof (q as Record<string, unknown>).question === 'string')
    .map((q) => ({
      question: q.question as string,
      header: typeof q.header === 'string' ? q.header : '',
      multiSelect: q.multiSelect === true,
      options: (Array.isArray(q.options) ? q.options : [])
        .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null && typeof (o as Record<string, unknown>).label === 'string')
        .map((o) => ({ label: o.label as string, description: typeof o.description === 'string' ? o.description : '' })),
    }));
}

export function questionCardBody(ask: PermissionAsk, parts: AskParts): HTMLElement[] {
  const questions = questionsOf(ask.input);
  const readers: Array<() => string> = [];
  const fields = questions.map((q, qi) => {
    const name = `q-${ask.requestId}-${qi}`;
    const inputs = q.options.map((o, oi) => {
      const id = `${name}-${oi}`;
      const input = h('input', { type: q.multiSelect ? 'checkbox' : 'radio', name, id, value: o.label });
      return { input, el: h('label', { class: 'question-option', for: id }, input, h('span', { class: 'option-label' }, o.label), o.description ? h('span', { class: 'muted' }, o.description) : undefined) };
    });
    const otherId = `${name}-other`;
    const other = h('input', { type: 'text', class: 'input', id: otherId, placeholder: 'Other: your own answer' });
    readers.push(() => {
      const picked = inputs.filter((i) => i.input.checked).map((i) => i.input.value);
      const own = other.value.trim();
      return [...picked, ...(own ? [own] : [])].join(', ');
    });
    return h(
      'fieldset',
      { class: 'question' },
      h('legend', {}, q.header ? h('span', { class: 'tag' }, q.header) : undefined, ' ', q.question, q.multiSelect ? h('span', { class: 'muted' }, ' (choose any)') : undefined),
      ...inputs.map((i) => i.el),
      h('label', { class: 'visually-hidden', for: otherId }, 'Other answer'),
      other,
    );
  });

  const submit = parts.button('Answer', { icon: 'check', primary: true });
  const skip = parts.button('Skip…', { icon: 'close' });
  const actions = h('div', { class: 'permission-actions' }, submit, skip);
  submit.addEventListener('click', () => {
    const answers: Record<string, string> = {};
    questions.forEach((q, i) => {
      const a = readers[i]!();
      if (a) answers[q.question] = a;
    });
    if (Object.keys(answers).length < questions.length) {
      parts.error.textContent = 'Answer each question (pick an option or write your own), or Skip.';
      parts.error.hidden = false;
      return;
    }
    void parts.send({ behavior: 'allow', scope: 'once', answers });
  });
  const form = reasonForm(parts, actions, {
    id: `question-skip-${ask.requestId}`,
    label: 'Why not answer? (optional)',
    placeholder: 'Tell Claude what to do instead',
    confirm: 'Skip',
    opener: skip,
    onConfirm: (reason) => void parts.send({ behavior: 'deny', message: reason ? `The user did not answer: ${reason}` : 'The user chose not to answer.' }),
  });
  return [h('div', { class: 'questions' }, ...fields), actions, form];
}
