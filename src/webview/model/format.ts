/**
 * Wording and figures as the panel shows them. Pure, so every rule is unit-tested.
 */
import { oneLine as sharedOneLine } from '../../core/format';
import { toolInputSummary } from '../../core/transcript/blocks';
import type { SessionState } from '../../shared/webviewProtocol';

export { formatCost, formatDuration, formatTokens, STATE_LABELS } from '../../core/format';
export { isBusy, isLive } from '../../core/session/types';

/** Longer than the tree's default: the panel has room. */
export function oneLine(text: string, max = 200): string {
  return sharedOneLine(text, max);
}


export const STATE_ICONS: Readonly<Record<SessionState, string>> = {
  created: 'circle-large-outline',
  queued: 'clock',
  starting: 'loading~spin',
  running: 'loading~spin',
  awaiting_permission: 'question',
  idle: 'circle-large-outline',
  suspended: 'circle-large-outline',
  completed: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  timed_out: 'watch',
  interrupted: 'debug-disconnect',
};

/** The one line that says what a tool call does, shown on its collapsed card. */
export function toolSummary(name: string, input: Record<string, unknown> | undefined): string {
  return oneLine(toolInputSummary(name, input));
}

/** A codicon for a tool's card. */
export function toolIcon(name: string): string {
  switch (name) {
    case 'Bash':
      return 'terminal';
    case 'Read':
      return 'file';
    case 'Write':
      return 'new-file';
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit':
      return 'edit';
    case 'Glob':
    case 'Grep':
      return 'search';
    case 'WebFetch':
    case 'WebSearch':
      return 'globe';
    case 'Task':
    case 'Agent':
      return 'organization';
    case 'TodoWrite':
      return 'checklist';
    default:
      return name.startsWith('mcp__') ? 'plug' : 'tools';
  }
}

/** Pretty JSON for a tool's input, with long strings left whole (they are what people read). */
export function formatInput(input: Record<string, unknown> | undefined, partial: string): string {
  if (!input) return partial;
  try {
    return JSON.stringify(input, null, 2);
  } catch {
    return String(input);
  }
}
