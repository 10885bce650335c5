/**
 * What a Session promises its owners: where it keeps things (SessionPersistence), how its
 * process is launched (LaunchSpec), and the events it fires.
 */
import type { DecodeErrorInfo } from '../jsonl/decoder.js';
import type { ClaudeProcess, ClaudeProcessOptions, StopOptions } from '../process/claudeProcess.js';
import type { ProcessPriority } from '../process/priority.js';
import type { InboundMessage, SDKResultMessage, UserContentBlock } from '../protocol/messages.js';
import type { EntryDraft } from '../transcript/entry.js';
import type { PermissionDecision } from './permissions.js';
import type { SessionRecord, SessionState, TranscriptEntry, TurnMetrics } from './types.js';

/** Where sessions, messages and turns are kept (the store implements it). */
export interface SessionPersistence {
  upsertSession(record: SessionRecord): void;
  getSession(id: string): SessionRecord | undefined;
  listSessions(filter?: { workspaceFolder?: string; states?: readonly SessionState[]; limit?: number }): SessionRecord[];
  /** `rawText`: the message's JSON text as received, stored as is (the store serialises `raw` otherwise). */
  appendMessage(entry: EntryDraft): TranscriptEntry;
  recordTurn(metrics: TurnMetrics): void;
}

export interface LaunchSpec {
  /**
   * Makes the process (ClaudeProcess). Passed in rather than imported: process supervision (execa)
   * is loaded when the first session starts, not when Shannon does.
   */
  spawn(options: ClaudeProcessOptions): ClaudeProcess;
  binary: string;
  args: string[];
  cwd: string;
  env?: Record<string, string | undefined>;
  priority?: ProcessPriority;
  maxLineBytes?: number;
  controlTimeoutMs?: number;
  stop?: StopOptions;
  /** Ends the process after this long in total (0: never). */
  sessionTimeoutMs?: number;
  /** Ends the process after this long idle, waiting for input (0: never). */
  idleTimeoutMs?: number;
  /** Runs before each prompt is written (auto-checkpoints); its failure never blocks the turn. */
  beforeTurn?(session: SessionRecord): Promise<void>;
  /** Told of each `claude` process once spawned (shannon.ts records its tree for restart recovery). */
  onDidSpawn?(sessionId: string, process: ClaudeProcess): void;
  /** The process's `initialize` response (its commands and agents: capabilities.ts). */
  onDidInitialize?(sessionId: string, response: import('../protocol/messages.js').JsonObject | undefined): void;
}

export type Prompt = string | UserContentBlock[];

export interface StateChange {
  sessionId: string;
  from: SessionState;
  to: SessionState;
}

export interface SessionMessageEvent {
  sessionId: string;
  direction: 'in' | 'out';
  /** `in`: what the CLI said, classified; `out`: what Shannon wrote to it. */
  message: InboundMessage;
  at: number;
  /** The message as stored; undefined for what is never stored (partial-message fragments) or with no store. */
  entry?: TranscriptEntry;
}

export interface DecodeErrorEvent {
  sessionId: string;
  error: DecodeErrorInfo;
}

export interface StderrEvent {
  sessionId: string;
  text: string;
}

/** A permission ask was answered, or withdrawn (decision undefined). */
export interface PermissionSettledEvent {
  sessionId: string;
  requestId: string;
  decision?: PermissionDecision;
}

export interface TurnEndEvent {
  sessionId: string;
  /** The uuid of the prompt that started the turn (undefined for a turn Shannon did not start). */
  promptUuid?: string;
  metrics: TurnMetrics;
  result: SDKResultMessage;
}
