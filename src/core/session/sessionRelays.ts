/**
 * Every Session's events, relayed: the manager's listeners subscribe once and hear all sessions,
 * now and later.
 */
import { DisposableStore, EventMultiplexer, type Disposable } from '../lifecycle.js';
import type { PermissionAsk } from './permissions.js';
import type { Session } from './session.js';
import type { DecodeErrorEvent, PermissionSettledEvent, SessionMessageEvent, StderrEvent, TurnEndEvent } from './sessionEvents.js';
import type { SessionRecord } from './types.js';

export class SessionRelays implements Disposable {
  readonly changes = new EventMultiplexer<SessionRecord>();
  readonly messages = new EventMultiplexer<SessionMessageEvent>();
  readonly decodeErrors = new EventMultiplexer<DecodeErrorEvent>();
  readonly stderr = new EventMultiplexer<StderrEvent>();
  readonly asks = new EventMultiplexer<PermissionAsk>();
  readonly settles = new EventMultiplexer<PermissionSettledEvent>();
  readonly turnEnds = new EventMultiplexer<TurnEndEvent>();

  /** Relays one session's events until the returned disposable is disposed. */
  relay(session: Session): Disposable {
    const subs = new DisposableStore();
    subs.add(this.changes.add(session.onDidChange));
    subs.add(this.messages.add(session.onDidMessage));
    subs.add(this.decodeErrors.add(session.onDidDecodeError));
    subs.add(this.stderr.add(session.onDidWriteStderr));
    subs.add(this.asks.add(session.onDidRequestPermission));
    subs.add(this.settles.add(session.onDidSettlePermission));
    subs.add(this.turnEnds.add(session.onDidEndTurn));
    return subs;
  }

  dispose(): void {
    for (const relay of [this.changes, this.messages, this.decodeErrors, this.stderr, this.asks, this.settles, this.turnEnds]) relay.dispose();
  }
}
