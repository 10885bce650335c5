/**
 * What the session panels need from the core: the manager's steering calls and events, and the
 * store's transcript reader. A structural subset, so tests can hand in a fake.
 */
import type { SessionManager } from '../../core/session/manager';
import type { Event } from '../../core/lifecycle';
import type { SessionRecord, TranscriptEntry } from '../../core/session/types';

export type PanelManager = Pick<
  SessionManager,
  | 'get'
  | 'send'
  | 'interrupt'
  | 'cancel'
  | 'resume'
  | 'respondToPermission'
  | 'pendingPermissions'
  | 'onDidChangeSession'
  | 'onDidMessage'
  | 'onDidRequestPermission'
  | 'onDidSettlePermission'
>;

export interface TranscriptReader {
  readTranscript(sessionId: string, opts?: { fromSeq?: number; limit?: number }): Promise<TranscriptEntry[]>;
  /** With these two, a panel closes when its session is deleted (here or in another window). */
  getSession?(sessionId: string): SessionRecord | undefined;
  onDidChange?: Event<{ sessionIds: string[] }>;
}

export interface PanelCore {
  manager: PanelManager;
  store: TranscriptReader;
}
