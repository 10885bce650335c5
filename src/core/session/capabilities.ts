/**
 * What a live session's CLI offers: its slash commands (built-in, custom `.claude/commands`,
 * skills, plugins) and the subagents it knows. Three sources, as sdk.d.ts describes them:
 * - the `initialize` control response: `commands` (name, description, argumentHint, aliases)
 *   and `agents` (name, description, model) — the richest, once per process;
 * - `system/init`: `slash_commands` (names only; a few, such as `clear`, are only here);
 * - `system/commands_changed`: the whole list again, which REPLACES what was known (skills
 *   found mid-session).
 * Kept in memory per session (a new process says it all again); `onDidChange` names the session.
 */
import { Emitter, type Event, type Disposable } from '../lifecycle.js';
import type { InboundMessage, JsonObject } from '../protocol/messages.js';
import { isObject, str } from '../transcript/values.js';

export interface SlashCommandInfo {
  /** Without the leading slash. */
  name: string;
  description: string;
  argumentHint: string;
  aliases?: string[];
}

export interface AgentSummary {
  name: string;
  description: string;
  model?: string;
}

export interface SessionCapabilitiesSnapshot {
  commands: SlashCommandInfo[];
  agents: AgentSummary[];
}

export class SessionCapabilities implements Disposable {
  private readonly bySession = new Map<string, SessionCapabilitiesSnapshot>();
  private readonly onDidChangeEmitter = new Emitter<string>();
  /** Fires with the session id whose commands or agents changed. */
  readonly onDidChange: Event<string> = this.onDidChangeEmitter.event;

  /** What the session's CLI offers; empty until its process has said. */
  get(sessionId: string): SessionCapabilitiesSnapshot {
    const known = this.bySession.get(sessionId);
    return known ? { commands: [...known.commands], agents: [...known.agents] } : { commands: [], agents: [] };
  }

  /** The `initialize` response of a new process: the lists start over from it. */
  initialized(sessionId: string, response: JsonObject | undefined): void {
    if (!response) return;
    this.set(sessionId, { commands: parseCommands(response.commands), agents: parseAgents(response.agents) });
  }

  /** A message the session's CLI printed: `system/init` adds names, `commands_changed` replaces. */
  observe(sessionId: string, message: InboundMessage): void {
    if (message.kind === 'init') {
      const known = this.get(sessionId);
      const names = new Set(known.commands.map((c) => c.name));
      const added = (message.message.slash_commands ?? []).filter((n) => typeof n === 'string' && !names.has(n));
      if (added.length) this.set(sessionId, { ...known, commands: [...known.commands, ...added.map((name) => ({ name, description: '', argumentHint: '' }))] });
    } else if (message.kind === 'system' && message.message.subtype === 'commands_changed') {
      this.set(sessionId, { ...this.get(sessionId), commands: parseCommands(message.message.commands) });
    }
  }

  forget(sessionId: string): void {
    this.bySession.delete(sessionId);
  }

  dispose(): void {
    this.bySession.clear();
    this.onDidChangeEmitter.dispose();
  }

  private set(sessionId: string, snapshot: SessionCapabilitiesSnapshot): void {
    this.bySession.set(sessionId, snapshot);
    this.onDidChangeEmitter.fire(sessionId);
  }
}

function parseCommands(value: unknown): SlashCommandInfo[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((c) => {
    if (!isObject(c) || !str(c.name)) return [];
    const aliases = Array.isArray(c.aliases) ? c.aliases.filter((a): a is string => typeof a === 'string') : [];
    return [{ name: str(c.name), description: str(c.description), argumentHint: str(c.argumentHint), ...(aliases.length ? { aliases } : {}) }];
  });
}

export function parseAgents(value: unknown): AgentSummary[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((a) => (isObject(a) && str(a.name) ? [{ name: str(a.name), description: str(a.description), ...(str(a.model) ? { model: str(a.model) } : {}) }] : []));
}
