/**
 * Permission asks (`can_use_tool`) as Shannon presents them to people and programs, and the
 * answers they can give. The CLI's own shapes live in sdk.d.ts (PermissionResult).
 */
import { parseToolRule, type ToolRule } from '../cli/toolRules.js';
import type { JsonObject, PermissionResult, PermissionUpdate } from '../protocol/messages.js';
import type { PermissionMode } from './types.js';

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

/**
 * How long an allow holds:
 * - `once`: this call only;
 * - `session`: calls the CLI's own suggested rule covers, for the rest of the session (e.g.
 *   `Bash(npm test *)`); the whole tool when the CLI suggests no rule (Write, Edit…);
 * - `tool`: every later call of the tool, for the rest of the session.
 */
export type AllowScope = 'once' | 'session' | 'tool';

export type PermissionDecision =
  | {
      behavior: 'allow';
      /** The input the tool runs with instead of the one asked about (a reviewed edit, answers…). */
      updatedInput?: JsonObject;
      scope?: AllowScope;
      /** Switch the session to this permission mode as the tool runs (an approved plan). */
      mode?: PermissionMode;
      /** AskUserQuestion: the user's answers, keyed by question text (several choices joined by ", "). */
      answers?: Record<string, string>;
    }
  | { behavior: 'deny'; message?: string; interrupt?: boolean };

/**
 * The rules `scope: 'session'` adds: the CLI's suggested allow rules for this ask, or the whole
 * tool when it suggests none. The CLI suggests them for its settings files; Shannon keeps them
 * to the session.
 */
export function sessionRulesOf(ask: Pick<PermissionAsk, 'toolName' | 'suggestions'>): ToolRule[] {
  const suggested = (ask.suggestions ?? [])
    .filter((s): s is Extract<PermissionUpdate, { type: 'addRules' }> => s.type === 'addRules' && s.behavior === 'allow')
    .flatMap((s) => s.rules)
    .filter((r) => r.toolName === ask.toolName)
    .map((r) => (r.ruleContent ? { tool: r.toolName, content: r.ruleContent } : { tool: r.toolName }));
  return suggested.length ? suggested : [{ tool: ask.toolName }];
}

/** The rules an answer allows beyond this one call (empty for `once` and denials). */
export function rulesAllowed(ask: PermissionAsk, decision: PermissionDecision): ToolRule[] {
  if (decision.behavior !== 'allow') return [];
  if (decision.scope === 'tool') return [{ tool: ask.toolName }];
  if (decision.scope === 'session') return sessionRulesOf(ask);
  return [];
}

/** A rule as `--allowedTools` and settings files write it: `Bash(npm test *)`, `Write`. */
export function formatToolRule(rule: ToolRule): string {
  if (rule.content === undefined) return rule.tool;
  const content = rule.content.replaceAll('\\', '\\\\').replaceAll('(', '\\(').replaceAll(')', '\\)');
  const formatted = `${rule.tool}(${content})`;
  // Only rules that read back as themselves: anything else would allow something else.
  const back = parseToolRule(formatted);
  return back.content === rule.content ? formatted : rule.tool;
}

/** The `can_use_tool` reply the CLI expects for a decision. */
export function toPermissionResult(ask: PermissionAsk, decision: PermissionDecision): PermissionResult {
  if (decision.behavior === 'allow') {
    const updates: PermissionUpdate[] = [];
    const rules = rulesAllowed(ask, decision);
    if (rules.length) {
      updates.push({ type: 'addRules', rules: rules.map((r) => ({ toolName: r.tool, ...(r.content !== undefined ? { ruleContent: r.content } : {}) })), behavior: 'allow', destination: 'session' });
    }
    if (decision.mode) updates.push({ type: 'setMode', mode: decision.mode, destination: 'session' });
    return {
      behavior: 'allow',
      // Required by the CLI (its schema rejects an allow without it), even when unchanged.
      updatedInput: decision.answers ? { ...(decision.updatedInput ?? ask.input), answers: decision.answers } : (decision.updatedInput ?? ask.input),
      toolUseID: ask.toolUseId,
      ...(updates.length ? { updatedPermissions: updates } : {}),
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
