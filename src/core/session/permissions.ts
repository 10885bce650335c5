/**
 * Permission asks (`can_use_tool`) as Shannon presents them to people and programs, and the
 * answers they can give. The CLI's own shapes live in sdk.d.ts (PermissionResult).
 */
import type { JsonObject, PermissionResult, PermissionUpdate } from '../protocol/messages.js';

export interface PermissionAsk {
  sessionId: string;
  requestId: string;
  toolName: string;
  toolUseId: string;
  input: JsonObject;
  title?: string;
  description?: string;
  decisionReason?: string;
  blockedPath?: string;
  suggestions?: PermissionUpdate[];
  askedAt: number;
}

export type PermissionDecision =
  | { behavior: 'allow'; updatedInput?: JsonObject; scope?: 'once' | 'session' }
  | { behavior: 'deny'; message?: string; interrupt?: boolean };

/** The `can_use_tool` reply the CLI expects for a decision. */
export function toPermissionResult(ask: PermissionAsk, decision: PermissionDecision): PermissionResult {
  if (decision.behavior === 'allow') {
    return {
      behavior: 'allow',
      updatedInput: decision.updatedInput ?? ask.input,
      toolUseID: ask.toolUseId,
      ...(decision.scope === 'session'
        ? { updatedPermissions: [{ type: 'addRules', rules: [{ toolName: ask.toolName }], behavior: 'allow', destination: 'session' }] }
        : {}),
    };
  }
  return {
    behavior: 'deny',
    message: decision.message?.trim() || 'The user denied this tool use.',
    toolUseID: ask.toolUseId,
    ...(decision.interrupt ? { interrupt: true } : {}),
  };
}

export function parsePermissionAsk(sessionId: string, requestId: string, request: JsonObject, now: number): PermissionAsk {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    sessionId,
    requestId,
    toolName: str(request.tool_name) ?? 'unknown tool',
    toolUseId: str(request.tool_use_id) ?? '',
    input: (typeof request.input === 'object' && request.input !== null ? request.input : {}) as JsonObject,
    title: str(request.title),
    description: str(request.description),
    decisionReason: str(request.decision_reason),
    blockedPath: str(request.blocked_path),
    suggestions: Array.isArray(request.permission_suggestions) ? (request.permission_suggestions as PermissionUpdate[]) : undefined,
    askedAt: now,
  };
}
