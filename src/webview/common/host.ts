/**
 * The session panel's side of its message protocol (src/shared/webviewProtocol.ts): typed
 * requests with replies correlated by id, notifications, and the state VS Code keeps for the
 * panel across reloads.
 */
import type { HostMessage, WebviewNotification, WebviewPersistedState, WebviewRequests } from '../../shared/webviewProtocol';
import { RequestChannel } from './channel';

export { HostError } from './channel';

export class HostChannel extends RequestChannel<WebviewRequests, Exclude<HostMessage, { type: 'reply' }>, WebviewNotification, WebviewPersistedState> {
  override getState(): WebviewPersistedState | undefined {
    const s = this.api.getState() as WebviewPersistedState | undefined;
    return s && typeof s.sessionId === 'string' ? s : undefined;
  }
}
