/**
 * What the command palette's `when` clauses know about the sessions (package.json
 * `contributes.menus.commandPalette`): Interrupt is listed only while one is at work, Resume only
 * when one can be resumed, session commands only once there are sessions. Pure: a plain Node
 * test reads it.
 */
import { isBusy, isLive, isTerminal, type SessionRecord } from '../../core/session/types.js';

export const SESSION_CONTEXT_KEYS = ['shannon.hasSessions', 'shannon.hasLiveSessions', 'shannon.hasBusySessions', 'shannon.hasResumableSessions', 'shannon.hasIsolatedSessions', 'shannon.hasQueuedSessions'] as const;
export type SessionContextKey = (typeof SESSION_CONTEXT_KEYS)[number];

export function sessionContextValues(records: readonly SessionRecord[]): Record<SessionContextKey, boolean> {
  return {
    'shannon.hasSessions': records.length > 0,
    'shannon.hasLiveSessions': records.some((r) => isLive(r.state)),
    'shannon.hasBusySessions': records.some((r) => isBusy(r.state)),
    'shannon.hasResumableSessions': records.some((r) => isTerminal(r.state) && !!r.cliSessionId),
    'shannon.hasIsolatedSessions': records.some((r) => r.worktree?.isolation === 'worktree' && !r.worktree.removedAt),
    'shannon.hasQueuedSessions': records.some((r) => r.state === 'queued'),
  };
}
