/**
 * The one message protocol between a session panel's webview (src/webview) and the extension
 * host (src/extension/webview). Both sides import these types, so renaming a field breaks the
 * build rather than the panel. Everything here is JSON data: postMessage structured-clones it.
 *
 * Host → webview: notifications (`init`, `append`, `partial`, …) and `reply` to requests.
 * Webview → host: notifications (`ready`, `copy`, …) and requests carrying an `id` that the
 * host answers with exactly one `reply` of the same id (ok + result, or an error to show).
 */
import type { ShannonFix } from '../core/errors';
import type { SlashCommandInfo } from '../core/session/capabilities';
import type { Attachment } from './attachments';
import type { PermissionAsk, PermissionDecision } from '../core/session/permissions';
import { isShannonFix } from './fixLabels';
import type { ErrorInfo, SessionRecord, SessionState, TranscriptEntry } from '../core/session/types';
import type { PartialDelta } from '../core/transcript/stream';
import type { ContextWindow } from '../core/usage/contextWindow';

export type { Attachment, SlashCommandInfo, ContextWindow, ErrorInfo, PartialDelta, PermissionAsk, PermissionDecision, SessionRecord, SessionState, TranscriptEntry };

/**
 * A transcript entry as a panel gets it: strings past a size are cut (`trimmed`), because every
 * byte is cloned into the webview; `fullEntry` fetches the whole entry when someone asks.
 */
export type PanelEntry = TranscriptEntry & { trimmed?: boolean };

/** The panel's view type: `WebviewPanelSerializer` registration and `onWebviewPanel:` activation. */
export const SESSION_VIEW_TYPE = 'shannon.session';

export interface WebviewSettings {
  /** Stream text in as it is generated (the CLI's --include-partial-messages). */
  showPartialMessages: boolean;
}

/** A turn that edited files and can be reviewed: the panel offers it on the turn's result row. */
export interface EditedTurn {
  /** Its automatic checkpoint (what `reviewTurn` asks for). */
  checkpointId: string;
  /** The seq of the turn's result entry. */
  endSeq: number;
  /** How many files the turn changed. */
  files: number;
}

/** The session's reviewable turns, or why turns cannot be reviewed at all (checkpoints off). */
export interface TurnEditsInfo {
  turns: EditedTurn[];
  unavailable?: string;
}

// ---- host → webview ----------------------------------------------------------------------

export interface InitMessage {
  type: 'init';
  session: SessionRecord;
  /** The newest transcript entries, oldest first (stream events left out: `partials` has their sum). */
  entries: PanelEntry[];
  /** Older entries exist before `entries[0]`: fetch them with `loadOlder`. */
  hasOlder: boolean;
  /** Blocks streaming right now, as accumulated so far (the panel may open mid-stream). */
  partials: PartialDelta[];
  pendingPermissions: PermissionAsk[];
  settings: WebviewSettings;
  /** How full the context window was at the last reading (live sessions, after a turn). */
  context?: ContextWindow;
  /** A fork's parent history up to the fork point, shown dimmed above `entries` (all of them loaded). */
  inherited?: { parentTitle: string; entries: PanelEntry[] };
  /** The slash commands the session's CLI offers (empty until a process has said). */
  commands?: SlashCommandInfo[];
  /** Turns whose edits can be reviewed (per-turn "Review edits"). */
  turnEdits?: TurnEditsInfo;
}

export type HostMessage =
  | InitMessage
  /** New transcript entries, in seq order; entries the webview already has (by seq) are ignored. */
  | { type: 'append'; entries: PanelEntry[] }
  | { type: 'partial'; deltas: PartialDelta[] }
  | { type: 'sessionChanged'; session: SessionRecord }
  | { type: 'permissionAsked'; ask: PermissionAsk }
  /** Answered (here or elsewhere) or withdrawn (no decision): remove the card. */
  | { type: 'permissionSettled'; requestId: string; decision?: PermissionDecision }
  | { type: 'settingsChanged'; settings: WebviewSettings }
  /** A new context-window reading (after each turn). */
  | { type: 'contextChanged'; context: ContextWindow }
  /** The CLI's slash commands changed (a new process, `system/commands_changed`): replace the list. */
  | { type: 'commandsChanged'; commands: SlashCommandInfo[] }
  /** Context for the next message (Send Selection, Ask About This File): shown as a chip. */
  | { type: 'attach'; attachment: Attachment }
  /** A turn's edits became reviewable (its checkpoint was kept), or review was turned on or off. */
  | { type: 'turnEditsChanged'; turnEdits: TurnEditsInfo }
  /** Put the keyboard focus in the message box (the panel was revealed by a command). */
  | { type: 'focusInput' }
  /** Scroll to the entry `seq` and mark `terms` in it (a search hit was opened). */
  | { type: 'revealEntry'; seq: number; terms: string[] }
  | ReplyMessage;

// ---- webview → host ----------------------------------------------------------------------

/** Requests the webview makes and what a successful reply carries. */
export interface WebviewRequests {
  send: { params: { text: string }; result: { queued: boolean } };
  interrupt: { params: Record<never, never>; result: void };
  cancel: { params: Record<never, never>; result: void };
  /** Continue a finished session in a new process, optionally with a first message. */
  resume: { params: { text?: string }; result: void };
  permission: { params: { requestId: string; decision: PermissionDecision }; result: void };
  /** Edit / Write / MultiEdit: show the change in VS Code's diff editor. */
  openDiff: { params: { toolUseId: string }; result: void };
  /** ExitPlanMode: show the plan of a pending ask as a markdown preview. */
  openPlan: { params: { requestId: string }; result: void };
  /** Entries before `beforeSeq`, oldest first. */
  loadOlder: { params: { beforeSeq: number }; result: { entries: PanelEntry[]; hasOlder: boolean } };
  /** One entry whole (a tool's full output after the preview was cut). */
  fullEntry: { params: { seq: number }; result: { entry: PanelEntry | undefined } };
  /** Apply the fix the session's error offers (its error card's button). */
  fix: { params: { fix: ShannonFix }; result: void };
  /** `@` completion: the session folder's files best matching `query`, and the editor's selection and problems. */
  mentions: { params: { query: string }; result: { files: string[]; editor: Attachment[] } };
  /** "Review edits" on a turn: its changed files, each with a diff and a revert. */
  reviewTurn: { params: { checkpointId: string }; result: void };
}

export type RequestType = keyof WebviewRequests;
export type RequestParams<K extends RequestType> = WebviewRequests[K]['params'];
export type RequestResult<K extends RequestType> = WebviewRequests[K]['result'];

export type WebviewRequest = { [K in RequestType]: { type: K; id: number } & RequestParams<K> }[RequestType];

export type WebviewNotification =
  | { type: 'ready' }
  /** Put text on the clipboard (a code block, a tool's output). */
  | { type: 'copy'; text: string }
  /** Something went wrong inside the webview: for the host's log. */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export type WebviewMessage = WebviewRequest | WebviewNotification;

export type ReplyMessage =
  | { type: 'reply'; id: number; ok: true; result?: unknown }
  | { type: 'reply'; id: number; ok: false; error: ErrorInfo };

/** What the webview keeps across reloads with `setState` (the serializer gets it back). */
export interface WebviewPersistedState {
  sessionId: string;
  /** Unsent text in the message box. */
  draft?: string;
  /** Row keys the user expanded or collapsed against their default. */
  toggled?: string[];
  /** The row at the top of the viewport and how far it was scrolled into, or undefined at the bottom. */
  anchor?: { key: string; offset: number };
}

const REQUEST_TYPES: Readonly<Record<RequestType, true>> = {
  send: true,
  interrupt: true,
  cancel: true,
  resume: true,
  permission: true,
  openDiff: true,
  openPlan: true,
  loadOlder: true,
  fullEntry: true,
  fix: true,
  mentions: true,
  reviewTurn: true,
};

export function isWebviewRequest(message: WebviewMessage): message is WebviewRequest {
  return Object.hasOwn(REQUEST_TYPES, message.type) && typeof (message as { id?: unknown }).id === 'number';
}

/** A minimal structural check of what arrives from the webview: a type we know, the fields it needs. */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const str = (k: string) => typeof m[k] === 'string';
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'copy':
      return str('text') ? { type: 'copy', text: m.text as string } : undefined;
    case 'log':
      return str('message') && (m.level === 'info' || m.level === 'warn' || m.level === 'error')
        ? { type: 'log', level: m.level, message: m.message as string }
        : undefined;
  }
  if (typeof m.type !== 'string' || !Object.hasOwn(REQUEST_TYPES, m.type) || typeof m.id !== 'number') return undefined;
  const id = m.id;
  switch (m.type as RequestType) {
    case 'send':
      return str('text') ? { type: 'send', id, text: m.text as string } : undefined;
    case 'interrupt':
      return { type: 'interrupt', id };
    case 'cancel':
      return { type: 'cancel', id };
    case 'resume':
      return m.text === undefined || str('text') ? { type: 'resume', id, ...(str('text') ? { text: m.text as string } : {}) } : undefined;
    case 'permission': {
      const d = m.decision as Record<string, unknown> | undefined;
      if (!str('requestId') || typeof d !== 'object' || d === null) return undefined;
      if (d.behavior === 'allow') {
        const scope = d.scope === 'session' || d.scope === 'tool' ? d.scope : 'once';
        // Approving a plan continues in one of these; nothing from a panel may widen it further.
        const mode = d.mode === 'default' || d.mode === 'acceptEdits' ? d.mode : undefined;
        const answers = stringRecord(d.answers);
        return { type: 'permission', id, requestId: m.requestId as string, decision: { behavior: 'allow', scope, ...(mode ? { mode } : {}), ...(answers ? { answers } : {}) } };
      }
      if (d.behavior === 'deny') {
        const message = typeof d.message === 'string' ? d.message : undefined;
        return { type: 'permission', id, requestId: m.requestId as string, decision: { behavior: 'deny', message, interrupt: d.interrupt === true } };
      }
      return undefined;
    }
    case 'openDiff':
      return str('toolUseId') ? { type: 'openDiff', id, toolUseId: m.toolUseId as string } : undefined;
    case 'openPlan':
      return str('requestId') ? { type: 'openPlan', id, requestId: m.requestId as string } : undefined;
    case 'loadOlder':
      return typeof m.beforeSeq === 'number' ? { type: 'loadOlder', id, beforeSeq: m.beforeSeq } : undefined;
    case 'fullEntry':
      return typeof m.seq === 'number' ? { type: 'fullEntry', id, seq: m.seq } : undefined;
    case 'fix':
      return isShannonFix(m.fix) ? { type: 'fix', id, fix: m.fix } : undefined;
    case 'mentions':
      return str('query') ? { type: 'mentions', id, query: m.query as string } : undefined;
    case 'reviewTurn':
      return str('checkpointId') ? { type: 'reviewTurn', id, checkpointId: m.checkpointId as string } : undefined;
  }
}

/** A plain object of strings (AskUserQuestion answers), or undefined. */
function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  return entries.every(([, v]) => typeof v === 'string') ? (Object.fromEntries(entries) as Record<string, string>) : undefined;
}
