/**
 * The usage dashboard's HTML: the session panel's Content Security Policy (no inline script, a
 * nonce on the one script tag, styles and fonts from the extension's files only), the bundle,
 * and the range on <body> so a restored panel asks for the same one. Pure.
 */
import { webviewPage } from '../webview/html.js';

export interface UsageHtmlOptions {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  days: number;
  nonce?: string;
}

export function renderUsageHtml(o: UsageHtmlOptions): string {
  return webviewPage({ ...o, title: 'Claude Code Usage', root: 'usage', bodyData: { days: String(o.days) } });
}
