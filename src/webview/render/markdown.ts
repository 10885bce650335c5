/**
 * Assistant text as HTML: markdown-it with raw HTML off (a `<script>` the model writes is text,
 * escaped), links only to http(s) and mailto (no `javascript:`, `command:`, `file:`, `data:`),
 * images shown as their alt text (no remote fetches from a transcript), and fenced code in a
 * block with a Copy button, syntax-coloured by highlight.js (its ~35 common languages; it escapes
 * the code itself and emits only `<span class="hljs-…">`). The output is safe to assign to
 * innerHTML: every piece of it comes from an escaping renderer.
 */
import hljs from 'highlight.js/lib/common';
import MarkdownIt, { type MarkdownIt as Md } from 'markdown-it';

const SAFE_LINK = /^(?:https?:|mailto:)/i;

function create(): Md {
  const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });
  md.validateLink = (url: string) => SAFE_LINK.test(url.trim());
  const escape = md.utils.escapeHtml;

  md.renderer.rules.fence = (tokens, idx) => {
    const token = tokens[idx]!;
    const lang = token.info.trim().split(/\s+/)[0] ?? '';
    const langClass = lang ? ` class="language-${escape(lang.replace(/[^\w-]/g, ''))}"` : '';
    const copy = `<button type="button" class="icon-button" data-action="copy-code" title="Copy code" aria-label="Copy code"><i class="codicon codicon-copy" aria-hidden="true"></i></button>`;
    // A header bar only when it has something to say; without a language the Copy button floats.
    const top = lang ? `<div class="code-header"><span class="code-lang">${escape(lang)}</span>${copy}</div>` : `<div class="code-copy">${copy}</div>`;
    return (
      `<div class="code-block">` +
      top +
      `<pre><code${langClass}>${highlight(token.content, lang) ?? escape(token.content)}</code></pre>` +
      `</div>`
    );
  };
  md.renderer.rules.code_block = md.renderer.rules.fence;

  md.renderer.rules.image = (tokens, idx) => {
    const token = tokens[idx]!;
    const alt = token.children ? md.renderer.renderInlineAsText(token.children, md.options, {}) : token.content;
    return `<span class="md-image" title="Images are not loaded in transcripts">[image${alt ? `: ${escape(alt)}` : ''}]</span>`;
  };

  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const href = token.attrGet('href');
    if (href) token.attrSet('title', href);
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  return md;
}

/** Coloured HTML for code in a language highlight.js knows; undefined for plain text. */
function highlight(code: string, lang: string): string | undefined {
  if (!lang || !hljs.getLanguage(lang)) return undefined;
  try {
    return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  } catch {
    return undefined;
  }
}

let instance: Md | undefined;

export function renderMarkdown(text: string): string {
  instance ??= create();
  return instance.render(text);
}
