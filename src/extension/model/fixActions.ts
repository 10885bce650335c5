/**
 * A core error's `fix` as VS Code offers it: a button on the notification (or the session's
 * error card) that runs the command which does the fixing. Pure (command ids and arguments
 * only), so it is unit-tested.
 */
import type { ShannonFix } from '../../core/errors.js';

export interface FixAction {
  /** The button's label. */
  label: string;
  command: string;
  args?: unknown[];
}

const ACTIONS: Readonly<Record<ShannonFix, FixAction>> = {
  'install-claude': { label: 'Install Instructions', command: 'shannon.showInstallInstructions' },
  'choose-claude': { label: 'Select Claude Binary', command: 'shannon.selectClaudeBinary' },
  'show-log': { label: 'Show Log', command: 'shannon.showLog' },
  'turn-off-auto-checkpoint': { label: 'Open Setting', command: 'workbench.action.openSettings', args: ['shannon.autoCheckpoint'] },
  'choose-model': { label: 'Change Model…', command: 'shannon.changeModel' },
  'log-in': { label: 'How to Log In…', command: 'shannon.logIn' },
};

/** About one session (its error card): these act on that session (the commands take `{ sessionId }`). */
const SESSION_ACTIONS: Readonly<Partial<Record<ShannonFix, FixAction>>> = {
  'choose-model': ACTIONS['choose-model'],
  'show-log': { label: 'Show Log', command: 'shannon.showOutput' },
};

export function fixAction(fix: ShannonFix | undefined, sessionId?: string): FixAction | undefined {
  if (!fix) return undefined;
  const own = sessionId ? SESSION_ACTIONS[fix] : undefined;
  return own ? { ...own, args: [{ sessionId }] } : ACTIONS[fix];
}
