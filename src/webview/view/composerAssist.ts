/**
 * What helps the user write a message: completion of `/` commands and `@` mentions, and the
 * attachments (selection, problems, files) shown as chips until the message goes out. The App
 * hands it the message box and host messages; `compose` turns text + chips into the prompt.
 */
import { composePrompt, type Attachment } from '../../shared/attachments';
import type { HostMessage, SlashCommandInfo } from '../../shared/webviewProtocol';
import type { HostChannel } from '../common/host';
import { h } from '../render/dom';
import { ChipList } from './chips';
import { Completion } from './completion';
import { MentionSource } from './mentions';
import { SlashCommandSource } from './slashCommands';

export class ComposerAssist {
  readonly element = h('div', { class: 'composer-assist' });
  private readonly slash: SlashCommandSource;
  private readonly completion: Completion;
  private readonly chips = new ChipList();

  /** Construct before the composer's own key handlers: Enter takes a suggestion first. */
  constructor(
    private readonly input: HTMLTextAreaElement,
    host: HostChannel,
  ) {
    this.slash = new SlashCommandSource(input);
    const mentions = new MentionSource(input, (query) => host.request('mentions', { query }), (a) => this.attach(a));
    this.completion = new Completion(input, [this.slash, mentions]);
    this.element.append(this.completion.element, this.chips.element);
  }

  onMessage(m: Extract<HostMessage, { type: 'commandsChanged' | 'attach' }>): void {
    if (m.type === 'attach') this.attach(m.attachment);
    else this.setCommands(m.commands);
  }

  setCommands(commands: SlashCommandInfo[]): void {
    this.slash.set(commands);
    if (this.completion.isOpen) void this.completion.update();
  }

  /** Context from the editor (Send Selection, Ask About This File): a chip, and the focus in the box. */
  attach(attachment: Attachment): void {
    this.chips.add(attachment);
    this.input.focus();
  }

  /** The prompt for `text` with the chips (which are used up). */
  compose(text: string): string {
    return composePrompt(text, this.chips.take());
  }
}
