/**
 * Which collapsible parts of rows the user flipped from their default (render/rows.ts
 * defaultOpen): a tool card's body, "Show all" of its output, an Agent card with its subagent's
 * rows. Kept as flips, not states, so a part whose default changes (an Agent card folds when its
 * run ends) follows the default unless the user said otherwise. Survives reloads (setState).
 */
import type { Row, TranscriptModel } from '../model/transcript';
import { defaultOpen, type RowPart } from '../render/rows';

export class RowToggles {
  private readonly flipped: Set<string>;

  /** `rerender(key)`: the row's look changed though the model did not. */
  constructor(
    private readonly model: TranscriptModel,
    private readonly rerender: (key: string) => void,
    saved: readonly string[] = [],
  ) {
    this.flipped = new Set(saved);
  }

  isOpen(key: string, part: RowPart): boolean {
    const row = this.model.row(key);
    const d = row ? defaultOpen(row, part) : false;
    return this.flipped.has(`${key}|${part}`) ? !d : d;
  }

  /** Opens or closes a row's part; an Agent card folds or unfolds its subagent's rows with it. */
  toggle(key: string, part: RowPart): void {
    const id = `${key}|${part}`;
    if (this.flipped.has(id)) this.flipped.delete(id);
    else this.flipped.add(id);
    this.rerender(key);
    const row = this.model.row(key);
    if (row?.kind === 'tool' && row.subagent && part === 'body') for (const k of this.model.subagentRows(row.toolUseId)) this.rerender(k);
  }

  open(key: string, part: RowPart): void {
    if (!this.isOpen(key, part)) this.toggle(key, part);
  }

  /** Opens the folded Agent cards around `row`, so it can be shown (a search hit inside a finished run). */
  unfoldAround(row: Row): void {
    const seen = new Set<string>();
    for (let id = row.parentToolUseId; id && !seen.has(id); ) {
      seen.add(id);
      const card = this.model.tool(id);
      if (!card) return;
      this.open(card.key, 'body');
      id = card.parentToolUseId;
    }
  }

  /** For setState; undefined when nothing was flipped. */
  saved(): string[] | undefined {
    return this.flipped.size ? [...this.flipped] : undefined;
  }
}
