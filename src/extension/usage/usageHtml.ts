/**
 * The usage dashboard's HTML: the session panel's Content Security Policy (no inline script, a
 * nonce on the one script tag, styles and fonts from the extension's files only), the bundle,
 * and the range on <body> so a restored panel asks for the same one. Pure.
 */
import { contentSecurityPolicy, createNonce } from '../webview/html.js';

export interface UsageHtmlOptions {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  days: number;
  nonce?: string;
}

export function renderUsageHtml(o: UsageHtmlOptions): string {
  const nonce = o.nonce ?? createNonce();
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>Claude Code Usage</title>
</head>
<body data-days="${o.days}">
<div id="usage"></div>
<script nonce="${attr(nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
