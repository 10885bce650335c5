/**
 * The usage dashboard's entry point (bundled to dist/usage.js + dist/usage.css). The host page
 * holds `<div id="usage">` and `<body data-days>`; everything else is built here.
 */
import '@vscode/codicons/dist/codicon.css';
import './usage.css';
import './charts.css';
import { UsageApp, UsageChannel } from './app';

const root = document.getElementById('usage');
if (root) {
  const host = new UsageChannel();
  window.addEventListener('error', (e) => host.notify({ type: 'log', level: 'error', message: `${e.message} (${e.filename}:${e.lineno})` }));
  window.addEventListener('unhandledrejection', (e) => host.notify({ type: 'log', level: 'error', message: String(e.reason) }));
  new UsageApp(root, host);
}
