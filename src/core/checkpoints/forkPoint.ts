/**
 * Where a fork's conversation left its parent, and the parent's history up to there: what the
 * fork's CLI process was given, shown (dimmed) above the fork's own messages. A restored
 * checkpoint's fork starts at the checkpoint; a plain fork took everything its parent had said
 * when it was made.
 */
import type { SessionRecord, TranscriptEntry } from '../session/types.js';
import type { Checkpoint } from './types.js';
import type { SessionStore } from '../store/index.js';
import type { BackwardRead, TailRead } from '../store/transcriptReads.js';

export interface InheritedHistory {
  parentId: string;
  /** The newest of the parent's entries up to the fork point, oldest first. */
  entries: TranscriptEntry[];
  hasOlder: boolean;
}

/** `read` narrows what is shown (its limit and filter); the fork point bounds it. */
export async function inheritedHistory(
  store: Pick<SessionStore, 'readTranscriptTail'> & { listCheckpoints?(sessionId: string): Checkpoint[] },
  fork: Pick<SessionRecord, 'id' | 'parentId' | 'createdAt'>,
  read: BackwardRead,
): Promise<InheritedHistory | undefined> {
  const parentId = fork.parentId;
  if (!parentId) return undefined;
  const checkpoint = store.listCheckpoints?.(parentId).find((c) => c.forks?.includes(fork.id));
  let tail: TailRead;
  if (checkpoint) {
    tail = await store.readTranscriptTail(parentId, { ...read, beforeSeq: Math.min(read.beforeSeq ?? Infinity, checkpoint.seq + 1) });
  } else {
    const { filter } = read;
    tail = await store.readTranscriptTail(parentId, { ...read, filter: (e) => e.at <= fork.createdAt && (!filter || filter(e)) });
  }
  return tail.entries.length ? { parentId, entries: tail.entries, hasOlder: tail.hasOlder } : undefined;
}
