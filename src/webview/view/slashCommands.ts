/**
 * `/` completion: the session's slash commands as its CLI reports them (built-in, custom
 * `.claude/commands`, skills, plugins; see core/session/capabilities.ts). The CLI runs a command
 * only at the very start of a message, so only a `/` there opens the list.
 */
import type { SlashCommandInfo } from '../../shared/webviewProtocol';
import { rankFuzzy } from '../../shared/fuzzy';
import { replaceRange, type CompletionItem, type CompletionSource, type CompletionToken } from './completion';

export class SlashCommandSource implements CompletionSource {
  readonly id = 'slash';
  private commands: SlashCommandInfo[] = [];

  constructor(private readonly input: HTMLTextAreaElement) {}

  set(commands: SlashCommandInfo[]): void {
    this.commands = commands;
  }

  match(text: string, cursor: number): CompletionToken | undefined {
    const m = /^\/(\S*)$/.exec(text.slice(0, cursor));
    return m && this.commands.length ? { start: 0, end: cursor, query: m[1]! } : undefined;
  }

  items(query: string): CompletionItem[] {
    const names = (c: SlashCommandInfo) => [c.name, ...(c.aliases ?? [])].join(' ');
    return rankFuzzy(query, this.commands, names, 30).map((c) => ({
      key: c.name,
      label: `/${c.name}`,
      detail: c.argumentHint || undefined,
      description: c.description || undefined,
      icon: 'symbol-event',
    }));
  }

  accept(item: CompletionItem, token: CompletionToken): void {
    replaceRange(this.input, token.start, token.end, `${item.label} `);
  }
}
