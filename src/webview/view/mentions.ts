/**
 * `@` completion: the session folder's files (fuzzy, ranked by the host, which knows
 * files.exclude and .gitignore), and first the editor's selection and the active file's
 * problems. A file goes into the text as a mention the CLI reads (`@src/a.ts`); the selection
 * and problems become chips (attachments sent with the message).
 */
import { mentionOf, type Attachment } from '../../shared/attachments';
import { rankFuzzy } from '../../shared/fuzzy';
import { replaceRange, type CompletionItem, type CompletionSource, type CompletionToken } from './completion';

const EDITOR_ICONS: Record<Attachment['kind'], string> = { selection: 'selection', problems: 'warning', file: 'file' };

export class MentionSource implements CompletionSource {
  readonly id = 'mention';
  /** The editor attachments of the last answer, by item key. */
  private editor = new Map<string, Attachment>();

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly ask: (query: string) => Promise<{ files: string[]; editor: Attachment[] }>,
    private readonly attach: (attachment: Attachment) => void,
  ) {}

  match(text: string, cursor: number): CompletionToken | undefined {
    const m = /(^|\s)@(\S*)$/.exec(text.slice(0, cursor));
    return m ? { start: m.index + m[1]!.length, end: cursor, query: m[2]! } : undefined;
  }

  async items(query: string): Promise<CompletionItem[]> {
    const { files, editor } = await this.ask(query).catch(() => ({ files: [], editor: [] }));
    const offered = rankFuzzy(query, editor, (a) => `${a.kind} ${a.label}`);
    this.editor = new Map(offered.map((a, i) => [`editor:${i}`, a]));
    return [
      ...offered.map((a, i) => ({ key: `editor:${i}`, label: a.kind === 'selection' ? 'Selection' : 'Problems', detail: a.label, icon: EDITOR_ICONS[a.kind] })),
      ...files.map((f) => {
        const slash = f.lastIndexOf('/');
        return { key: `file:${f}`, label: f.slice(slash + 1), detail: slash > 0 ? f.slice(0, slash) : undefined, icon: 'file' };
      }),
    ];
  }

  accept(item: CompletionItem, token: CompletionToken): void {
    const attachment = this.editor.get(item.key);
    if (attachment) {
      replaceRange(this.input, token.start, token.end, '');
      this.attach(attachment);
    } else {
      replaceRange(this.input, token.start, token.end, `${mentionOf(item.key.slice('file:'.length))} `);
    }
  }
}
