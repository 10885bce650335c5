/**
 * A `compact_boundary` line (the CLI compacted the conversation: `/compact`, or automatically
 * near the context limit) as every face reads it: how many tokens the context held before and
 * after. Pure, for the panel, the output channel and the MCP transcript alike.
 */
import { formatTokens } from '../format';

export interface CompactSummary {
  trigger: 'manual' | 'auto' | 'unknown';
  preTokens?: number;
  postTokens?: number;
}

export function compactSummary(raw: unknown): CompactSummary {
  const meta = (raw as { compact_metadata?: Record<string, unknown> } | undefined)?.compact_metadata ?? {};
  const trigger = meta.trigger === 'manual' || meta.trigger === 'auto' ? meta.trigger : 'unknown';
  return {
    trigger,
    ...(typeof meta.pre_tokens === 'number' ? { preTokens: meta.pre_tokens } : {}),
    ...(typeof meta.post_tokens === 'number' ? { postTokens: meta.post_tokens } : {}),
  };
}

/** "Conversation compacted (manual): 25.1k → 1.1k tokens". */
export function compactText(raw: unknown): string {
  const s = compactSummary(raw);
  const how = s.trigger === 'auto' ? ' automatically' : s.trigger === 'manual' ? ' (/compact)' : '';
  const figures =
    s.preTokens !== undefined && s.postTokens !== undefined
      ? `: ${formatTokens(s.preTokens)} → ${formatTokens(s.postTokens)} tokens`
      : s.preTokens !== undefined
        ? `: ${formatTokens(s.preTokens)} tokens before`
        : '';
  return `Conversation compacted${how}${figures}`;
}
