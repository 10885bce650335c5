/**
 * The control protocol over stdin/stdout (sdk.d.ts: SDKControlRequest / SDKControlResponse).
 * Outgoing requests (initialize, interrupt, set_permission_mode, set_model) are correlated by
 * request id and time out; incoming requests (can_use_tool) are answered through a handler and
 * can be withdrawn by the CLI with control_cancel_request.
 */
import { randomUUID } from 'node:crypto';
import { ShannonError } from '../errors.js';
import type { Disposable } from '../lifecycle.js';
import type { JsonObject, SDKControlRequest, SDKControlResponse } from './messages.js';

export type ControlRequestBody = { subtype: string } & JsonObject;

/** Answers an incoming control request; the signal fires when the CLI withdraws it. */
export type IncomingRequestHandler = (request: ControlRequestBody, requestId: string, signal: AbortSignal) => Promise<JsonObject | undefined>;

interface Pending {
  subtype: string;
  resolve(response: JsonObject | undefined): void;
  reject(error: ShannonError): void;
  timer: NodeJS.Timeout | undefined;
}

export class ControlChannel implements Disposable {
  private readonly pending = new Map<string, Pending>();
  private readonly incoming = new Map<string, AbortController>();
  private counter = 0;
  private closedWith: ShannonError | undefined;

  constructor(
    private readonly send: (message: JsonObject) => Promise<void>,
    private readonly handleIncoming: IncomingRequestHandler,
    private readonly defaultTimeoutMs = 30_000,
  ) {}

  /** Sends a control request and resolves with the CLI's `response` payload. */
  request(body: ControlRequestBody, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<JsonObject | undefined> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const requestId = `req_${++this.counter}_${randomUUID().slice(0, 8)}`;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<JsonObject | undefined>((resolve, reject) => {
      const entry: Pending = { subtype: body.subtype, resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(requestId);
          reject(new ShannonError('CONTROL_TIMEOUT', `Claude Code did not answer "${body.subtype}" within ${Math.round(timeoutMs / 1000)} s.`, 'The process may be stuck: cancel the session and resume it.'));
        }, timeoutMs);
      }
      options.signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.delete(requestId)) return;
          clearTimeout(entry.timer);
          reject(new ShannonError('CANCELLED', `"${body.subtype}" was cancelled.`));
        },
        { once: true },
      );
      this.pending.set(requestId, entry);
      this.send({ type: 'control_request', request_id: requestId, request: body }).catch((err: unknown) => {
        if (!this.pending.delete(requestId)) return;
        clearTimeout(entry.timer);
        reject(err instanceof ShannonError ? err : new ShannonError('STDIN_CLOSED', String(err)));
      });
    });
  }

  /** Routes a `control_response`; returns false if it answers nothing we asked. */
  handleResponse(message: SDKControlResponse): boolean {
    const response = message.response;
    const entry = this.pending.get(response.request_id);
    if (!entry) return false;
    this.pending.delete(response.request_id);
    clearTimeout(entry.timer);
    if (response.subtype === 'success') entry.resolve(response.response);
    else entry.reject(new ShannonError('CONTROL_ERROR', `Claude Code refused "${entry.subtype}": ${response.error}`));
    return true;
  }

  /** Answers a `control_request` from the CLI (can_use_tool, …). Never throws. */
  async handleRequest(message: SDKControlRequest): Promise<void> {
    const requestId = message.request_id;
    const body = message.request as unknown as ControlRequestBody;
    const abort = new AbortController();
    this.incoming.set(requestId, abort);
    let reply: JsonObject;
    try {
      const response = await this.handleIncoming(body, requestId, abort.signal);
      reply = { subtype: 'success', request_id: requestId, ...(response ? { response } : {}) };
    } catch (err) {
      reply = { subtype: 'error', request_id: requestId, error: err instanceof Error ? err.message : String(err) };
    } finally {
      this.incoming.delete(requestId);
    }
    // A withdrawn request is not answered: the CLI has moved on.
    if (abort.signal.aborted || this.closedWith) return;
    await this.send({ type: 'control_response', response: reply }).catch(() => undefined);
  }

  /** The CLI withdrew a request it sent (control_cancel_request). */
  handleCancel(requestId: string): void {
    this.incoming.get(requestId)?.abort(new ShannonError('CANCELLED', 'Claude Code withdrew the request.'));
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Fails every pending request and withdraws every incoming one (the process ended). */
  close(reason: ShannonError): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const [, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(reason);
    }
    this.pending.clear();
    for (const [, abort] of this.incoming) abort.abort(reason);
    this.incoming.clear();
  }

  dispose(): void {
    this.close(new ShannonError('SESSION_ENDED', 'The session ended.'));
  }
}
