/** Attachments waiting for the next message, as chips above the message box; × takes one off. */
import type { Attachment } from '../../shared/attachments';
import { h, icon, iconButton } from '../render/dom';

const ICONS: Record<Attachment['kind'], string> = { file: 'file', selection: 'selection', problems: 'warning' };

export class ChipList {
  readonly element = h('div', { class: 'chips', role: 'list', 'aria-label': 'Attached to the next message' });
  private items: Attachment[] = [];

  constructor() {
    this.element.hidden = true;
  }

  get attachments(): readonly Attachment[] {
    return this.items;
  }

  add(attachment: Attachment): void {
    // The same context twice is sent once.
    if (this.items.some((a) => a.kind === attachment.kind && a.label === attachment.label && a.mention === attachment.mention && a.text === attachment.text)) return;
    this.items = [...this.items, attachment];
    this.render();
  }

  /** Hands the attachments over and clears the list (the message is going out). */
  take(): Attachment[] {
    const taken = this.items;
    this.items = [];
    this.render();
    return taken;
  }

  private render(): void {
    this.element.hidden = this.items.length === 0;
    this.element.replaceChildren(
      ...this.items.map((a, i) => {
        const remove = iconButton('close', `Remove ${a.label}`, { class: 'icon-button chip-remove' });
        remove.addEventListener('click', () => {
          this.items = this.items.filter((_, j) => j !== i);
          this.render();
        });
        return h('span', { class: `chip chip-${a.kind}`, role: 'listitem', title: a.mention ?? a.text?.split('\n')[0] ?? a.label }, icon(ICONS[a.kind]), h('span', { class: 'chip-label' }, a.label), remove);
      }),
    );
  }
}
