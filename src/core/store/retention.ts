/**
 * What the store lets go of, and when: sessions by age and by transcript size (never a live or
 * pinned one), turn detail older than 90 days (summed per day, so usage totals stay exact),
 * tombstones once no window can still hold a copy older than them, and transcripts of sessions
 * deleted elsewhere.
 */
import { LIVE_STATES } from '../session/types';
import type { MetaDb } from './metaDb';
import type { TranscriptFiles } from './transcripts';
import type { PrunePolicy } from './types';

export const DAY_MS = 86_400_000;
/** Tombstones only need to outlive every other window's unsaved copy. */
export const TOMBSTONE_DAYS = 90;
/** Turns keep their own row this long; older ones are summed per day (metaDb.rollUpTurns). */
export const TURN_DETAIL_DAYS = 90;
const ROLL_UP_ROWS_PER_STEP = 2000;

/** Sessions `policy` removes: older than `maxAgeDays`, then the oldest until transcripts fit `maxBytes`. */
export async function sessionsToPrune(db: MetaDb, transcripts: TranscriptFiles, policy: PrunePolicy, now: number): Promise<string[]> {
  const candidates = db.prunable(LIVE_STATES);
  const removed = new Set<string>();
  if (policy.maxAgeDays !== undefined) {
    const cutoff = now - policy.maxAgeDays * DAY_MS;
    for (const c of candidates) if (c.updatedAt < cutoff) removed.add(c.id);
  }
  if (policy.maxBytes !== undefined) {
    const sizes = new Map<string, number>();
    let total = 0;
    for (const s of db.sessionFolders().keys()) {
      if (removed.has(s)) continue;
      const size = await transcripts.size(s);
      sizes.set(s, size);
      total += size;
    }
    for (const c of candidates) {
      if (total <= policy.maxBytes) break;
      if (removed.has(c.id)) continue;
      removed.add(c.id);
      total -= sizes.get(c.id) ?? 0;
    }
  }
  return [...removed];
}

/**
 * Sums turns older than TURN_DETAIL_DAYS per day, a few thousand rows per step with the event
 * loop free in between: after months away the backlog is large, the steps are not. Each step
 * is handed to `apply` as a replayable change.
 */
export async function rollUpOldTurns(db: () => MetaDb, apply: (step: (db: MetaDb) => void) => void, now: () => number, stopped: () => boolean): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10).unref());
    if (stopped()) return;
    const step = db().rollUpStep(now() - TURN_DETAIL_DAYS * DAY_MS, ROLL_UP_ROWS_PER_STEP);
    if (step === undefined) return;
    apply((d) => d.rollUpTurns(step));
  }
}

/** Transcripts of sessions deleted (here or in another window) whose file is still there. */
export async function removeOrphanTranscripts(db: MetaDb, transcripts: TranscriptFiles): Promise<void> {
  const deleted = db.deletedSessions();
  for (const id of await transcripts.sessionsOnDisk()) {
    if (deleted.has(id) && !db.hasSession(id)) await transcripts.delete(id);
  }
}
