import type { ShannonError } from '../../core/errors.js';

/**
 * A notification is read at a glance: one sentence and the actions. The locator's full message
 * (every place it looked) goes to the log, behind "Show Log".
 */
export function notificationText(error: ShannonError): string {
  if (error.code === 'CLAUDE_NOT_FOUND') return 'Shannon could not find Claude Code (claude) on this machine. Install it, or select the binary.';
  const text = error.toUserString();
  return text.length > 240 ? `${text.slice(0, 220).trimEnd()}… (the log has the details)` : text;
}
