/**
 * The composer's completion list: a listbox above the message box that follows what is typed
 * at the cursor (`/` commands, `@` mentions: see completionSources.ts). Arrow keys move, Enter
 * or Tab takes the item, Escape closes it. Its key handler is added before the composer's own,
 * so Enter takes an item rather than sending the message while the list is open.
 */
import { h, icon } from '../render/dom';

export interface CompletionItem {
  /** Unique within one list. */
  key: string;
  label: string;
  /** Beside the label, muted (an argument hint, a folder). */
  detail?: string;
  /** Under the label (a command's description). */
  description?: string;
  icon: string;
}

/** The token at the cursor a source completes: where it starts and what was typed after its trigger. */
export interface CompletionToken {
  start: number;
  end: number;
  query: string;
}

export interface CompletionSource {
  readonly id: string;
  /** The token this source completes at `cursor`, or undefined when it has nothing to say there. */
  match(text: string, cursor: number): CompletionToken | undefined;
  items(query: string): CompletionItem[] | Promise<CompletionItem[]>;
  /** Takes `item` for the token (edits the input, adds an attachment…). */
  accept(item: CompletionItem, token: CompletionToken): void;
}

export class Completion {
  readonly element = h('div', { class: 'completion', role: 'listbox', id: 'composer-completion', 'aria-label': 'Suggestions' });
  private items: CompletionItem[] = [];
  private selected = 0;
  private open: { source: CompletionSource; token: CompletionToken } | undefined;
  /** Answers of an older query that arrive late are dropped. */
  private generation = 0;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly sources: CompletionSource[],
  ) {
    this.element.hidden = true;
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', this.element.id);
    input.addEventListener('keydown', (e) => this.onKeyDown(e));
    input.addEventListener('input', () => void this.update());
    input.addEventListener('click', () => void this.update());
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    this.element.addEventListener('mousedown', (e) => e.preventDefault());
    this.element.addEventListener('click', (e) => {
      const el = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
      if (el) this.take(Number(el.dataset.index));
    });
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Looks at the token under the cursor again (after typing, or after the input was set). */
  async update(): Promise<void> {
    const text = this.input.value;
    const cursor = this.input.selectionStart ?? text.length;
    const generation = ++this.generation;
    for (const source of this.sources) {
      const token = source.match(text, cursor);
      if (!token) continue;
      const items = await source.items(token.query);
      if (generation !== this.generation) return;
      this.open = { source, token };
      this.show(items);
      return;
    }
    this.close();
  }

  close(): void {
    this.generation++;
    this.open = undefined;
    this.items = [];
    this.element.hidden = true;
    this.element.replaceChildren();
    this.input.removeAttribute('aria-activedescendant');
  }

  private show(items: CompletionItem[]): void {
    this.items = items;
    this.selected = 0;
    this.element.hidden = items.length === 0;
    this.render();
  }

  private render(): void {
    this.element.replaceChildren(
      ...this.items.map((item, i) =>
        h(
          'div',
          { class: `completion-item${i === this.selected ? ' selected' : ''}`, role: 'option', id: `completion-${i}`, 'aria-selected': i === this.selected, 'data-index': i },
          icon(item.icon),
          h('span', { class: 'completion-label' }, item.label),
          item.detail ? h('span', { class: 'completion-detail muted' }, item.detail) : undefined,
          item.description ? h('span', { class: 'completion-description muted' }, item.description) : undefined,
        ),
      ),
    );
    if (this.items.length) {
      this.input.setAttribute('aria-activedescendant', `completion-${this.selected}`);
      this.element.children[this.selected]?.scrollIntoView({ block: 'nearest' });
    }
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (!this.isOpen || e.isComposing) return;
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (step) {
      this.selected = (this.selected + step + this.items.length) % this.items.length;
      this.render();
    } else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
      this.take(this.selected);
    } else if (e.key === 'Escape') {
      this.close();
    } else return;
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  private take(index: number): void {
    const item = this.items[index];
    const open = this.open;
    this.close();
    if (!item || !open) return;
    open.source.accept(item, open.token);
    this.input.focus();
    this.input.dispatchEvent(new Event('input'));
  }
}

/** Replaces `start..end` of the input with `text` and puts the cursor after it. */
export function replaceRange(input: HTMLTextAreaElement, start: number, end: number, text: string): void {
  input.value = input.value.slice(0, start) + text + input.value.slice(end);
  const at = start + text.length;
  input.setSelectionRange(at, at);
}
