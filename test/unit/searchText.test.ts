/**
 * How a message splits into searchable words: the fast path (termFrequencies, used to index)
 * must find exactly the words the Unicode regex finds (words(), used for queries and
 * snippets), or a message could be found by a word its snippet does not show, or not at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { termFrequencies, words } from '../../src/core/store/search/text';

function byRegex(text: string): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  let length = 0;
  for (const w of words(text)) {
    tf.set(w.term, (tf.get(w.term) ?? 0) + 1);
    length++;
  }
  return { tf, length };
}

function assertSameWords(text: string): void {
  const fast = termFrequencies(text);
  const slow = byRegex(text);
  assert.equal(fast.length, slow.length, `word count of ${JSON.stringify(text)}`);
  assert.deepEqual(new Map([...fast.tf].sort()), new Map([...slow.tf].sort()), `words of ${JSON.stringify(text)}`);
}

describe('searchable words', () => {
  it('a reply with a few non-ASCII characters keeps every word, ASCII and not', () => {
    const text = 'The fix — in café.ts — renames naïve_parse to résuméParser; 東京タワー and Straße stay. x' + 'y'.repeat(45) + 'é';
    assertSameWords(text);
    const { tf } = termFrequencies(text);
    for (const w of ['the', 'fix', 'café', 'ts', 'naïve_parse', 'résuméparser', '東京タワー', 'straße', 'stay']) assert.ok(tf.has(w), w);
  });

  it('words touching non-ASCII letters, digits, marks and astral characters split as the regex splits them', () => {
    for (const text of ['ab€cd', '€ab', 'ab€', 'a😀b ab😀cd', 'x١٢٣y 42é_', 'e\u0301tude', '——ab——', 'é', '', 'ab', 'über-cool 𝐀𝐁c']) assertSameWords(text);
  });

  it('random mixed text: the fast path and the regex never disagree', () => {
    const alphabet = ['a', 'Z', '9', '_', ' ', '.', '-', '\n', 'é', 'ß', '—', '東', '😀', '𝐀', '\u0301', '٣'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 500; n++) {
      let text = '';
      const len = Math.floor(next() * 120);
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      assertSameWords(text);
    }
  });
});
