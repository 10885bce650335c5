/**
 * Shannon in Restricted Mode (an untrusted folder): it activates, shows its views, and starts
 * no `claude` process, not even to look for the binary, nor an MCP server.
 */
import assert from 'node:assert/strict';
import { hostSuite } from '../support/hostDsl';
import { PROMPTS } from './fakeScript';
import { childProcessesNamed, shannon } from './hostUtil';

const suite = hostSuite({ timeoutMs: 30_000 });

suite.test('the folder is untrusted and Shannon still activates (limited support)', async (vscode) => {
  assert.equal(vscode.workspace.isTrusted, false);
  const api = await shannon(vscode);
  await api.whenReady();
});

suite.test('New Session starts nothing and says why', async (vscode) => {
  const api = await shannon(vscode);
  const result = await vscode.commands.executeCommand('shannon.newSession', { prompt: PROMPTS.hello, background: true });
  assert.equal(result, undefined);
  assert.deepEqual(api.sessions(), []);
  // The engine's own lock holds too, for callers that skip the commands (MCP, other extensions).
  const core = await api.testing.core();
  await assert.rejects(core.manager.create({ prompt: PROMPTS.hello, workspaceFolder: vscode.workspace.workspaceFolders![0]!.uri.fsPath }), /not trusted/);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(childProcessesNamed('claude'), []);
});

suite.test('claude is not even looked for, and no MCP server is offered', async (vscode) => {
  const api = await shannon(vscode);
  assert.equal(api.testing.claudeStatus().kind, 'unknown');
  assert.equal(await api.testing.mcp()?.endpoint(), undefined);
});

suite.test('the Sessions view explains Restricted Mode (shown for the screenshot)', async (vscode) => {
  await vscode.commands.executeCommand('shannon.sessions.focus');
  await new Promise((r) => setTimeout(r, 1500));
});

export const run = suite.run;
