/**
 * The session panel's entry point (bundled to dist/webview.js + dist/webview.css). The host
 * page holds `<div id="app">` and `<body data-session-id>`; everything else is built here.
 */
import '@vscode/codicons/dist/codicon.css';
import './styles/panel.css';
import './styles/transcript.css';
import './styles/composer.css';
import './styles/cards.css';
import { App } from './app';
import { HostChannel } from './common/host';

const root = document.getElementById('app');
if (root) {
  const host = new HostChannel();
  window.addEventListener('error', (e) => host.notify({ type: 'log', level: 'error', message: `${e.message} (${e.filename}:${e.lineno})` }));
  window.addEventListener('unhandledrejection', (e) => host.notify({ type: 'log', level: 'error', message: String(e.reason) }));
  new App(root, host);
}
