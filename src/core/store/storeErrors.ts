/** The store's I/O failures, worded for people: what broke, and what to do about it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ShannonError } from '../errors';
import type { TranscriptEntry } from '../session/types';
import { errnoCode } from './files';
import type { LockHolder } from './fileLock';

/** Why a file operation failed, in words (a full disk, a read-only folder, …). */
export function ioReason(err: unknown): string {
  const code = errnoCode(err);
  return code === 'ENOSPC'
    ? 'the disk is full'
    : code === 'EROFS'
      ? 'the file system is read-only'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOTDIR' || code === 'ENOENT'
          ? 'the folder is gone or is not a folder'
          : err instanceof Error
            ? err.message
            : String(err);
}

export function writeFailed(dir: string, err: unknown, verb: 'save' | 'read' = 'save'): ShannonError {
  const reason = ioReason(err);
  if (verb === 'read') {
    return new ShannonError('STORE_READ_FAILED', `Shannon could not read its session store in ${dir}: ${reason}.`, 'Make the folder and its files readable by you, then reload the window.', { cause: err });
  }
  return new ShannonError(
    'STORE_WRITE_FAILED',
    `Shannon could not save its session store in ${dir}: ${reason}.`,
    'Changes are kept in memory and saved on the next try: free disk space or make the folder writable.',
    { cause: err },
  );
}

/** A message left out of its transcript because it cannot be written as JSON; the rest is saved. */
export function unwritableMessage(entry: TranscriptEntry, err: unknown): ShannonError {
  const reason = err instanceof RangeError ? 'it is nested too deeply to write as JSON' : `it cannot be written as JSON (${err instanceof Error ? err.message : String(err)})`;
  return new ShannonError(
    'STORE_MESSAGE_UNWRITABLE',
    `Message ${entry.seq} (${entry.type}) of session ${entry.sessionId} was not saved: ${reason}. The rest of the session is saved.`,
    'It was shown as it arrived but will be missing after a reload; nothing else is lost.',
    { cause: err },
  );
}

/**
 * For a path of the wrong kind (EISDIR: a folder where the store keeps a file; ENOTDIR, or
 * EEXIST from mkdir: a file where it keeps a folder), which path it is, as a STORE_DAMAGED error; undefined otherwise.
 * `what`: what could not be used; `meanwhile`: what the store does until it is fixed.
 */
export function wrongKind(err: unknown, target: string, what: string, meanwhile: string): ShannonError | undefined {
  const code = errnoCode(err);
  if (code === 'EISDIR') return damaged(target, 'a folder, not a file', what, meanwhile, err);
  if (code === 'EEXIST' && fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() === false) return damaged(target, 'a file, not a folder', what, meanwhile, err); // mkdir
  if (code !== 'ENOTDIR') return undefined;
  for (let dir = path.dirname(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) return damaged(dir, 'a file, not a folder', what, meanwhile, err);
  }
  return undefined;
}

/** `store.sqlite` is a folder. */
export function databaseIsFolder(file: string): ShannonError {
  return damaged(file, 'a folder, not a file', 'its session database', "until then this window's sessions are kept in memory only, and saved once it is gone");
}

function damaged(culprit: string, kind: string, what: string, meanwhile: string, cause?: unknown): ShannonError {
  return new ShannonError('STORE_DAMAGED', `Shannon cannot use ${what}: ${culprit} is ${kind}.`, `Move ${culprit} out of the way; ${meanwhile}.`, cause === undefined ? undefined : { cause });
}

/** A transcript could not be written (or read): the path's kind, or the reason, and the session. */
export function transcriptFailed(sessionId: string, file: string, err: unknown, verb: 'write' | 'read'): ShannonError {
  const meanwhile = verb === 'write' ? 'its messages are kept in memory and written once it is gone' : 'the rest of the store keeps working';
  return (
    wrongKind(err, file, `the transcript of session ${sessionId}`, meanwhile) ??
    (verb === 'write'
      ? new ShannonError('STORE_WRITE_FAILED', `Shannon could not save the transcript of session ${sessionId} (${file}): ${ioReason(err)}.`, 'Its messages are kept in memory and saved on the next try: free disk space or make the folder writable.', { cause: err })
      : new ShannonError('STORE_READ_FAILED', `Shannon could not read the transcript of session ${sessionId} (${file}): ${ioReason(err)}.`, 'Make the file and its folder readable by you.', { cause: err }))
  );
}

/** Another store instance writes this session's transcript: this one's lines of it are refused. */
export function sessionInUse(sessionId: string, holder: LockHolder | undefined): ShannonError {
  const who = holder ? `another Shannon process (pid ${holder.pid} on ${holder.host})` : 'another Shannon process';
  return new ShannonError(
    'STORE_SESSION_IN_USE',
    `Session ${sessionId} is being written by ${who}: this process's messages of it are not saved, so that nothing of the other's is lost.`,
    'Run a session in one window or server at a time: stop it there, then resume it here.',
  );
}
