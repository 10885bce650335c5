/**
 * A core error's `fix` as VS Code offers it: a button on the notification (or the session's
 * error card) that runs the command which does the fixing. Pure (command ids and arguments
 * only), so it is unit-tested.
 */
import type { ShannonFix } from '../../core/errors.js';
import { FIX_LABELS } from '../../shared/fixLabels.js';

export interface FixAction {
  /** The button's label. */
  label: string;
  command: string;
  args?: unknown[];
}

const ACTIONS: Readonly<Record<ShannonFix, FixAction>> = {
  'install-claude': { label: FIX_LABELS['install-claude'], command: 'shannon.showInstallInstructions' },
  'choose-claude': { label: FIX_LABELS['choose-claude'], command: 'shannon.selectClaudeBinary' },
  'show-log': { label: FIX_LABELS['show-log'], command: 'shannon.showLog' },
  'turn-off-auto-checkpoint': { label: FIX_LABELS['turn-off-auto-checkpoint'], command: 'workbench.action.openSettings', args: ['shannon.autoCheckpoint'] },
  'choose-model': { label: FIX_LABELS['choose-model'], command: 'shannon.changeModel' },
  'log-in': { label: FIX_LABELS['log-in'], command: 'shannon.logIn' },
};

/** About one session (its error card): these act on that session (the commands take `{ sessionId }`). */
const SESSION_ACTIONS: Readonly<Partial<Record<ShannonFix, FixAction>>> = {
  'choose-model': ACTIONS['choose-model'],
  'show-log': { label: FIX_LABELS['show-log'], command: 'shannon.showOutput' },
};

export function fixAction(fix: ShannonFix | undefined, sessionId?: string): FixAction | undefined {
  if (!fix) return undefined;
  const own = sessionId ? SESSION_ACTIONS[fix] : undefined;
  return own ? { ...own, args: [{ sessionId }] } : ACTIONS[fix];
}
