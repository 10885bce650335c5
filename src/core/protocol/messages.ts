/**
 * The CLI's stdout vocabulary, typed from the Agent SDK's own declarations (type-only: no
 * runtime dependency). `classifyMessage` narrows a decoded JSON object to one of these with a
 * cheap structural check, so a message the SDK doesn't describe (a newer CLI) passes through as
 * `unknown` rather than being mistaken for something else.
 */
import type {
  SDKAssistantMessage,
  SDKCompactBoundaryMessage,
  SDKControlRequest,
  SDKControlResponse,
  SDKPartialAssistantMessage,
  SDKResultMessage,
  SDKSystemMessage,
  SDKUserMessage,
} from '@anthropic-ai/claude-agent-sdk';

import { isObject, type Json } from '../transcript/values.js';

// Re-exported so the rest of Shannon names the SDK's types through this one module.
export type * from '@anthropic-ai/claude-agent-sdk';

export interface SDKControlCancelRequest {
  type: 'control_cancel_request';
  request_id: string;
}

/** Any `system` message other than `init` and `compact_boundary` (api_retry, status, hooks, …). */
export interface SystemNotice {
  type: 'system';
  subtype: string;
  [key: string]: unknown;
}

export type JsonObject = Json;

export type InboundMessage =
  | { kind: 'init'; message: SDKSystemMessage }
  | { kind: 'assistant'; message: SDKAssistantMessage }
  | { kind: 'user'; message: SDKUserMessage }
  | { kind: 'result'; message: SDKResultMessage }
  | { kind: 'stream_event'; message: SDKPartialAssistantMessage }
  | { kind: 'compact_boundary'; message: SDKCompactBoundaryMessage }
  | { kind: 'system'; message: SystemNotice }
  | { kind: 'control_request'; message: SDKControlRequest }
  | { kind: 'control_response'; message: SDKControlResponse }
  | { kind: 'control_cancel_request'; message: SDKControlCancelRequest }
  | { kind: 'unknown'; message: JsonObject };

export type InboundKind = InboundMessage['kind'];

const isString = (v: unknown): v is string => typeof v === 'string';

export function classifyMessage(raw: JsonObject): InboundMessage {
  switch (raw.type) {
    case 'system':
      if (raw.subtype === 'init' && isString(raw.session_id)) return { kind: 'init', message: raw as unknown as SDKSystemMessage };
      if (raw.subtype === 'compact_boundary') return { kind: 'compact_boundary', message: raw as unknown as SDKCompactBoundaryMessage };
      if (isString(raw.subtype)) return { kind: 'system', message: raw as SystemNotice };
      break;
    case 'assistant':
      if (isObject(raw.message)) return { kind: 'assistant', message: raw as unknown as SDKAssistantMessage };
      break;
    case 'user':
      if (isObject(raw.message)) return { kind: 'user', message: raw as unknown as SDKUserMessage };
      break;
    case 'result':
      if (isString(raw.subtype)) return { kind: 'result', message: raw as unknown as SDKResultMessage };
      break;
    case 'stream_event':
      if (isObject(raw.event)) return { kind: 'stream_event', message: raw as unknown as SDKPartialAssistantMessage };
      break;
    case 'control_request':
      if (isString(raw.request_id) && isObject(raw.request)) return { kind: 'control_request', message: raw as unknown as SDKControlRequest };
      break;
    case 'control_response':
      if (isObject(raw.response)) return { kind: 'control_response', message: raw as unknown as SDKControlResponse };
      break;
    case 'control_cancel_request':
      if (isString(raw.request_id)) return { kind: 'control_cancel_request', message: raw as unknown as SDKControlCancelRequest };
      break;
  }
  return { kind: 'unknown', message: raw };
}

/** A user turn as the CLI reads it on stdin with `--input-format stream-json`. */
export function userTurn(content: string | UserContentBlock[], uuid?: string): JsonObject {
  // The CLI keeps a uuid given here as the message's uuid in its transcript.
  return { type: 'user', message: { role: 'user', content }, parent_tool_use_id: null, session_id: '', ...(uuid ? { uuid } : {}) };
}

export type UserContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } };
