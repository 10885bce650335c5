/**
 * Assistant text is rendered with markdown-it, raw HTML off: whatever a model (or a prompt
 * injection in a file it read) writes, no script runs and no dangerous link is clickable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../src/webview/render/markdown';

describe('webview markdown', () => {
  it('escapes raw HTML: a <script> and an onerror attribute stay text', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n<iframe src="https://x"></iframe>');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<iframe/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('refuses javascript:, vbscript:, data:, file: and command: links, in any case, and keeps https and mailto', () => {
    const html = renderMarkdown(
      '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](  javascript:x) [d](vbscript:x) [e](data:text/html,<b>x</b>) [f](file:///etc/passwd) [g](command:workbench.action.quit) [h](https://example.com/x?q=1) [i](mailto:a@b.c)',
    );
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(hrefs, ['https://example.com/x?q=1', 'mailto:a@b.c']);
    assert.doesNotMatch(html, /href="\s*(?:javascript|vbscript|data|file|command):/i);
  });

  it('does not auto-link a bare javascript: URL and does link a bare https one', () => {
    const html = renderMarkdown('see javascript:alert(1) and https://example.com');
    assert.deepEqual([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]), ['https://example.com']);
  });

  it('shows images as their alt text: nothing is fetched from a transcript', () => {
    const html = renderMarkdown('![a tracking pixel](https://evil.example/p.png)');
    assert.doesNotMatch(html, /<img/i);
    assert.match(html, /\[image: a tracking pixel\]/);
  });

  it('puts fenced code in a block with its language and a Copy button, content escaped', () => {
    const html = renderMarkdown('```ts\nconst a = "<b>" && 1;\n```');
    assert.match(html, /<div class="code-block">/);
    assert.match(html, /<span class="code-lang">ts<\/span>/);
    assert.match(html, /data-action="copy-code"/);
    // Coloured, and the code's own markup still escaped inside the colour spans.
    assert.match(html, /<code class="language-ts"><span class="hljs-keyword">const<\/span> a = <span class="hljs-string">&quot;&lt;b&gt;&quot;<\/span> &amp;&amp; <span class="hljs-number">1<\/span>;/);
  });

  it('leaves code in an unknown language plain, and never lets highlighting emit markup of its own', () => {
    const plain = renderMarkdown('```nolang\n<script>alert(1)</script>\n```');
    assert.match(plain, /<code class="language-nolang">&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const html = renderMarkdown('```html\n<script>alert(1)</script><img src=x onerror=alert(2)>\n```');
    assert.doesNotMatch(html, /<script|<img/i);
    assert.match(html, /hljs-/);
  });

  it('escapes a hostile fence language', () => {
    const html = renderMarkdown('```"><script>x</script>\ncode\n```');
    assert.doesNotMatch(html, /<script/i);
  });

  it('renders ordinary markdown: emphasis, lists, inline code, tables', () => {
    const html = renderMarkdown('**bold** and `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |');
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, /<code>code<\/code>/);
    assert.match(html, /<li>one<\/li>/);
    assert.match(html, /<table>/);
  });
});
