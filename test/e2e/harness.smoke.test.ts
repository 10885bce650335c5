/**
 * Proves the e2e harness end to end: Shannon's real .vsix installs into a real VS Code
 * (code-server), the workbench renders in Chromium, and a suite runs inside the extension host
 * against the real `vscode` API.
 */
import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitForText, waitForVisible, webviewFrame } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { reportHostResults, runHostTestsReport } from './support/hostTests';
import { buildShannonVsix } from './support/vsix';

describe('e2e harness: Shannon in a real VS Code', { timeout: 300_000 }, () => {
  let vsixPath: string;
  let folder: string;

  before(async () => {
    vsixPath = await buildShannonVsix();
    folder = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-e2e-ws-')));
    await writeFile(path.join(folder, 'hello.md'), '# Hello from the e2e workspace\n\nSome *markdown*.\n');
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('opens the workbench on the folder, runs palette commands and finds a webview document', async () => {
    const server = await startCodeServer({ vsixPath, folder });
    try {
      const page = await openWorkbench(server.url, folder);
      try {
        // The explorer lists the folder's file: the workbench is really open on it.
        const file = await waitForVisible(page, page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'hello.md' }), { what: 'hello.md in the explorer' });
        await file.click();
        await waitForVisible(page, page.locator('.editor-instance .view-lines', { hasText: 'Hello from the e2e workspace' }), { what: 'hello.md in an editor' });
        // The built-in Markdown preview is a real webview: the same nesting Shannon's views get.
        await runCommand(page, 'Markdown: Open Preview to the Side');
        const preview = await webviewFrame(page, async (frame, info) => info.extensionId === 'vscode.markdown-language-features' && (await frame.locator('h1').count()) > 0, {
          what: 'the Markdown preview webview',
        });
        await waitForText(page, preview, 'Hello from the e2e workspace');
        await runCommand(page, 'View: Toggle Output');
        await waitForVisible(page, page.locator('.part.panel'), { what: 'the panel with the Output view' });
        const shot = await screenshot(page, 'harness-smoke-workbench');
        assert.ok(shot.endsWith('.png'));
      } finally {
        await closeWorkbench(page);
      }
    } finally {
      await server.stop();
    }
  });

  it('runs a suite inside the extension host, where Shannon activates and the MCP API exists', async (t) => {
    const report = await runHostTestsReport({
      vsixPath,
      testEntry: path.join(import.meta.dirname, 'harness.smoke.host.ts'),
      folder,
      screenshotName: 'harness-smoke-host-tests',
    });
    assert.match(report.vscodeVersion, /^1\.139\./);
    await reportHostResults(t, report.results);
    assert.ok(report.results.every((r) => r.ok), 'every host test passes');
  });
});
