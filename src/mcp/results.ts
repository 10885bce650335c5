/**
 * Tool results and the plumbing every handler shares: errors become `isError` results whose text
 * says what happened and what to do (never an exception out of the server), and progress goes out
 * only to callers that asked for it.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { isShannonError } from '../core/errors.js';
import { safeStrings, safeText } from '../core/transcript/safeText.js';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * A tool's answer. Its text and every string of its structured content pass through safeText:
 * titles, replies, tool output and error messages come from the CLI and reach a model or a person
 * here. `verbatim` names the one structured field kept exactly as stored (raw transcript entries).
 */
export function ok<T extends Record<string, unknown>>(text: string, structured: T, verbatim?: keyof T & string): CallToolResult & { structuredContent: T } {
  const safe = safeStrings(structured);
  if (verbatim !== undefined) safe[verbatim] = structured[verbatim];
  return { content: [{ type: 'text', text: safeText(text) }], structuredContent: safe };
}

/** A failure as a tool result: `[CODE] message hint`. Unexpected errors are logged, then reported the same way. */
export function errorResult(err: unknown, log?: (message: string) => void): CallToolResult {
  if (isShannonError(err)) {
    return { content: [{ type: 'text', text: safeText(`[${err.code}] ${err.toUserString()}`) }], isError: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  log?.(`tool failed unexpectedly: ${err instanceof Error ? (err.stack ?? message) : message}`);
  return { content: [{ type: 'text', text: safeText(`[INTERNAL] ${message}`) }], isError: true };
}

/** Runs a handler; whatever it throws comes back as an `isError` result. */
export async function guarded(run: () => Promise<CallToolResult>, log?: (message: string) => void): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    return errorResult(err, log);
  }
}

export interface ProgressReporter {
  report(message: string): void;
  dispose(): void;
}

/**
 * `notifications/progress` for the caller's progress token, at most one per `intervalMs` (the
 * latest message wins), or nothing when the caller sent no token.
 */
export function progressReporter(extra: Extra, intervalMs = 250): ProgressReporter | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let progress = 0;
  let lastSent = 0;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;
  const send = (message: string) => {
    lastSent = Date.now();
    extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: ++progress, message: safeText(message) } }).catch(() => undefined);
  };
  return {
    report(message) {
      if (disposed) return;
      const wait = lastSent + intervalMs - Date.now();
      if (wait <= 0 && !timer) {
        send(message);
        return;
      }
      pending = message;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending !== undefined && !disposed) send(pending);
        pending = undefined;
      }, Math.max(wait, 0));
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
