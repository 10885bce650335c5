/**
 * The words on the button that applies a core error's `fix`, the same in a notification, the
 * tree and a session panel's error card (the extension and the webview both import this).
 */
import type { ShannonFix } from '../core/errors';

export const FIX_LABELS: Readonly<Record<ShannonFix, string>> = {
  'install-claude': 'Install Instructions',
  'choose-claude': 'Select Claude Binary',
  'show-log': 'Show Log',
  'turn-off-auto-checkpoint': 'Open Setting',
  'choose-model': 'Change Model…',
  'log-in': 'How to Log In…',
};

export function isShannonFix(value: unknown): value is ShannonFix {
  return typeof value === 'string' && Object.hasOwn(FIX_LABELS, value);
}
