/**
 * The session's todo list, pinned at the top of the panel (above the transcript) while it has
 * items: done ones ticked, the one in progress named by what is happening ("Running the
 * tests"). It folds to its summary line on a click, and by itself once every item is done.
 */
import type { PanelEntry } from '../../shared/webviewProtocol';
import { TodoTracker, type TodoItem } from '../../core/transcript/todos';
import { h, icon } from '../render/dom';

const STATUS_ICON: Record<TodoItem['status'], string> = { completed: 'pass-filled', in_progress: 'loading~spin', pending: 'circle-large-outline' };
const STATUS_LABEL: Record<TodoItem['status'], string> = { completed: 'done', in_progress: 'in progress', pending: 'to do' };

export class TodoListView {
  readonly element = h('section', { class: 'todo-list', 'aria-label': 'Todo list', 'data-testid': 'todo-list' });
  private readonly tracker = new TodoTracker();
  private renderedRev = -1;
  /** The user's fold, overriding the default (open until all done) until the list changes shape. */
  private folded: boolean | undefined;

  constructor() {
    this.element.hidden = true;
    this.element.addEventListener('click', (e) => {
      if (!(e.target as HTMLElement).closest('.todo-summary')) return;
      this.folded = !this.isFolded();
      this.render();
    });
  }

  /** The transcript from scratch (init, older entries loaded). */
  reset(entries: readonly PanelEntry[]): void {
    this.tracker.reset();
    this.append(entries);
  }

  append(entries: readonly PanelEntry[]): void {
    for (const e of entries) if (e.type === 'assistant' || e.type === 'user') this.tracker.observe(e.raw);
    if (this.tracker.revision !== this.renderedRev) this.render();
  }

  private isFolded(): boolean {
    const items = this.tracker.list;
    return this.folded ?? items.every((t) => t.status === 'completed');
  }

  private render(): void {
    const before = this.renderedRev;
    this.renderedRev = this.tracker.revision;
    const items = this.tracker.list;
    this.element.hidden = items.length === 0;
    if (!items.length) return;
    if (before !== this.renderedRev && this.folded !== undefined && items.some((t) => t.status !== 'completed')) this.folded = undefined;
    const done = items.filter((t) => t.status === 'completed').length;
    const current = items.find((t) => t.status === 'in_progress');
    const folded = this.isFolded();
    const summary = h(
      'button',
      { type: 'button', class: 'todo-summary', 'aria-expanded': !folded, title: folded ? 'Show the todo list' : 'Fold the todo list' },
      icon(folded ? 'chevron-right' : 'chevron-down'),
      icon('checklist'),
      h('span', { class: 'todo-count' }, done === items.length ? `All ${items.length} done` : `${done} of ${items.length} done`),
      current && folded ? h('span', { class: 'todo-current muted' }, current.activeForm || current.content) : undefined,
    );
    const list = folded
      ? undefined
      : h(
          'ol',
          { class: 'todo-items' },
          ...items.map((t) =>
            h(
              'li',
              { class: `todo-item todo-${t.status}`, 'aria-label': `${t.content} (${STATUS_LABEL[t.status]})` },
              icon(STATUS_ICON[t.status]),
              h('span', { class: 'todo-text' }, t.status === 'in_progress' && t.activeForm ? t.activeForm : t.content),
            ),
          ),
        );
    this.element.replaceChildren(summary, ...(list ? [list] : []));
  }
}
