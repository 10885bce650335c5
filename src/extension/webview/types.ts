/**
 * What the session panels need from the core: the manager's steering calls and events, and the
 * store's transcript reads. A structural subset, so tests can hand in a fake.
 */
import type { Checkpoint } from '../../core/checkpoints/types';
import type { SessionCapabilities } from '../../core/session/capabilities';
import type { SessionManager } from '../../core/session/manager';
import type { Event } from '../../core/lifecycle';
import type { SessionRecord, TranscriptEntry } from '../../core/session/types';
import type { BackwardRead, TailRead } from '../../core/store';

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
  /** The newest entries (of those `filter` keeps) before a seq: the panel's windows. */
  readTranscriptTail(sessionId: string, opts: BackwardRead): Promise<TailRead>;
  /** One entry whole (a tool's full output). */
  readTranscriptEntry(sessionId: string, seq: number): Promise<TranscriptEntry | undefined>;
  /** With these two, a panel closes when its session is deleted (here or in another window). */
  getSession?(sessionId: string): SessionRecord | undefined;
  /** For a fork made by restoring a checkpoint: where it left its parent. */
  listCheckpoints?(sessionId: string): Checkpoint[];
  onDidChange?: Event<{ sessionIds: string[] }>;
}

export interface PanelCore {
  manager: PanelManager;
  store: TranscriptReader;
  /** Each live session's slash commands (for the composer's `/` completion). */
  capabilities?: Pick<SessionCapabilities, 'get' | 'onDidChange'>;
}
