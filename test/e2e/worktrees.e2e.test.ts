/**
 * Sessions in worktrees in a real VS Code (code-server 4.139.1), with the real `claude` CLI and
 * real git, the workspace a git repository:
 *  - in the extension host (host/worktrees.host.ts): the session runs in its worktree, the tree
 *    shows its branch, Show Changes and the diff editor, Merge, the attention badge, Discard;
 *  - a person's path in Chromium: New Session → "In a new worktree" → the session in the tree with
 *    its branch → the Changes view → the diff editor → Merge from the view's title bar → the
 *    commit in the folder; in a light and a dark theme. Screenshots: test-results/e2e/worktrees-*.png.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeAnthropicApi } from '../support/fakeAnthropic';
import { fileWriter } from '../support/fileWriter';
import { git, initRepo, write } from '../support/gitRepos';
import { CLAUDE_BIN, hermeticClaudeEnv, type HermeticClaudeEnv } from '../support/realCli';
import { closeWorkbench, openWorkbench, runCommand, screenshot, SCREENSHOT_DIR, waitFor, waitForVisible } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { reportHostResults, runHostTestsReport } from './support/hostTests';
import { openShannonView, pane, quickInputTitled, startCommand, treeRow } from './support/shannonUi';
import { buildShannonVsix } from './support/vsix';

const PROMPT = 'write greeting.txt: hello from a worktree';

describe('Sessions in worktrees, in a real VS Code', { timeout: 600_000 }, () => {
  let vsixPath: string;
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  const temps: string[] = [];

  async function repository(): Promise<string> {
    const dir = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-e2e-repo-')));
    temps.push(dir);
    initRepo(dir, { 'README.md': '# e2e repository\n', 'src/app.ts': 'export const app = 1;\n' });
    // The sessions' Bash writes are allowed up front (this test is about worktrees, not asks). A
    // machine-overridable setting: in code-server's remote window only the workspace's applies.
    // Excluded locally, so the folder's `git status` stays empty.
    write(dir, '.vscode/settings.json', JSON.stringify({ 'shannon.allowedTools': ['Bash'] }));
    appendFileSync(path.join(dir, '.git', 'info', 'exclude'), '.vscode/\n');
    return dir;
  }

  const env = () => ({ ...claude.env, SHANNON_CLAUDE_PATH: CLAUDE_BIN, SHANNON_E2E_ARTIFACTS: SCREENSHOT_DIR });
  const settings = { 'workbench.colorTheme': 'Default Light Modern' };

  before(async () => {
    vsixPath = await buildShannonVsix();
    api = await FakeAnthropicApi.start(fileWriter);
    claude = await hermeticClaudeEnv(api, { CLAUDE_CODE_MAX_RETRIES: '0' });
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    for (const d of temps) await rm(d, { recursive: true, force: true });
  });

  it('in the extension host: a worktree session, its branch, Show Changes, the diff editor, Merge, the badge, Discard', async (t) => {
    const report = await runHostTestsReport({
      vsixPath,
      testEntry: path.join(import.meta.dirname, 'host', 'worktrees.host.ts'),
      folder: await repository(),
      settings,
      env: env(),
      timeoutMs: 480_000,
      screenshotName: 'worktrees-host-suite-end',
    });
    await reportHostResults(t, report.results);
  });

  it('a person starts a session in a new worktree, reviews its changes in the diff editor and merges them', async () => {
    const folder = await repository();
    const head = git(folder, 'rev-parse', 'HEAD').trim();
    const server = await startCodeServer({ vsixPath, folder, settings, env: env() });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;
      await openShannonView(p);

      // New Session: the prompt, then where it works, then the model.
      const input = p.locator('.quick-input-widget .quick-input-box input');
      await startCommand(p, 'Shannon: New Session', 'New Claude Code Session');
      await input.fill(PROMPT);
      await input.press('Enter');
      await waitForVisible(p, quickInputTitled(p, 'where it works'), { what: 'the where-it-works step' });
      await waitForVisible(p, pickRow(p, 'In a new worktree'), { what: 'the worktree choice' });
      await screenshot(p, 'worktrees-01-where-it-works');
      await pickRow(p, 'In a new worktree').click();
      await waitForVisible(p, pickRow(p, 'Default'), { what: 'the model step' });
      await p.keyboard.press('Enter');

      await waitForVisible(p, treeRow(p, 'shannon/write-greeting'), { what: "the session's branch in the tree", timeoutMs: 120_000 });
      await waitForVisible(p, treeRow(p, 'Idle'), { what: 'the session to reach Idle', timeoutMs: 150_000 });
      // The note saying where it works (its toast may have timed out by now: the notification centre keeps it).
      await runCommand(p, 'Notifications: Show Notifications');
      await waitForVisible(p, p.locator('.notifications-center', { hasText: 'works in a new worktree on branch shannon/' }), { what: 'the note saying where it works' });
      await screenshot(p, 'worktrees-02a-where-it-works-note');
      assert.ok(!existsSync(path.join(folder, 'greeting.txt')), 'the folder is untouched');
      assert.equal(git(folder, 'status', '--porcelain'), '');
      await runCommand(p, 'View: Close All Editors');
      await runCommand(p, 'Notifications: Clear All Notifications');
      await screenshot(p, 'worktrees-02-session-in-tree');

      // Selecting the session shows its changes.
      await treeRow(p, PROMPT).first().click();
      const change = changesPane(p).locator('.monaco-list-row', { hasText: 'greeting.txt' });
      await waitForVisible(p, change, { what: 'greeting.txt in the Changes view', timeoutMs: 30_000 });
      await waitForVisible(p, changesPane(p).getByText(/1 file changed on shannon\/write-greeting/), { what: 'the Changes view summary' });
      await screenshot(p, 'worktrees-03-changes-view-light');

      // The file opens in the diff editor: the base (empty: a new file) against the worktree's.
      await change.click();
      await waitForVisible(p, p.locator('.tab', { hasText: 'greeting.txt (' }), { what: 'the diff editor tab', timeoutMs: 30_000 });
      await waitForVisible(p, p.locator('.monaco-diff-editor .modified .view-lines', { hasText: 'hello from a worktree' }), { what: "the session's line in the diff" });
      await screenshot(p, 'worktrees-04-diff-editor-light');

      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
      await waitFor(p, async () => (await p.locator('.monaco-workbench.vs-dark').count()) > 0, { what: 'the dark theme' });
      await p.waitForTimeout(500);
      await screenshot(p, 'worktrees-05-diff-editor-dark');

      // Merge from the Changes view's title bar: how, then the commit message.
      await changesPane(p).locator('.pane-header').hover();
      await changesPane(p).locator('.pane-header a.action-label[aria-label="Merge Session Work…"]').click();
      await waitForVisible(p, pickRow(p, 'Merge into main'), { what: 'the merge choices' });
      await screenshot(p, 'worktrees-06-merge-choices-dark');
      await pickRow(p, 'Merge into main').first().click();
      await waitForVisible(p, quickInputTitled(p, 'Merge into main: commit message'), { what: 'the commit message box' });
      assert.equal(await input.inputValue(), PROMPT, "the message is drafted from the session's title");
      await screenshot(p, 'worktrees-07-commit-message-dark');
      await input.press('Enter');
      await waitForVisible(p, p.locator('.notification-toast', { hasText: 'Merged 1 file into main as' }), { what: 'the merge notification', timeoutMs: 30_000 });
      await waitForVisible(p, changesPane(p).getByText(/No changes since then/), { what: 'the Changes view emptied after the merge' });
      await screenshot(p, 'worktrees-08-merged-dark');

      assert.equal(git(folder, 'rev-parse', 'HEAD^').trim(), head, 'one new commit on main');
      assert.equal(git(folder, 'log', '-1', '--format=%s').trim(), PROMPT);
      assert.equal(readFileSync(path.join(folder, 'greeting.txt'), 'utf8'), 'hello from a worktree\n');
      assert.equal(git(folder, 'status', '--porcelain'), '');

      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
      await waitFor(p, async () => (await p.locator('.monaco-workbench.vs-dark').count()) === 0, { what: 'the light theme again' });
      await p.waitForTimeout(500);
      await screenshot(p, 'worktrees-09-merged-light');
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

function pickRow(page: Page, text: string) {
  return page.locator('.quick-input-widget .monaco-list-row', { hasText: text });
}

function changesPane(page: Page) {
  return pane(page, 'Changes');
}
