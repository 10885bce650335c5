/**
 * What a command was invoked on. The same command runs from a tree item (its node), an inline
 * action, the webview (`{ sessionId }`), another extension or a test (a plain id), or the
 * palette (nothing: then it asks). Pure, so every shape is unit-tested.
 */

export interface NewSessionArgs {
  prompt?: string;
  /** A workspace folder path; asked for when there are several and none is given. */
  folder?: string;
  model?: string;
  /** Start as this Claude Code agent (`--agent`); given, the dialog does not ask. */
  agent?: string;
  /** Don't open the session's panel (tests, scripted use). */
  background?: boolean;
  /** Where it works; given, the dialog does not ask. */
  isolation?: 'none' | 'worktree' | 'auto';
  /** With a worktree and uncommitted changes in the folder; given, the dialog does not ask. */
  uncommitted?: 'carry' | 'leave';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function sessionIdFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (!isObject(arg)) return undefined;
  if (typeof arg.sessionId === 'string' && arg.sessionId) return arg.sessionId;
  if (arg.kind === 'session' && isObject(arg.record) && typeof arg.record.id === 'string') return arg.record.id;
  if (arg.kind === 'checkpoint' && isObject(arg.checkpoint) && typeof arg.checkpoint.sessionId === 'string') return arg.checkpoint.sessionId;
  return undefined;
}

export function checkpointIdFrom(arg: unknown): string | undefined {
  if (!isObject(arg)) return undefined;
  if (typeof arg.checkpointId === 'string' && arg.checkpointId) return arg.checkpointId;
  if (arg.kind === 'checkpoint' && isObject(arg.checkpoint) && typeof arg.checkpoint.id === 'string') return arg.checkpoint.id;
  return undefined;
}

export function newSessionArgsFrom(arg: unknown): NewSessionArgs {
  if (!isObject(arg)) return {};
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);
  // A folder node from the tree, or a Uri from the explorer, picks the folder.
  const folder =
    str(arg.folder) ??
    (isObject(arg.folder) && typeof arg.folder.path === 'string' ? arg.folder.path : undefined) ??
    (typeof arg.fsPath === 'string' ? arg.fsPath : undefined);
  const isolation = arg.isolation === 'none' || arg.isolation === 'worktree' || arg.isolation === 'auto' ? arg.isolation : undefined;
  const uncommitted = arg.uncommitted === 'carry' || arg.uncommitted === 'leave' ? arg.uncommitted : undefined;
  return { prompt: str(arg.prompt), folder, model: str(arg.model), ...(str(arg.agent) ? { agent: str(arg.agent) } : {}), background: arg.background === true, ...(isolation ? { isolation } : {}), ...(uncommitted ? { uncommitted } : {}) };
}

/** An optional text argument (the message for Send Message, a label for Create Checkpoint). */
export function textFrom(arg: unknown, key: string): string | undefined {
  if (!isObject(arg)) return undefined;
  const v = arg[key];
  return typeof v === 'string' && v.trim() ? v : undefined;
}

/** `{ confirmed: true }`: a script or a test already confirmed, so the command asks nothing. */
export function confirmedFrom(arg: unknown): boolean {
  return isObject(arg) && arg.confirmed === true;
}
