/**
 * What stands in a session's way, as the tree says it: an error a turn left (with the fix it
 * offers), or the queue it waits in (why, and what frees it). Pure, so it is unit-tested.
 */
import { queueWaitText } from '../../core/format.js';
import { isLive, type SessionRecord } from '../../core/session/types.js';
import type { IconSpec } from './format.js';

/** A few words for the tree item's description, by error code. */
const SHORT: Readonly<Record<string, string>> = {
  MODEL_NOT_FOUND: 'model not found',
  AUTH_FAILED: 'not logged in',
  BILLING_ERROR: 'billing problem',
  RATE_LIMITED: 'rate limited',
  API_OVERLOADED: 'API overloaded',
  API_ERROR: 'API error',
  OUTPUT_LIMIT: 'reply cut off',
  TURN_FAILED: 'last turn failed',
};

/** An open session whose last turn failed: it still takes messages, but needs a look first. */
export function hasTurnError(record: SessionRecord): boolean {
  return !!record.error && isLive(record.state);
}

/** The description's first words for a session with a problem, or undefined. */
export function problemLabel(record: SessionRecord): string | undefined {
  if (hasTurnError(record)) return SHORT[record.error!.code] ?? 'error';
  if (record.state === 'queued' && record.waiting) return `waits: ${record.waiting.busy}/${record.waiting.limit} at work`;
  return undefined;
}

/** Overrides the state's icon: an open session with an error shows the error. */
export function problemIcon(record: SessionRecord): IconSpec | undefined {
  return hasTurnError(record) ? { id: 'warning', color: 'list.errorForeground' } : undefined;
}

/** Tooltip lines (markdown) saying why a queued session waits and what starts it. */
export function queueTooltipLines(record: SessionRecord): string[] {
  if (record.state !== 'queued') return [];
  return [
    '',
    `$(clock) ${queueWaitText(record.waiting)}`,
    '',
    '**Start Now** starts it past the limit; **Open Setting** changes the limit (`shannon.maxConcurrentSessions`). Idle sessions never hold a slot.',
  ];
}
