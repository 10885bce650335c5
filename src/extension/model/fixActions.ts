/**
 * A core error's `fix` as VS Code offers it: a button on the notification that runs the command
 * which does the fixing. Pure (command ids and arguments only), so it is unit-tested.
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
};

export function fixAction(fix: ShannonFix | undefined): FixAction | undefined {
  return fix ? ACTIONS[fix] : undefined;
}
