/**
 * The MCP layer's pure parts: who may reach the HTTP server, which permission modes callers may
 * ask for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permissionModeAllowed } from '../../src/mcp/deps.js';
import { isLoopbackHost, isLoopbackOrigin } from '../../src/mcp/http.js';

test('only loopback Host headers pass, with or without a port', () => {
  for (const host of ['127.0.0.1:8123', '127.0.0.1', 'localhost:1', 'LOCALHOST:1', '[::1]:9']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of [undefined, '', 'evil.example', 'evil.example:8123', '127.0.0.1.evil.example:1', '10.0.0.1:80', 'localhost.evil:1']) {
    assert.equal(isLoopbackHost(host), false, String(host));
  }
});

test('only http(s) loopback Origins pass', () => {
  for (const origin of ['http://127.0.0.1:3000', 'http://localhost', 'https://[::1]:8443']) assert.equal(isLoopbackOrigin(origin), true, origin);
  for (const origin of ['null', 'https://evil.example', 'http://127.0.0.1.nip.io', 'file:///', 'vscode-webview://abc', 'garbage']) assert.equal(isLoopbackOrigin(origin), false, origin);
});

test('the permission-mode cap refuses modes above it, and by default only bypassPermissions', () => {
  assert.equal(permissionModeAllowed('bypassPermissions'), false);
  for (const mode of ['default', 'acceptEdits', 'plan', 'dontAsk', 'auto'] as const) assert.equal(permissionModeAllowed(mode), true, mode);
  assert.equal(permissionModeAllowed('acceptEdits', 'default'), false);
  assert.equal(permissionModeAllowed('plan', 'default'), true);
  assert.equal(permissionModeAllowed('bypassPermissions', 'bypassPermissions'), true);
});
