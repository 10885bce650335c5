/**
 * Runs inside code-server's extension host (see harness.smoke.test.ts): proves the in-host
 * runner reaches the real `vscode` API and that Shannon is installed there and activates.
 */
import assert from 'node:assert/strict';
import { hostSuite } from './support/hostDsl';

const suite = hostSuite();

suite.test('Shannon is installed in the real VS Code and activates', async (vscode) => {
  const ext = vscode.extensions.getExtension('shannon.shannon');
  assert.ok(ext, `shannon.shannon not among ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
  // No activationEvents yet: nothing activates it but an explicit call.
  await ext.activate();
  assert.equal(ext.isActive, true);
});

suite.test('the host offers the MCP server definition provider API Shannon registers with', (vscode) => {
  assert.equal(typeof vscode.lm.registerMcpServerDefinitionProvider, 'function');
});

suite.test('the host runs the pinned VS Code on Node 22 or later', (vscode) => {
  assert.match(vscode.version, /^1\.139\./);
  assert.ok(Number(process.versions.node.split('.')[0]) >= 22, `extension host on Node ${process.version}`);
});

export const run = suite.run;
