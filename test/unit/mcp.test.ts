/**
 * The MCP layer's pure parts: who may reach the HTTP server, which permission modes callers may
 * ask for.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { folderHolding, isWithin } from '../../src/core/workspacePaths.js';
import { permissionModeAllowed } from '../../src/mcp/cap.js';
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

test('folderHolding compares real paths: links out of a folder are outside, links within are inside, nested folders pick the innermost', () => {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'shannon-paths-')));
  try {
    const inner = path.join(root, 'packages', 'app');
    mkdirSync(inner, { recursive: true });
    mkdirSync(path.join(root, '..dots'));
    symlinkSync('/', path.join(root, 'rootlink'));
    symlinkSync(inner, path.join(root, 'applink'));
    assert.equal(folderHolding(path.join(root, 'rootlink'), [root]), undefined);
    assert.equal(folderHolding(path.join(root, 'rootlink', 'etc'), [root]), undefined);
    assert.equal(folderHolding(path.join(root, 'applink'), [root]), root);
    assert.equal(folderHolding(path.join(root, 'applink'), [root, inner]), inner, 'the innermost folder');
    assert.equal(folderHolding(path.join(root, '..dots'), [root]), root, 'a name starting with two dots is inside');
    assert.equal(folderHolding(path.join(root, 'missing'), [root]), undefined);
    assert.equal(isWithin(path.join(root, '..', 'x'), root), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
