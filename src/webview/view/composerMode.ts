/**
 * What the message box offers for the session's state: Queue while a turn runs, Resume once it
 * has ended (and can be resumed), Send otherwise. Pure, so the wording is tested in plain Node.
 */
import type { SessionRecord } from '../../core/session/types';
import { isBusy, isLive } from '../model/format';

export interface ComposerMode {
  label: 'Queue' | 'Resume' | 'Send';
  icon: string;
  placeholder: string;
  hint: string;
  disabled: boolean;
}

export function composerMode(session: SessionRecord | undefined): ComposerMode {
  const state = session?.state ?? 'created';
  const live = isLive(state);
  const resumable = !live && state !== 'created' && !!session?.cliSessionId;
  const disabled = !session || (!live && !resumable && state !== 'created');
  if (isBusy(state)) {
    return { label: 'Queue', icon: 'clock', disabled, placeholder: 'Claude is working. Your message will be sent when this turn ends.', hint: 'Enter queues the message · Shift+Enter for a new line · Escape stops the turn' };
  }
  if (resumable) {
    return { label: 'Resume', icon: 'debug-continue', disabled, placeholder: 'This session has ended. Type a message to resume it.', hint: 'Enter resumes the session with your message · Shift+Enter for a new line' };
  }
  if (!disabled) return { label: 'Send', icon: 'send', disabled, placeholder: 'Message Claude…', hint: 'Enter to send · Shift+Enter for a new line' };
  return { label: 'Send', icon: 'send', disabled, placeholder: session ? 'This session has ended.' : 'Loading…', hint: '' };
}
