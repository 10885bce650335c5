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
  | 'STORE_MESSAGE_UNWRITABLE'
  | 'STORE_DAMAGED'
  | 'STORE_SESSION_IN_USE'
  | 'CHECKPOINT_FAILED'
  | 'LEFTOVER_PROCESSES_ENDED'
  /** Asked for more than the user allows this caller (the MCP permission cap). */
  | 'NOT_PERMITTED'
  /** The folder cannot have a worktree (no git, not a repository, bare, detached HEAD, no commit). */
  | 'WORKTREE_UNAVAILABLE'
  /** A git step of creating, reading, merging or removing a worktree failed. */
  | 'WORKTREE_FAILED'
  /** Bringing a session's work back would conflict; nothing was changed. */
  | 'MERGE_CONFLICT'
  | 'NOT_SUPPORTED'
  // Errors the CLI reports inside a turn (an assistant message's `error`, an error result):
  // the session stays open, its record carries the error until a turn succeeds.
  /** The API does not know the session's model, or this account may not use it. */
  | 'MODEL_NOT_FOUND'
  /** The API refused the credentials (bad or missing API key, expired or unauthorised login). */
  | 'AUTH_FAILED'
  | 'BILLING_ERROR'
  | 'RATE_LIMITED'
  | 'API_OVERLOADED'
  /** Any other API failure (bad request, server error, unknown). */
  | 'API_ERROR'
  /** The reply hit the output token limit. */
  | 'OUTPUT_LIMIT'
  /** The turn stopped at the session's turn or budget limit, or the CLI failed while running it. */
  | 'TURN_FAILED';

/**
 * What would fix a problem, for programs: each host (the extension, the standalone MCP server)
 * turns it into its own words and actions (a button, a setting, a flag). The core never names
 * a host's settings or commands.
 */
export type ShannonFix =
  /** Install Claude Code. */
  | 'install-claude'
  /** Point Shannon at a working `claude` (a setting, a file picker, a command-line flag). */
  | 'choose-claude'
  /** The session's full log says more. */
  | 'show-log'
  /** Automatic checkpoints cannot work in this folder: turn them off. */
  | 'turn-off-auto-checkpoint'
  /** The session's model does not work: pick another (set_model on the session). */
  | 'choose-model'
  /** Claude Code is not logged in, or its key is refused: log in (`claude auth login`) or set ANTHROPIC_API_KEY. */
  | 'log-in';

export class ShannonError extends Error {
  override readonly name = 'ShannonError';
  readonly fix?: ShannonFix;
  constructor(
    readonly code: ShannonErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown; fix?: ShannonFix },
  ) {
    super(message, options);
    if (options?.fix) this.fix = options.fix;
  }

  /** One line for a notification or a tool result: the message, then what to do. */
  toUserString(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

/**
 * Structural, not `instanceof`: the extension loads parts of Shannon from separate bundles
 * (each with its own copy of this class), and an error crosses from one to another.
 */
export function isShannonError(err: unknown, code?: ShannonErrorCode): err is ShannonError {
  return err instanceof Error && err.name === 'ShannonError' && typeof (err as ShannonError).code === 'string' && (code === undefined || (err as ShannonError).code === code);
}

/** Any thrown value as a ShannonError, keeping the original as `cause`. */
export function asShannonError(err: unknown, fallback: ShannonErrorCode = 'CLAUDE_BROKEN'): ShannonError {
  if (isShannonError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ShannonError(fallback, message, undefined, { cause: err });
}
