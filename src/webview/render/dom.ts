/**
 * A small element builder. Text goes in as text nodes (never parsed as HTML); the only HTML the
 * panel assigns is markdown-it's output (render/markdown.ts).
 */

type Child = Node | string | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: HTMLElement, children: Child[]): void {
  for (const c of children) {
    if (c === false || c === null || c === undefined) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** `<i class="codicon codicon-NAME">`; `loading~spin` animates. */
export function icon(name: string, label?: string): HTMLElement {
  const [id, modifier] = name.split('~');
  const el = h('i', { class: `codicon codicon-${id}${modifier ? ` codicon-modifier-${modifier}` : ''}` });
  if (label) {
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', label);
  } else {
    el.setAttribute('aria-hidden', 'true');
  }
  return el;
}

export function iconButton(iconName: string, label: string, attrs: Attrs = {}, text?: string): HTMLButtonElement {
  return h('button', { type: 'button', class: `icon-button${text ? ' with-text' : ''}`, title: label, 'aria-label': label, ...attrs }, icon(iconName), text ? h('span', {}, text) : undefined);
}
