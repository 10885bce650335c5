/**
 * What a click on a transcript row's control does (its `data-action`): fold or unfold a part,
 * copy code or output, open a diff, review a turn's edits, load a cut output whole.
 */
import type { HostChannel } from '../common/host';
import type { Row } from '../model/transcript';
import { resultText, type RowPart } from '../render/rows';

export interface TranscriptActionHost {
  row(key: string): Row | undefined;
  toggle(key: string, part: RowPart): void;
  copy(text: string, button: HTMLElement): void;
  /** Runs a host request, showing its failure. */
  request(p: Promise<unknown>): void;
  host: HostChannel;
  loadFull(key: string, seq: number): void;
}

export function onTranscriptAction(e: MouseEvent, a: TranscriptActionHost): void {
  const target = (e.target as HTMLElement).closest<HTMLElement>('[data-action]');
  const rowEl = target?.closest<HTMLElement>('[data-key]');
  if (!target || !rowEl?.dataset.key) return;
  const key = rowEl.dataset.key;
  const row = a.row(key);
  switch (target.dataset.action) {
    case 'toggle':
      a.toggle(key, (target.dataset.part ?? 'body') as RowPart);
      break;
    case 'copy-code':
      a.copy(target.closest('.code-block')?.querySelector('code')?.textContent ?? '', target);
      break;
    case 'copy-output':
      if (row?.kind === 'tool') a.copy(resultText(row, target.dataset.output), target);
      break;
    case 'open-diff':
      if (row?.kind === 'tool') a.request(a.host.request('openDiff', { toolUseId: row.toolUseId }));
      break;
    case 'review-edits':
      if (target.dataset.checkpoint) a.request(a.host.request('reviewTurn', { checkpointId: target.dataset.checkpoint }));
      break;
    case 'open-checkpoint-setting':
      a.request(a.host.request('fix', { fix: 'turn-off-auto-checkpoint' }));
      break;
    case 'load-full':
      if (row?.kind === 'tool' && row.result?.truncated) a.loadFull(key, row.result.truncated.seq);
      break;
  }
}
