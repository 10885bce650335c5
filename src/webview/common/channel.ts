/**
 * A webview's side of a host protocol, whatever the protocol: typed requests answered by one
 * `reply` of the same id, notifications both ways, and the state VS Code keeps across reloads.
 * Each panel binds it to its own protocol types (host.ts for the session panel, the dashboard's
 * in src/webview/usage).
 */
import type { ErrorInfo } from '../../core/session/types';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** A failed request, carrying the host's error (code, message for people, hint). */
export class HostError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = 'HostError';
  }
}

type Reply = { type: 'reply'; id: number; ok: true; result?: unknown } | { type: 'reply'; id: number; ok: false; error: ErrorInfo };

export class RequestChannel<Requests extends { [K in keyof Requests]: { params: object; result: unknown } }, HostMessage extends { type: string }, Notification, State> {
  protected readonly api: VsCodeApi;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly handlers = new Set<(m: HostMessage) => void>();

  constructor(target: Window = window) {
    this.api = acquireVsCodeApi();
    target.addEventListener('message', (event: MessageEvent) => {
      const message = event.data as HostMessage | Reply | undefined;
      if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
      if (message.type === 'reply') {
        const reply = message as Reply;
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.ok) p.resolve(reply.result);
        else p.reject(new HostError(reply.error));
        return;
      }
      for (const handler of this.handlers) handler(message as HostMessage);
    });
  }

  onMessage(handler: (m: HostMessage) => void): void {
    this.handlers.add(handler);
  }

  request<K extends keyof Requests & string>(type: K, params: Requests[K]['params']): Promise<Requests[K]['result']> {
    const id = this.nextId++;
    return new Promise<Requests[K]['result']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.api.postMessage({ ...params, type, id });
    });
  }

  notify(message: Notification): void {
    this.api.postMessage(message);
  }

  getState(): State | undefined {
    return (this.api.getState() as State | undefined) ?? undefined;
  }

  setState(state: State): void {
    this.api.setState(state);
  }
}
