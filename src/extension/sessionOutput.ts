/**
 * A LogOutputChannel per session, made when someone asks for it ("Show Output"): the stored
 * transcript first, then live messages as they come. Channels are not made for every session
 * up front: the Output view's list would fill with sessions nobody looks at.
 *
 * stderr and decode errors are not part of the transcript, so the last of them are kept per
 * session (a small ring) and written when the channel opens, at warning level.
 */
import * as vscode from 'vscode';
import type { DecodeErrorEvent } from '../core/session/session.js';
import { permissionAnswerLine, permissionAskLine, TranscriptRenderer, type RenderedLine } from '../core/transcript/render.js';
import { safeText } from '../core/transcript/safeText.js';
import type { ShannonCore } from './core.js';
import { oneLine } from './model/format.js';
import { safeChannel } from './model/safeChannel.js';

const EARLY_WARNINGS_KEPT = 50;

interface ChannelState {
  channel: vscode.LogOutputChannel;
  /** Highest transcript seq written; live messages at or below it were in the backfill. */
  lastSeq: number;
  /** Live entries that arrived while the stored transcript was being read. */
  buffered: Array<{ seq: number | undefined; entry: Rendered }> | undefined;
  /** One per channel: it follows the session's running cost total and repeated inits. */
  renderer: TranscriptRenderer;
}

export class SessionOutputChannels implements vscode.Disposable {
  private readonly channels = new Map<string, ChannelState>();
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
        if (state.buffered) state.buffered.push({ seq: e.entry.seq, entry: e.entry });
        else this.write(state, e.entry.seq, e.entry);
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
  async show(sessionId: string, preserveFocus = true): Promise<vscode.LogOutputChannel> {
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
    const channel = safeChannel(vscode.window.createOutputChannel(name, { log: true }));
    const state: ChannelState = { channel, lastSeq: -1, buffered: [], renderer: new TranscriptRenderer() };
    this.channels.set(sessionId, state);
    if (record) channel.info(`Session "${record.title}" in ${record.cwd} — ${record.state}`);
    try {
      const entries = (await core?.store.readTranscript(sessionId)) ?? [];
      for (const entry of entries) this.write(state, entry.seq, entry);
    } catch (err) {
      channel.warn(`Could not read the stored transcript: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const w of this.earlyWarnings.get(sessionId) ?? []) channel.warn(w);
    this.earlyWarnings.delete(sessionId);
    const buffered = state.buffered ?? [];
    state.buffered = undefined;
    for (const b of buffered) this.write(state, b.seq, b.entry);
    return state;
  }

  private write(state: ChannelState, seq: number | undefined, entry: Rendered): void {
    if (seq !== undefined) {
      if (seq <= state.lastSeq) return;
      state.lastSeq = seq;
    }
    for (const l of state.renderer.render(entry)) state.channel[l.level](l.text);
  }

  /** A line about the session that is not a transcript entry (permission asks and answers). */
  private line(sessionId: string, line: RenderedLine): void {
    const state = this.channels.get(sessionId);
    if (state && !state.buffered) state.channel[line.level](line.text);
  }

  private warn(sessionId: string, text: string): void {
    const state = this.channels.get(sessionId);
    if (state && !state.buffered) {
      state.channel.warn(text);
      return;
    }
    const kept = this.earlyWarnings.get(sessionId) ?? [];
    kept.push(text);
    if (kept.length > EARLY_WARNINGS_KEPT) kept.shift();
    this.earlyWarnings.set(sessionId, kept);
  }
}

type Rendered = Parameters<TranscriptRenderer['render']>[0];

function decodeErrorText(e: DecodeErrorEvent): string {
  const err = e.error;
  return `Unreadable output from claude on line ${err.line} (${err.reason}): ${err.message}${err.excerpt ? ` — ${oneLine(err.excerpt, 120)}` : ''}`;
}
