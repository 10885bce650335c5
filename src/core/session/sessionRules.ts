/**
 * The manager's small rules: a new record's title, options and checks, and the errors every
 * entry point gives for a missing or unrunnable session.
 */
import { randomUUID } from 'node:crypto';
import { buildClaudeArgs } from '../cli/args.js';
import { ShannonError } from '../errors.js';
import type { CreateSessionRequest } from './managerOptions.js';
import type { Prompt } from './sessionEvents.js';
import { emptyMetrics, type ClaudeRunOptions, type SessionRecord } from './types.js';

/** A setting given as a value or read each time (a host setting that can change). */
export const value = (v: number | (() => number) | undefined, fallback: number) => (typeof v === 'function' ? v() : (v ?? fallback));

/** A new session's record: its own options over the host's defaults, checked before it exists. */
export function newSessionRecord(request: CreateSessionRequest, defaults: ClaudeRunOptions, now: number): SessionRecord {
  const options = { ...defaults, ...stripUndefined(request.options ?? {}) };
  validateOptions(options);
  return {
    id: randomUUID(),
    workspaceFolder: request.workspaceFolder,
    cwd: request.cwd ?? request.workspaceFolder,
    title: request.title?.trim() || titleFrom(request.prompt) || 'New session',
    model: options.model,
    options,
    state: 'created',
    createdAt: now,
    updatedAt: now,
    metrics: emptyMetrics(),
    origin: request.origin ?? 'shannon',
    ...(request.worktree ? { worktree: request.worktree } : {}),
  };
}

/** A fork's record: its parent's conversation (`--resume --fork-session`), options, folder and worktree. */
export function forkRecord(parent: SessionRecord, request: { resumeAt?: string; title?: string; options?: ClaudeRunOptions }, now: number): SessionRecord {
  const options: ClaudeRunOptions = {
    ...parent.options,
    ...stripUndefined(request.options ?? {}),
    resume: parent.cliSessionId,
    forkSession: true,
    resumeAt: request.resumeAt,
    sessionId: undefined,
  };
  validateOptions(options);
  return {
    id: randomUUID(),
    workspaceFolder: parent.workspaceFolder,
    cwd: parent.cwd,
    title: request.title?.trim() || `${parent.title} (fork)`,
    model: parent.model,
    options,
    state: 'created',
    createdAt: now,
    updatedAt: now,
    metrics: emptyMetrics(),
    parentId: parent.id,
    origin: parent.origin === 'imported' ? 'shannon' : parent.origin,
    // The same conversation with the same options: shared with MCP if its parent was.
    ...(parent.sharedWithMcp ? { sharedWithMcp: true } : {}),
    // A fork works in its parent's files: the same worktree.
    ...(parent.worktree ? { worktree: parent.worktree } : {}),
  };
}

export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

export function notFound(sessionId: string): ShannonError {
  return new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${sessionId}".`, 'List the sessions to find the right id.');
}

/** A session whose worktree was discarded has no directory to run in. */
export function refuseDiscardedWorktree(record: SessionRecord): void {
  if (record.worktree?.removedAt) {
    throw new ShannonError('SESSION_ENDED', `The worktree of "${record.title}" was discarded, so the session cannot run again.`, 'Start a new session; its transcript stays readable.');
  }
}

export function titleFrom(prompt: Prompt | undefined): string {
  if (prompt === undefined) return '';
  const text = typeof prompt === 'string' ? prompt : prompt.map((b) => (b.type === 'text' ? b.text : '')).join(' ');
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function validateOptions(options: ClaudeRunOptions): void {
  // buildClaudeArgs validates every flag; calling it here rejects bad input before a record exists.
  buildClaudeArgs(options);
}
