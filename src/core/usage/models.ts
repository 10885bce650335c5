/**
 * One model, one row: the names a turn can carry for the same model — an alias (`opus`), a
 * dated release (`claude-haiku-4-5-20251001`), a cloud provider's id
 * (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-opus-4-1@20250805`) or a
 * context-window variant (`claude-opus-4-8[1m]`) — fold into one model id; the variant is kept
 * as a tag beside it.
 */

/**
 * What the pinned CLI (2.1.197) resolves its aliases to, as seen in `system/init` after
 * `--model <alias>` (test/fixtures/cli/README.md). A newer CLI may move an alias on; turns
 * record the resolved name whenever the CLI reports one, so this only names stray aliases.
 */
const ALIASES: Readonly<Record<string, string>> = {
  opus: 'claude-opus-4-8',
  best: 'claude-opus-4-8',
  sonnet: 'claude-sonnet-5',
  opusplan: 'claude-sonnet-5',
  haiku: 'claude-haiku-4-5',
  fable: 'claude-fable-5',
  default: 'claude-opus-4-8',
};

/** The CLI's `default` alias is the 1M-context Opus. */
const ALIAS_VARIANTS: Readonly<Record<string, string>> = { default: '1m' };

export interface FoldedModel {
  /** The model every spelling of it folds into: `claude-opus-4-8`; '' when unknown. */
  id: string;
  /** The context-window (or other) variant in brackets, lower case: `1m`. */
  variant?: string;
}

export function foldModel(name: string | undefined): FoldedModel {
  let m = (name ?? '').trim().toLowerCase();
  if (!m) return { id: '' };
  let variant: string | undefined;
  const bracket = /\[([^\]]*)\]$/.exec(m);
  if (bracket) {
    variant = bracket[1] || undefined;
    m = m.slice(0, bracket.index);
  }
  if (Object.hasOwn(ALIASES, m)) {
    variant ??= ALIAS_VARIANTS[m];
    m = ALIASES[m]!;
  }
  m = m
    // Bedrock: `us.anthropic.claude-…-v1:0`, `anthropic.claude-…`.
    .replace(/^(?:[a-z]{2,6}\.)?anthropic\./, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    // Vertex: `claude-…@20250805`.
    .replace(/@\d{8}$/, '')
    // The release date: one model whether named with it or without.
    .replace(/-\d{8}$/, '');
  return variant ? { id: m, variant } : { id: m };
}

/** `claude-opus-4-8` → "Opus 4.8", `claude-sonnet-5` → "Sonnet 5"; unknown ids as they are. */
export function modelLabel(id: string): string {
  if (!id) return 'Unknown model';
  const named = /^claude-([a-z]+)-(\d+(?:-\d+)?)$/.exec(id);
  if (named) return `${capitalise(named[1]!)} ${named[2]!.replace('-', '.')}`;
  // The older naming: claude-3-5-sonnet.
  const older = /^claude-(\d+(?:-\d+)?)-([a-z]+)$/.exec(id);
  if (older) return `${capitalise(older[2]!)} ${older[1]!.replace('-', '.')}`;
  return id;
}

/** `1m` → "1M context"; other variants as written. */
export function variantLabel(variant: string): string {
  const window = /^(\d+)([km])$/.exec(variant);
  return window ? `${window[1]}${window[2]!.toUpperCase()} context` : variant;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
