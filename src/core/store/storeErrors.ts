/** The store's I/O failures, worded for people: what broke, and what to do about it. */
import { ShannonError } from '../errors';
import type { TranscriptEntry } from '../session/types';
import { errnoCode } from './files';

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
