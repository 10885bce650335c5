/**
 * A reply is rendered as markdown while it streams: what has arrived so far often ends inside
 * `**bold`, a `code span` or a ``` fence, which markdown-it would show as raw markers until the
 * closing one arrives. closeOpenMarkdown closes them for the moment (the stored text is untouched).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../src/webview/render/markdown';
import { closeOpenMarkdown } from '../../src/webview/render/streamingMarkdown';

const streamed = (text: string) => renderMarkdown(closeOpenMarkdown(text));
const visibleText = (html: string) => html.replace(/<[^>]+>/g, '');

describe('markdown while a reply streams', () => {
  it('half-way through **bold**, the bold part is bold, no raw asterisks', () => {
    const html = streamed('This is **really imp');
    assert.match(html, /<strong>really imp<\/strong>/);
    assert.doesNotMatch(visibleText(html), /\*/);
  });

  it('an opener with nothing after it yet is not shown at all', () => {
    assert.equal(visibleText(streamed('Note: **')).trim(), 'Note:');
    assert.equal(visibleText(streamed('Run `')).trim(), 'Run');
  });

  it('nested and inline code: *italic **bold, `code', () => {
    const html = streamed('An *italic with **bold and `npm ins');
    assert.match(html, /<em>italic with <strong>bold and <code>npm ins<\/code><\/strong><\/em>/);
  });

  it('an open code fence is a code block already, its content not read as markdown', () => {
    const html = streamed('Here:\n\n```ts\nconst a = 2 ** 3; // **');
    assert.match(html, /<div class="code-block">/);
    assert.match(html, /<code class="language-ts">/);
    assert.doesNotMatch(visibleText(html), /```/);
    assert.match(visibleText(html), /2 \*\* 3; \/\/ \*\*/);
  });

  it('leaves complete markdown, list bullets, a lone * and snake_case alone', () => {
    for (const text of ['**done** and `code` and *it*', '* one\n* two', 'a * b = c', 'call my_var_name now', '```\nx\n```\n', '~~gone~~']) {
      assert.equal(closeOpenMarkdown(text), text, text);
    }
  });

  it('closes strikethrough and underscores', () => {
    assert.match(streamed('old ~~plan'), /<s>plan<\/s>/);
    assert.match(streamed('so __strong'), /<strong>strong<\/strong>/);
  });
});

describe('code block headers', () => {
  it('a block without a language has no empty header bar, still a Copy button', () => {
    const html = renderMarkdown('```\nplain text\n```');
    assert.doesNotMatch(html, /code-header/);
    assert.doesNotMatch(html, /<span class="code-lang"><\/span>/);
    assert.match(html, /data-action="copy-code"/);
  });

  it('a block with a language says which, beside its Copy button', () => {
    const html = renderMarkdown('```python\nprint(1)\n```');
    assert.match(html, /<div class="code-header"><span class="code-lang">python<\/span><button[^>]*data-action="copy-code"/);
  });
});
