/**
 * An output channel per session, made when someone asks for it ("Show Output"): the stored
 * transcript first, then live messages as they come. Channels are not made for every session
 * up front: the Output view's list would fill with sessions nobody looks at. A plain channel in
 * the log language, stamped by SessionLog with each entry's own time (a LogOutputChannel would
 * stamp the whole history with the moment the channel opened).
 *
 * stderr and decode errors are not part of the transcript, so the last of them are kept per
 * session (a small ring) and written when the channel opens, at warning level.
 */
import * as vscode from 'vscode';
import type { DecodeErrorEvent } from '../core/session/session.js';
import { permissionAnswerLine, permissionAskLine, type RenderedLine } from '../core/transcript/render.js';
import type { TranscriptEntry } from '../core/session/types.js';
import { safeText } from '../core/transcript/safeText.js';
import type { ShannonCore } from './core.js';
import { oneLine } from './model/format.js';
import { safeChannel } from './model/safeChannel.js';
import { logLine, SessionLog } from './model/sessionLog.js';

const EARLY_WARNINGS_KEPT = 50;

interface ChannelState {
  channel: vscode.OutputChannel;
  /** Live entries that arrived while the stored transcript was being read. */
  buffered: TranscriptEntry[] | undefined;
  /** Live entries at or below the last seq written were in the backfill; SessionLog skips them. */
  log: SessionLog;
}

export class SessionOutputChannels implements vscode.Disposable {
  private readonly channels = new Map<string, ChannelState>();
  /** Stamped when they happened, written when the channel opens. */
  private readonly earlyWarnings = new Map<string, string[]>();
  private readonly disposables: vscode.Disposable[] = [];
  private core: ShannonCore | undefined;

  attach(core: ShannonCore): void {
    this.core = core;
    const { manager } = core;
    this.disposables.push(
      manager.onDidMessage((e) => {
        const state = this.channels.get(e.sessionId);
        if (!state || !e.entry) return;
        if (state.buffered) state.buffered.push(e.entry);
        else this.write(state, state.log.entry(e.entry));
      }),
      // A new `claude` process (a resume, a wake from suspension): its first init gets its line.
      manager.onDidChangeSession((r) => {
        if (r.state === 'starting') this.channels.get(r.id)?.log.processStarted();
      }),
      manager.onDidRequestPermission((ask) => this.line(ask.sessionId, permissionAskLine(ask.toolName, ask.input))),
      manager.onDidSettlePermission((e) => this.line(e.sessionId, permissionAnswerLine(e.decision))),
      manager.onDidDecodeError((e) => this.warn(e.sessionId, decodeErrorText(e))),
      manager.onDidWriteStderr((e) => {
        for (const line of e.text.split(/\r?\n/)) if (line.trim()) this.warn(e.sessionId, `stderr: ${line}`);
      }),
    );
  }

  /** Opens (making it if needed) the session's channel in the Output view. */
  async show(sessionId: string, preserveFocus = true): Promise<vscode.OutputChannel> {
    const state = this.channels.get(sessionId) ?? (await this.open(sessionId));
    state.channel.show(preserveFocus);
    return state.channel;
  }

  openSessionIds(): string[] {
    return [...this.channels.keys()];
  }

  has(sessionId: string): boolean {
    return this.channels.has(sessionId);
  }

  /** A deleted session's channel goes with it. */
  close(sessionId: string): void {
    this.channels.get(sessionId)?.channel.dispose();
    this.channels.delete(sessionId);
    this.earlyWarnings.delete(sessionId);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const s of this.channels.values()) s.channel.dispose();
    this.channels.clear();
  }

  private async open(sessionId: string): Promise<ChannelState> {
    const core = this.core;
    const record = core?.manager.get(sessionId);
    const name = safeText(`Shannon: ${oneLine(record?.title ?? 'Session', 40)} (${sessionId.slice(0, 8)})`);
    // CLI output, stderr and decode-error excerpts are written here: every line is made safe.
    const channel = safeChannel(vscode.window.createOutputChannel(name, 'log'));
    const state: ChannelState = { channel, buffered: [], log: new SessionLog() };
    this.channels.set(sessionId, state);
    if (record) channel.appendLine(logLine(Date.now(), 'info', `Session "${record.title}" in ${record.cwd} — ${record.state}`));
    try {
      const entries = (await core?.store.readTranscript(sessionId)) ?? [];
      this.write(state, state.log.history(entries));
    } catch (err) {
      channel.appendLine(logLine(Date.now(), 'warn', `Could not read the stored transcript: ${err instanceof Error ? err.message : String(err)}`));
    }
    this.write(state, this.earlyWarnings.get(sessionId) ?? []);
    this.earlyWarnings.delete(sessionId);
    const buffered = state.buffered ?? [];
    state.buffered = undefined;
    for (const entry of buffered) this.write(state, state.log.entry(entry));
    return state;
  }

  private write(state: ChannelState, lines: readonly string[]): void {
    for (const line of lines) state.channel.appendLine(line);
  }

  /** A line about the session that is not a transcript entry (permission asks and answers). */
  private line(sessionId: string, line: RenderedLine): void {
    const state = this.channels.get(sessionId);
    if (state && !state.buffered) state.channel.appendLine(logLine(Date.now(), line.level, line.text));
  }

  private warn(sessionId: string, text: string): void {
    const stamped = logLine(Date.now(), 'warn', text);
    const state = this.channels.get(sessionId);
    if (state && !state.buffered) {
      state.channel.appendLine(stamped);
      return;
    }
    const kept = this.earlyWarnings.get(sessionId) ?? [];
    kept.push(stamped);
    if (kept.length > EARLY_WARNINGS_KEPT) kept.shift();
    this.earlyWarnings.set(sessionId, kept);
  }
}

function decodeErrorText(e: DecodeErrorEvent): string {
  const err = e.error;
  return `Unreadable output from claude on line ${err.line} (${err.reason}): ${err.message}${err.excerpt ? ` — ${oneLine(err.excerpt, 120)}` : ''}`;
}
