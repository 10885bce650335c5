/** What opening a search hit shows: its entry, and the words that matched (pure). */
import type { SearchHit } from '../../core/store/types.js';
import type { EntryReveal } from '../panels.js';

export function revealOf(hit: Pick<SearchHit, 'seq' | 'snippet' | 'highlights'>): EntryReveal {
  const terms = new Set<string>();
  for (const [start, end] of hit.highlights) {
    const word = hit.snippet.slice(start, end).trim();
    if (word) terms.add(word.toLowerCase());
  }
  return { seq: hit.seq, terms: [...terms] };
}
