/**
 * The webview's side of the message protocol: typed requests with replies correlated by id,
 * notifications, and the state VS Code keeps for the panel across reloads.
 */
import type {
  HostMessage,
  RequestParams,
  RequestResult,
  RequestType,
  WebviewNotification,
  WebviewPersistedState,
  WebviewRequest,
  ErrorInfo,
} from '../../shared/webviewProtocol';

interface VsCodeApi {
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

export class HostChannel {
  private readonly api: VsCodeApi;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly handlers = new Set<(m: HostMessage) => void>();

  constructor(target: Window = window) {
    this.api = acquireVsCodeApi();
    target.addEventListener('message', (event: MessageEvent) => {
      const message = event.data as HostMessage | undefined;
      if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
      if (message.type === 'reply') {
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        if (message.ok) p.resolve(message.result);
        else p.reject(new HostError(message.error));
        return;
      }
      for (const handler of this.handlers) handler(message);
    });
  }

  onMessage(handler: (m: HostMessage) => void): void {
    this.handlers.add(handler);
  }

  request<K extends RequestType>(type: K, params: RequestParams<K>): Promise<RequestResult<K>> {
    const id = this.nextId++;
    return new Promise<RequestResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.api.postMessage({ ...params, type, id } as WebviewRequest);
    });
  }

  notify(message: WebviewNotification): void {
    this.api.postMessage(message);
  }

  getState(): WebviewPersistedState | undefined {
    const s = this.api.getState() as WebviewPersistedState | undefined;
    return s && typeof s.sessionId === 'string' ? s : undefined;
  }

  setState(state: WebviewPersistedState): void {
    this.api.setState(state);
  }
}
