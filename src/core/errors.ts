/**
 * Every failure Shannon reports carries a stable `code` (for programs: MCP results, tests,
 * the UI picking an action), a `message` for people, and a `hint` saying what to do next.
 */
export type ShannonErrorCode =
  | 'CLAUDE_NOT_FOUND'
  | 'CLAUDE_NOT_EXECUTABLE'
  | 'CLAUDE_TOO_OLD'
  | 'CLAUDE_BROKEN'
  | 'SPAWN_FAILED'
  | 'PROCESS_EXITED'
  | 'PROCESS_CRASHED'
  | 'STDIN_CLOSED'
  | 'CONTROL_TIMEOUT'
  | 'CONTROL_ERROR'
  | 'ILLEGAL_TRANSITION'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_BUSY'
  | 'SESSION_ENDED'
  | 'LIMIT_REACHED'
  | 'TIMED_OUT'
  | 'CANCELLED'
  | 'INVALID_ARGUMENT'
  | 'STORE_CORRUPT'
  | 'STORE_TOO_NEW'
  | 'STORE_WRITE_FAILED'
  | 'STORE_READ_FAILED'
  | 'CHECKPOINT_FAILED'
  /** The folder cannot have a worktree (no git, not a repository, bare, detached HEAD, no commit). */
  | 'WORKTREE_UNAVAILABLE'
  /** A git step of creating, reading, merging or removing a worktree failed. */
  | 'WORKTREE_FAILED'
  /** Bringing a session's work back would conflict; nothing was changed. */
  | 'MERGE_CONFLICT'
  | 'NOT_SUPPORTED';

export class ShannonError extends Error {
  override readonly name = 'ShannonError';
  constructor(
    readonly code: ShannonErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** One line for a notification or a tool result: the message, then what to do. */
  toUserString(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isShannonError(err: unknown, code?: ShannonErrorCode): err is ShannonError {
  return err instanceof ShannonError && (code === undefined || err.code === code);
}

/** Any thrown value as a ShannonError, keeping the original as `cause`. */
export function asShannonError(err: unknown, fallback: ShannonErrorCode = 'CLAUDE_BROKEN'): ShannonError {
  if (err instanceof ShannonError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ShannonError(fallback, message, undefined, { cause: err });
}
