/** Ranking for the composer's completions: what a person typing a few letters expects first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzyScore, rankFuzzy } from '../../src/shared/fuzzy.js';
import { composePrompt, mentionOf, problemsText } from '../../src/shared/attachments.js';

const FILES = [
  'README.md',
  'package.json',
  'src/extension/extension.ts',
  'src/extension/context/editorContext.ts',
  'src/webview/view/completion.ts',
  'src/core/session/sessionStore.ts',
  'src/core/store/sessionStore.ts',
  'test/unit/completion.test.ts',
  'docs/mcp.md',
];
const rank = (q: string) => rankFuzzy(q, FILES, (f) => f);

test('a file whose name starts with the query comes before paths that merely contain it', () => {
  assert.deepEqual(rank('comp').slice(0, 2).sort(), ['src/webview/view/completion.ts', 'test/unit/completion.test.ts']);
  assert.equal(rank('ext')[0], 'src/extension/extension.ts', 'the base name beats a folder of the same name');
  assert.equal(rank('readme')[0], 'README.md', 'case does not matter');
  assert.equal(rank('edc')[0], 'src/extension/context/editorContext.ts', 'word starts: editor-Context');
});

test('letters in order match across the path; letters out of order do not', () => {
  assert.ok(rank('secs').includes('src/extension/context/editorContext.ts'));
  assert.equal(fuzzyScore('zzz', 'src/extension/extension.ts'), undefined);
  assert.equal(fuzzyScore('txe', 'ext'), undefined);
  assert.deepEqual(rank('mcpmd'), ['docs/mcp.md']);
});

test('a shorter path wins between equal matches; an empty query keeps the given order', () => {
  const both = rank('sessionStore');
  assert.deepEqual(both.slice(0, 2).sort(), ['src/core/session/sessionStore.ts', 'src/core/store/sessionStore.ts']);
  assert.deepEqual(rank(''), FILES);
  assert.equal(rankFuzzy('', FILES, (f) => f, 3).length, 3);
});

test('attachments go to the CLI as @mentions (line ranges, quoted when spaced) and text blocks', () => {
  assert.equal(mentionOf('src/a.ts'), '@src/a.ts');
  assert.equal(mentionOf('src/a.ts', { start: 3, end: 5 }), '@src/a.ts#L3-5');
  assert.equal(mentionOf('src/a.ts', { start: 4, end: 4 }), '@src/a.ts#L4');
  assert.equal(mentionOf('my docs/a b.md'), '@"my docs/a b.md"');
  const problems = problemsText('src/a.ts', [{ line: 2, column: 7, severity: 'error', message: "Cannot find name 'x'.", source: 'ts', code: '2304' }]);
  assert.equal(problems, "Problems VS Code reports in src/a.ts:\n- src/a.ts:2:7 error: Cannot find name 'x'. (ts 2304)");
  assert.equal(
    composePrompt('Why?', [
      { kind: 'selection', label: 'a.ts:3-5', mention: '@src/a.ts#L3-5' },
      { kind: 'file', label: 'b.ts', mention: '@b.ts' },
      { kind: 'problems', label: '1 problem', text: problems },
    ]),
    `Why?\n\n@src/a.ts#L3-5 @b.ts\n\n${problems}`,
  );
  assert.equal(composePrompt('plain', []), 'plain');
});
