/**
 * No `claude` anywhere (PATH without it, an empty HOME, no setting): the welcome view offers
 * installing or picking a binary, a session start says so with actions, and writing
 * `shannon.claudePath` (what Select Claude Binary does) fixes it without a reload.
 */
import assert from 'node:assert/strict';
import { hostSuite } from '../support/hostDsl';
import { PROMPTS } from './fakeScript';
import { childProcessesNamed, shannon, until } from './hostUtil';

const suite = hostSuite({ timeoutMs: 30_000 });

suite.test('the missing binary is noticed after startup and named in the status', async (vscode) => {
  const api = await shannon(vscode);
  await api.whenReady();
  const status = await until('the lookup to fail', () => {
    const s = api.testing.claudeStatus();
    return s.kind === 'problem' ? s : undefined;
  });
  assert.equal(status.error.code, 'CLAUDE_NOT_FOUND');
  assert.ok(status.error.hint, 'the error says what to do');
});

suite.test('New Session starts nothing and records no session', async (vscode) => {
  const api = await shannon(vscode);
  const result = await vscode.commands.executeCommand('shannon.newSession', { prompt: PROMPTS.hello, background: true });
  assert.equal(result, undefined);
  assert.deepEqual(api.sessions(), []);
  assert.deepEqual(childProcessesNamed('claude'), []);
});

suite.test('writing shannon.claudePath (Select Claude Binary) makes it work without a reload', async (vscode) => {
  const api = await shannon(vscode);
  const pinned = process.env.SHANNON_E2E_CLAUDE!;
  const config = vscode.workspace.getConfiguration('shannon');
  await config.update('claudePath', pinned, vscode.ConfigurationTarget.Global);
  try {
    const ok = await until('claude to be found through the setting', () => {
      const s = api.testing.claudeStatus();
      return s.kind === 'ok' ? s.info : undefined;
    });
    assert.equal(ok.path, pinned);
    assert.equal(ok.source, 'setting');
  } finally {
    await config.update('claudePath', undefined, vscode.ConfigurationTarget.Global);
  }
  await until('the problem to come back without the setting', () => api.testing.claudeStatus().kind === 'problem');
});

suite.test('the Sessions view offers installing or picking a binary (shown for the screenshot)', async (vscode) => {
  await vscode.commands.executeCommand('shannon.sessions.focus');
  // The notification with its actions, as a person sees it after trying to start a session.
  await vscode.commands.executeCommand('shannon.newSession', { prompt: PROMPTS.hello, background: true });
  await new Promise((r) => setTimeout(r, 1500));
});

export const run = suite.run;
