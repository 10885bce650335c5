/**
 * The session header's context meter: how full the context window is (a thin bar and
 * "25k / 1M · 3%"), what fills it on hover (the CLI's categories, largest first), and a Compact
 * button that sends `/compact`. Hidden until the first reading arrives after a turn.
 */
import type { ContextWindow } from '../../shared/webviewProtocol';
import { formatTokens } from '../model/format';
import { h, icon } from '../render/dom';

/** Past this share of the window the meter turns to the warning colour. */
const WARN_PERCENT = 75;

export class ContextMeter {
  readonly element: HTMLElement;
  private readonly fill = h('span', { class: 'context-fill' });
  private readonly label = h('span', { class: 'context-label' });
  private readonly details = h('span', { class: 'visually-hidden', id: 'context-details' });
  private readonly meter = h('span', { class: 'context-meter', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': 'Context window', 'aria-describedby': 'context-details', tabindex: 0 }, h('span', { class: 'context-track' }, this.fill), this.label);
  private readonly compactButton = h('button', { type: 'button', class: 'icon-button with-text', 'data-testid': 'compact', title: 'Summarise the conversation so far to free context (/compact)', 'aria-label': 'Compact the conversation (/compact)' }, icon('fold'), h('span', {}, 'Compact'));

  constructor(onCompact: () => void) {
    this.element = h('span', { class: 'context', hidden: true }, this.meter, this.details, this.compactButton);
    this.compactButton.addEventListener('click', onCompact);
  }

  /** `canCompact`: a live session between turns (the CLI takes /compact as a turn). */
  update(context: ContextWindow | undefined, canCompact: boolean): void {
    this.element.hidden = !context;
    this.compactButton.hidden = !canCompact;
    if (!context) return;
    const percent = Math.max(0, Math.min(100, context.percent));
    this.fill.style.width = `${Math.max(percent, 1)}%`;
    this.element.classList.toggle('warn', percent >= WARN_PERCENT);
    this.label.textContent = `${formatTokens(context.usedTokens)} / ${formatTokens(context.maxTokens)} · ${percent}%`;
    const lines = [
      `Context: ${context.usedTokens.toLocaleString('en-US')} of ${context.maxTokens.toLocaleString('en-US')} tokens (${percent}%)${context.model ? ` · ${context.model}` : ''}`,
      ...context.categories.map((c) => `${c.name}: ${formatTokens(c.tokens)}`),
      context.autoCompactAt ? `Compacts automatically at ${formatTokens(context.autoCompactAt)}` : 'Automatic compaction is off',
    ];
    this.meter.title = lines.join('\n');
    this.meter.setAttribute('aria-valuenow', String(percent));
    this.meter.setAttribute('aria-valuetext', `${percent}% of the context window used`);
    this.details.textContent = lines.slice(1).join('; ');
  }
}
