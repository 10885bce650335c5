/**
 * How a turn ended, for people and programs: a stop the user asked for, a success, or an error
 * the CLI reported inside the turn. The CLI reports API failures (unknown model, refused key,
 * billing, rate limit, overload…) as a synthetic assistant message with an `error` field
 * (`SDKAssistantMessageError` in sdk.d.ts) followed by a result whose subtype is still
 * `success` but with `is_error: true`; limits and failures while running end in `error_*`
 * results. Facts: test/fixtures/cli/README.md, "Errors from the API".
 */
import type { ShannonErrorCode, ShannonFix } from '../errors.js';
import type { SDKResultMessage } from '../protocol/messages.js';
import { isStopped } from '../transcript/blocks.js';
import type { ErrorInfo } from './types.js';

/** `SDKAssistantMessageError` in sdk.d.ts. */
export type AssistantErrorKind =
  | 'authentication_failed'
  | 'oauth_org_not_allowed'
  | 'billing_error'
  | 'rate_limit'
  | 'overloaded'
  | 'invalid_request'
  | 'model_not_found'
  | 'server_error'
  | 'unknown'
  | 'max_output_tokens';

export type TurnEnding = 'completed' | 'stopped' | 'error';

/** A stop the user asked for is neither a success nor an error (`isStopped`: `terminal_reason: aborted_*`). */
export function turnEnding(result: object): TurnEnding {
  const raw = result as Record<string, unknown>;
  if (isStopped(raw)) return 'stopped';
  return raw.is_error === true ? 'error' : 'completed';
}

/** The `error` of an assistant message, when it carries one the SDK names. */
export function assistantError(message: { error?: unknown }): AssistantErrorKind | undefined {
  return typeof message.error === 'string' ? (message.error as AssistantErrorKind) : undefined;
}

interface Wording {
  code: ShannonErrorCode;
  message: (model: string) => string;
  hint: string;
  fix?: ShannonFix;
  /** Add what the CLI said (its own advice, e.g. "Run --model", cannot be followed in Shannon). */
  quote?: boolean;
}

const MODEL_HINT = 'Choose another model for this session; the next message uses it.';
const LOGIN_HINT = 'Log in with "claude auth login" in a terminal, or set ANTHROPIC_API_KEY for Claude Code, then send the message again.';

const WORDINGS: Readonly<Record<AssistantErrorKind, Wording>> = {
  model_not_found: {
    code: 'MODEL_NOT_FOUND',
    message: (model) => `The model ${model ? `"${model}" ` : ''}does not exist, or this account may not use it.`,
    hint: MODEL_HINT,
    fix: 'choose-model',
  },
  authentication_failed: { code: 'AUTH_FAILED', message: () => 'Claude Code could not sign in to the Anthropic API: its key or login was refused.', hint: LOGIN_HINT, fix: 'log-in' },
  oauth_org_not_allowed: { code: 'AUTH_FAILED', message: () => 'The organisation of this Claude login may not use Claude Code.', hint: LOGIN_HINT, fix: 'log-in' },
  billing_error: {
    code: 'BILLING_ERROR',
    message: () => 'The Anthropic account Claude Code uses cannot be billed (no credit, or a billing problem).',
    hint: 'Check the plan or credit balance of the account, or log in with another one.',
    fix: 'log-in',
    quote: true,
  },
  rate_limit: { code: 'RATE_LIMITED', message: () => 'The account has reached its rate limit.', hint: 'Wait a little, then send the message again.' },
  overloaded: { code: 'API_OVERLOADED', message: () => "Anthropic's API is overloaded.", hint: 'Send the message again in a moment.' },
  invalid_request: { code: 'API_ERROR', message: () => 'The Anthropic API refused the request.', hint: 'The session log has the details.', fix: 'show-log', quote: true },
  server_error: { code: 'API_ERROR', message: () => "Anthropic's API failed to answer.", hint: 'Send the message again in a moment.', quote: true },
  unknown: { code: 'API_ERROR', message: () => 'The Anthropic API reported an error.', hint: 'The session log has the details.', fix: 'show-log', quote: true },
  max_output_tokens: {
    code: 'OUTPUT_LIMIT',
    message: () => 'The reply was cut off at the output token limit.',
    hint: 'Ask Claude to continue, or for a shorter answer.',
  },
};

/**
 * The error a finished turn leaves on its session, or undefined for a turn that succeeded or that
 * the user stopped. `assistant`: the `error` of the turn's last assistant message, if any; `model`:
 * the session's model, for the message.
 */
export function turnError(result: SDKResultMessage, assistant: AssistantErrorKind | undefined, model: string | undefined): ErrorInfo | undefined {
  if (turnEnding(result) !== 'error') return undefined;
  const said = cliText(result);
  const wording = assistant ? WORDINGS[assistant] ?? WORDINGS.unknown : undefined;
  if (wording) {
    const base = wording.message((model ?? '').replace(/\[1m\]$/, ''));
    return { code: wording.code, message: said && wording.quote ? `${base} Claude Code said: ${said}` : base, hint: wording.hint, ...(wording.fix ? { fix: wording.fix } : {}) };
  }
  switch (result.subtype) {
    case 'error_max_turns':
      return { code: 'TURN_FAILED', message: 'The turn stopped at the session’s limit of agent steps (max turns).', hint: 'Send another message to let it carry on.' };
    case 'error_max_budget_usd':
      return { code: 'TURN_FAILED', message: 'The turn stopped at the session’s spending limit.', hint: 'Raise the budget, or start a new session.' };
    default:
      return { code: 'TURN_FAILED', message: said ? `The turn failed: ${said}` : `The turn failed (${result.subtype}).`, hint: 'The session log has the details; send the message again to retry.', fix: 'show-log' };
  }
}

/** What the CLI said about the failure: its `errors`, else its final text (one line, clipped). */
function cliText(result: SDKResultMessage): string {
  const errors = 'errors' in result && Array.isArray(result.errors) ? result.errors.map(String).filter((e) => e && !e.startsWith('[ede_diagnostic]')) : [];
  const text = errors.length ? errors.join('; ') : 'result' in result && typeof result.result === 'string' ? result.result : '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
