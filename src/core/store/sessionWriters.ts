/**
 * One writer per transcript. Two processes appending to one session's file would each number
 * their lines from their own count, and readers keep the first line of each seq: half of the
 * messages would vanish without a word. So the first store instance to append to a session
 * takes `transcripts/<id>.lock` (O_EXCL) and keeps it while the session may still write; another
 * instance is refused loudly instead, and nothing of the first one's is lost.
 *
 * A lock outlives a crash: it is broken when its process is gone (same host) or its instance's
 * owner file went stale (owners.ts), and the next writer numbers on from the file's tail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from './files';
import { FileLock, type LockHolder } from './fileLock';

/** What `claim` found: the lock is ours, another instance holds it, or it cannot be taken (an I/O problem the write will report). */
export type Claim = { kind: 'held'; fresh: boolean } | { kind: 'refused'; holder: LockHolder | undefined } | { kind: 'unlockable'; error: unknown };

/** A refused or unlockable claim is tried again at most this often. */
const RECLAIM_MS = 1000;

export class SessionWriters {
  private readonly held = new Map<string, { lock: FileLock; token: string }>();
  private readonly lastTry = new Map<string, { at: number; claim: Claim }>();

  constructor(
    private readonly dir: string,
    private readonly instanceId: string,
    private readonly instanceAlive: (instanceId: string) => boolean,
  ) {}

  /** Takes the session's append lock if it is free (or stale); synchronous, a few system calls. */
  claim(sessionId: string, now = Date.now()): Claim {
    if (this.held.has(sessionId)) return { kind: 'held', fresh: false };
    const last = this.lastTry.get(sessionId);
    if (last && now - last.at < RECLAIM_MS) return last.claim;
    const lock = new FileLock(path.join(this.dir, `${sessionId}.lock`), {
      staleMs: Number.POSITIVE_INFINITY,
      instance: this.instanceId,
      holderGone: (h) => h.instance !== undefined && !this.instanceAlive(h.instance),
    });
    let claim: Claim;
    try {
      const token = this.tryAcquire(lock);
      if (token) {
        this.held.set(sessionId, { lock, token });
        this.lastTry.delete(sessionId);
        return { kind: 'held', fresh: true };
      }
      claim = { kind: 'refused', holder: lock.holder() };
    } catch (err) {
      claim = errnoCode(err) === 'EEXIST' ? { kind: 'refused', holder: undefined } : { kind: 'unlockable', error: err };
    }
    this.lastTry.set(sessionId, { at: now, claim });
    return claim;
  }

  /** Whether the lock is still ours (nobody judged this instance gone and broke it). */
  stillHeld(sessionId: string): boolean {
    const mine = this.held.get(sessionId);
    if (mine && !mine.lock.holds(mine.token)) this.held.delete(sessionId);
    return this.held.has(sessionId);
  }

  private tryAcquire(lock: FileLock): string | undefined {
    try {
      return lock.tryAcquireSync();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      fs.mkdirSync(this.dir, { recursive: true }); // the first transcript of a new store
      return lock.tryAcquireSync();
    }
  }

  /** Lets another instance write the session (it has ended here, or was deleted). */
  release(sessionId: string): void {
    const mine = this.held.get(sessionId);
    this.lastTry.delete(sessionId);
    if (!mine) return;
    this.held.delete(sessionId);
    try {
      mine.lock.release(mine.token);
    } catch {
      // Gone already, or the folder is: an orphan lock is broken by the next writer.
    }
  }

  /** Sessions whose lock this instance holds. */
  sessions(): string[] {
    return [...this.held.keys()];
  }

  releaseAll(): void {
    for (const id of this.sessions()) this.release(id);
  }
}
