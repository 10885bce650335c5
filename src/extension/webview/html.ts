/**
 * The session panel's HTML: a strict Content Security Policy (no inline script, no eval, a nonce
 * on the one script tag; styles, fonts and images only from the extension's own files), the
 * bundle's CSS and JS, and the session id on <body> so the webview can persist it for the
 * serializer before the host has said anything. Pure: the caller passes the webview's URIs.
 */
export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  sessionId: string;
  title: string;
  /** Fixed in tests; random per render otherwise. */
  nonce?: string;
}

/** 18 random bytes, base64url. Web Crypto (global, loaded when first used): node:crypto at the top would cost every window start. */
export function createNonce(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function renderPanelHtml(o: PanelHtmlOptions): string {
  return webviewPage({ ...o, root: 'app', bodyData: { 'session-id': o.sessionId } });
}

/** A webview's page: the CSP, the bundle's CSS and JS, one root element, data on <body>. */
export function webviewPage(o: { cspSource: string; scriptUri: string; styleUri: string; title: string; root: string; bodyData: Record<string, string>; nonce?: string }): string {
  const nonce = o.nonce ?? createNonce();
  const data = Object.entries(o.bodyData)
    .map(([k, v]) => ` data-${k}="${escapeAttr(v)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeText(o.title)}</title>
</head>
<body${data}>
<div id="${escapeAttr(o.root)}"></div>
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
