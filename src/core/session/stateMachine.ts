/**
 * The legal moves of a session. Anything else is a bug in Shannon, so it throws rather than
 * leaving a session in a state no UI can explain.
 */
import { ShannonError } from '../errors.js';
import type { SessionState } from './types.js';

const ENDINGS: SessionState[] = ['completed', 'failed', 'cancelled', 'timed_out'];
/** A finished session can be resumed: it goes through the queue again. */
const RESUMABLE: SessionState[] = ['queued', 'starting'];

const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  created: ['queued', 'starting', 'cancelled', 'failed'],
  queued: ['starting', 'cancelled', 'failed', 'timed_out'],
  starting: ['running', 'idle', 'suspended', ...ENDINGS],
  running: ['idle', 'awaiting_permission', 'suspended', ...ENDINGS],
  awaiting_permission: ['running', 'idle', 'suspended', ...ENDINGS],
  idle: ['running', 'suspended', ...ENDINGS],
  // Woken by its next message (no queue: talking to a session you have never waits), or ended.
  suspended: ['starting', 'completed', 'cancelled', 'failed'],
  completed: RESUMABLE,
  failed: RESUMABLE,
  cancelled: RESUMABLE,
  timed_out: RESUMABLE,
  interrupted: [...RESUMABLE, 'failed'],
};

export function canTransition(from: SessionState, to: SessionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: SessionState, to: SessionState, sessionId: string): void {
  if (!canTransition(from, to)) {
    throw new ShannonError('ILLEGAL_TRANSITION', `Session ${sessionId} cannot go from ${from} to ${to}.`);
  }
}

export function legalNextStates(from: SessionState): readonly SessionState[] {
  return TRANSITIONS[from];
}
