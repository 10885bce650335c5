/**
 * Shannon's VS Code face in a real VS Code (code-server 4.139.1) with the real `claude` CLI
 * talking to the fake Anthropic API:
 *  - in-host suites (test/e2e/host/*.host.ts) against the real `vscode` API: commands, tree,
 *    settings → engine, output channels, status bar, checkpoints, MCP provider; Restricted Mode;
 *    activation with a large history;
 *  - a person's path in Chromium: "Shannon: New Session" from the palette, the session in the
 *    tree, a permission notification answered, a window reload that finds the sessions again;
 *    sharing a session with MCP from its context menu, in the light and the dark theme.
 * Screenshots of each step go to test-results/e2e/.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeAnthropicApi } from '../support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, type HermeticClaudeEnv } from '../support/realCli';
import { chooseMenuItem, closeWorkbench, contextMenuItem, openWorkbench, runCommand, screenshot, SCREENSHOT_DIR, waitFor, waitForFileText, waitForVisible } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { reportHostResults, runHostTestsReport } from './support/hostTests';
import { acceptPlaceStep, openShannonView, quickInputTitled, sessionsPane, startCommand, treeRow } from './support/shannonUi';
import { buildShannonVsix } from './support/vsix';
import { e2eResponder, MARKER_FILE, PROMPTS } from './host/fakeScript';
import { ensureLargeHistory } from './host/largeHistory';

const HOST = path.join(import.meta.dirname, 'host');

describe('Shannon in a real VS Code', { timeout: 600_000 }, () => {
  let vsixPath: string;
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  const temps: string[] = [];

  async function workspace(): Promise<string> {
    const dir = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-e2e-ws-')));
    temps.push(dir);
    await writeFile(path.join(dir, 'README.md'), '# e2e workspace\n');
    return dir;
  }

  // `shannon.claudePath` is machine-scoped, and code-server is a remote window: VS Code reads
  // machine settings from <user-data>/Machine/settings.json there, never from User/settings.json
  // (where the harness writes). The locator's SHANNON_CLAUDE_PATH hands over the pinned CLI; the
  // host suite checks the setting path itself by writing the setting as Select Claude Binary does.
  const settings = () => ({});
  const env = () => ({ ...claude.env, SHANNON_CLAUDE_PATH: CLAUDE_BIN, SHANNON_E2E_ARTIFACTS: SCREENSHOT_DIR });

  before(async () => {
    rmSync(path.join(SCREENSHOT_DIR, 'metrics.json'), { force: true });
    vsixPath = await buildShannonVsix();
    api = await FakeAnthropicApi.start(e2eResponder);
    claude = await hermeticClaudeEnv(api, { CLAUDE_CODE_MAX_RETRIES: '0' });
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    for (const d of temps) await rm(d, { recursive: true, force: true });
  });

  it('in the extension host: commands, tree, settings, output, status bar, checkpoints, MCP', async (t) => {
    const report = await runHostTestsReport({
      vsixPath,
      testEntry: path.join(HOST, 'shannon.host.ts'),
      folder: await workspace(),
      settings: settings(),
      env: env(),
      timeoutMs: 300_000,
      screenshotName: 'host-suite-end',
    });
    await reportHostResults(t, report.results);
  });

  it('in Restricted Mode: activates, starts no process, offers no MCP server', async (t) => {
    const report = await runHostTestsReport({
      vsixPath,
      testEntry: path.join(HOST, 'untrusted.host.ts'),
      folder: await workspace(),
      settings: { ...settings(), 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' },
      env: env(),
      screenshotName: 'untrusted-restricted-mode',
    });
    await reportHostResults(t, report.results);
  });

  it('without claude: the welcome view and a notification offer install or pick; the setting fixes it live', async (t) => {
    const { SHANNON_CLAUDE_PATH: _pinned, ...withoutClaude } = env();
    const report = await runHostTestsReport({
      vsixPath,
      testEntry: path.join(HOST, 'missingClaude.host.ts'),
      folder: await workspace(),
      settings: settings(),
      // No claude on PATH (node_modules/.bin has one when run from npm), an empty HOME.
      env: { ...withoutClaude, PATH: '/usr/local/bin:/usr/bin:/bin', SHANNON_E2E_CLAUDE: CLAUDE_BIN },
      screenshotName: 'missing-claude-welcome',
    });
    await reportHostResults(t, report.results);
  });

  it('with a large history of 1,000 sessions: Shannon activates and the tree pages the sessions', async (t) => {
    const folder = await workspace();
    const history = await ensureLargeHistory(folder);
    const report = await runHostTestsReport({
      vsixPath,
      testEntry: path.join(HOST, 'largeHistory.host.ts'),
      folder,
      settings: settings(),
      env: { ...env(), SHANNON_DATA_DIR: history.dir, SHANNON_E2E_HISTORY: JSON.stringify(history.figures) },
      screenshotName: 'large-history-tree',
    });
    await reportHostResults(t, report.results);
  });

  it('a person starts a session from the palette, answers a permission ask, reloads and finds it again', async () => {
    const folder = await workspace();
    const server = await startCodeServer({ vsixPath, folder, settings: settings(), env: env() });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;
      await openShannonView(p);
      await waitForVisible(p, sessionsPane(p).getByText('No Claude Code sessions here yet'), { what: 'the empty Sessions view welcome' });
      await screenshot(p, '01-empty-sessions-view');

      // New Session from the palette: prompt, then the model step (Enter keeps the default).
      await newSessionFromPalette(p, PROMPTS.hello, { prompt: '02-new-session-prompt', model: '03-new-session-model' });

      await waitForVisible(p, treeRow(p, PROMPTS.hello), { what: 'the new session in the tree', timeoutMs: 30_000 });
      await waitForVisible(p, treeRow(p, 'Idle'), { what: 'the session to reach Idle', timeoutMs: 60_000 });
      // The start's progress notification ends with the first output.
      await waitFor(p, async () => (await p.locator('.notification-toast', { hasText: 'Claude: ' + PROMPTS.hello }).count()) === 0, {
        what: 'the start progress notification to close',
        timeoutMs: 5_000,
      });
      await screenshot(p, '04-session-idle-in-tree');

      // A turn that needs a permission answer, with no panel on screen: a notification asks.
      await closePanelEditors(p);
      await newSessionFromPalette(p, PROMPTS.write);
      // The session's panel opens and shows the ask as a card…
      await waitForVisible(p, p.locator('.tabs-container .tab', { hasText: PROMPTS.write }), { what: "the session's panel tab", timeoutMs: 30_000 });
      await waitForVisible(p, treeRow(p, 'Awaiting permission'), { what: 'the session to ask for permission', timeoutMs: 60_000 });
      await p.waitForTimeout(1_000);
      await screenshot(p, '05-permission-card-in-panel');
      // …and when the panel goes away unanswered, a notification asks instead.
      await closePanelEditors(p);
      const toast = p.locator('.notification-toast', { hasText: 'Claude wants to use Bash' });
      await waitForVisible(p, toast, { what: 'the permission notification', timeoutMs: 60_000 });
      await screenshot(p, '06-permission-notification');
      await toast.getByRole('button', { name: 'Allow once' }).click();
      const marker = path.join(folder, MARKER_FILE);
      await waitForFileText(p, marker, 'shannon\n', { what: `${MARKER_FILE} written by the allowed Bash call`, timeoutMs: 60_000 });
      await waitFor(p, async () => (await treeRow(p, 'Idle').count()) > 0 && (await treeRow(p, 'Running').count()) === 0 && (await treeRow(p, 'Awaiting permission').count()) === 0, {
        what: 'both sessions idle',
        timeoutMs: 60_000,
      });
      // The status bar: no longer waiting for a person, today's spend shown.
      const status = p.locator('.statusbar-item[id$="shannon.status"]');
      await waitFor(p, async () => /\$\d/.test(await status.innerText()) && !(await status.locator('.codicon-bell-dot').count()), {
        what: "Shannon's status bar item without a pending ask",
      });
      await screenshot(p, '07-after-permission-allowed');

      // Restore Checkpoint shows what would change before changing anything: the automatic
      // checkpoint of the write session's turn (named from its prompt, kept because the turn
      // wrote a file) predates the marker file.
      await startCommand(p, 'Shannon: Restore Checkpoint', 'Restore Checkpoint: session');
      await p.locator('.quick-input-widget .monaco-list-row', { hasText: PROMPTS.write }).first().click();
      await waitForVisible(p, quickInputTitled(p, 'Restore Checkpoint'), { what: 'the checkpoint step' });
      await p.locator('.quick-input-widget .monaco-list-row', { hasText: PROMPTS.write }).first().click();
      await waitForVisible(p, p.locator('.quick-input-widget .monaco-list-row', { hasText: MARKER_FILE }), { what: 'the marker file among the changes', timeoutMs: 30_000 });
      await waitForVisible(p, p.locator('.quick-input-widget .monaco-list-row', { hasText: 'created since: will be removed' }), { what: 'what the restore does to it' });
      await screenshot(p, '08-restore-checkpoint-preview');
      await p.keyboard.press('Escape');
      assert.ok(existsSync(marker), 'nothing was restored without confirming');

      // Reload the window: the sessions come back from the store (as interrupted: their
      // processes ended with the old extension host) and can be resumed.
      await p.reload();
      await waitForVisible(p, p.locator('.monaco-workbench'), { what: 'the workbench after reload', timeoutMs: 60_000 });
      await openShannonView(p);
      await waitForVisible(p, treeRow(p, PROMPTS.hello), { what: 'the first session after reload', timeoutMs: 30_000 });
      await waitForVisible(p, treeRow(p, PROMPTS.write), { what: 'the second session after reload' });
      await screenshot(p, '09-sessions-after-reload');

      // Show Output from the item's context menu: the transcript as log lines.
      const item = await contextMenuItem(p, treeRow(p, PROMPTS.hello).first(), 'Show Output');
      await screenshot(p, '10-session-context-menu');
      await chooseMenuItem(p, item);
      await waitForVisible(p, p.locator('.part.panel .view-lines', { hasText: 'Claude: Hello from the fake model.' }), { what: 'the session output channel', timeoutMs: 20_000 });
      await screenshot(p, '11-session-output-channel');
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });

  it('the context menu offers Share Session with MCP for a session above the MCP limits, warns, then offers Stop Sharing; light and dark', async () => {
    // The user's own default pre-approves Bash: their sessions are beyond what MCP callers may steer.
    // (In the folder's settings: code-server is a remote window, where VS Code does not read
    // machine-overridable settings from User/settings.json.)
    const folder = await workspace();
    await mkdir(path.join(folder, '.vscode'), { recursive: true });
    await writeFile(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'shannon.allowedTools': ['Bash'] }));
    const server = await startCodeServer({ vsixPath, folder, settings: settings(), env: env() });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;
      await openShannonView(p);
      await newSessionFromPalette(p, PROMPTS.hello);
      await waitForVisible(p, treeRow(p, 'Idle'), { what: 'the session to reach Idle', timeoutMs: 60_000 });
      await closePanelEditors(p);

      for (const theme of ['light', 'dark'] as const) {
        if (theme === 'dark') await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
        const row = treeRow(p, PROMPTS.hello).first();
        const share = await contextMenuItem(p, row, 'Share Session with MCP');
        assert.equal(await p.getByRole('menuitem', { name: 'Stop Sharing with MCP' }).count(), 0);
        await screenshot(p, `mcp-share-01-context-menu-${theme}`);
        await chooseMenuItem(p, share);
        const dialog = p.locator('.monaco-dialog-box', { hasText: 'Let MCP clients steer' });
        await waitForVisible(p, dialog, { what: 'the share warning' });
        assert.match(await dialog.innerText(), /pre-approves "Bash"/);
        await screenshot(p, `mcp-share-02-warning-${theme}`);
        await dialog.getByRole('button', { name: 'Share with MCP' }).click();
        await waitForVisible(p, row.locator('.label-description', { hasText: 'shared with MCP' }), { what: 'the row saying it is shared' });

        await p.mouse.move(0, 0);
        await row.hover();
        const tooltip = p.locator('.monaco-hover', { hasText: 'MCP: shared' });
        await waitForVisible(p, tooltip, { what: 'the tooltip saying the session is shared', timeoutMs: 10_000 });
        await screenshot(p, `mcp-share-03-shared-tooltip-${theme}`);
        const stop = await contextMenuItem(p, row, 'Stop Sharing with MCP');
        await screenshot(p, `mcp-share-04-stop-sharing-menu-${theme}`);
        await chooseMenuItem(p, stop);
        await waitFor(p, async () => (await row.locator('.label-description', { hasText: 'shared with MCP' }).count()) === 0, { what: 'the row to stop saying it is shared' });
        await p.mouse.move(0, 0);
        await row.hover();
        await waitForVisible(p, p.locator('.monaco-hover', { hasText: 'MCP: not shared' }), { what: 'the tooltip saying it is not shared', timeoutMs: 10_000 });
        await p.mouse.move(0, 0);
      }
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

/** Shannon: New Session from the palette: the prompt, Enter on where it works and on the model step (the defaults). */
async function newSessionFromPalette(page: Page, prompt: string, screenshots: { prompt?: string; model?: string } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await startCommand(page, 'Shannon: New Session', 'New Claude Code Session');
  await input.fill(prompt);
  if (screenshots.prompt) await screenshot(page, screenshots.prompt);
  await input.press('Enter');
  await acceptPlaceStep(page);
  await waitForVisible(page, page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Default' }), { what: 'the model step' });
  if (screenshots.model) await screenshot(page, screenshots.model);
  await page.keyboard.press('Enter');
}

/** Closes editors (a session panel or output) so a permission ask has no panel to show in. */
async function closePanelEditors(page: Page): Promise<void> {
  await runCommand(page, 'View: Close All Editors').catch(() => undefined);
}
