/**
 * Which sessions touched a file, in a real VS Code (code-server) with the real CLI: a session's
 * Write gives the file a "C" badge in the Explorer, its hover naming the session; after
 * Developer: Reload Window, "Sessions That Touched This File" (the file's context menu in the
 * Explorer) lists the session and opens its panel at the Write.
 * Screenshots: test-results/e2e/touched-*.png.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { sideCallReply, type Responder } from '../support/fakeAnthropic';
import { chooseMenuItem, closeWorkbench, contextMenuItem, openWorkbench, reloadWindow, runCommand, screenshot, waitFor, waitForVisible } from './support/browser';
import { realCliWorkbench } from './support/realCliWorkbench';
import { newSession, panelShowing, tabs } from './support/sessions';
import { openShannonView, sessionPanel } from './support/shannonUi';

const TITLE = 'Write the greeting';
const FILE = 'greeting.md';
const WROTE = 'Wrote the greeting file.';

describe('sessions that touched a file', { timeout: 600_000 }, () => {
  const responder: Responder = (req) => {
    if (!req.isMainTurn) return sideCallReply(req);
    if (req.toolResults.length) return { blocks: [{ type: 'text', text: req.toolResults[0]!.is_error ? `Refused: ${req.toolResults[0]!.content.slice(0, 80)}` : WROTE }] };
    return { blocks: [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(w.folder, FILE), content: '# Hello from Claude\n' } }] };
  };
  const w = realCliWorkbench('touched', responder);

  it('badges the file a live session wrote, and after a reload finds that session from the file', async () => {
    const server = await w.start();
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, w.folder);
      const p = page;
      await newSession(p, TITLE);
      // The Write asks first, as it does for a person: Accept it in the panel.
      const asking = await sessionPanel(p);
      const accept = asking.getByRole('button', { name: 'Accept', exact: true });
      await waitForVisible(p, accept, { what: 'the Write permission ask', timeoutMs: 90_000 });
      await accept.click();
      await panelShowing(p, WROTE);
      assert.equal(readFileSync(path.join(w.folder, FILE), 'utf8'), '# Hello from Claude\n', 'the CLI wrote the file');

      // 1. The Explorer: the file carries the badge while the session is live; its hover names it.
      await runCommand(p, 'View: Show Explorer');
      const row = explorerRow(p, FILE);
      await waitForVisible(p, row, { what: `${FILE} in the Explorer`, timeoutMs: 30_000 });
      await waitFor(p, async () => (await badgeOf(row)) === 'C', { what: `the "C" badge on ${FILE}`, timeoutMs: 30_000 });
      assert.equal(await badgeOf(explorerRow(p, 'README.md')), '', 'a file no session touched has no badge');
      await row.hover();
      const hover = p.locator('.monaco-hover, .workbench-hover', { hasText: `Changed by session "${TITLE}"` });
      await waitForVisible(p, hover.first(), { what: 'the hover naming the session', timeoutMs: 15_000 });
      await screenshot(p, 'touched-01-explorer-badge');

      // 2. Reload the window: the session is no longer running, the store still knows.
      await reloadWindow(p);
      await runCommand(p, 'View: Show Explorer');
      const again = explorerRow(p, FILE);
      await waitForVisible(p, again, { what: `${FILE} in the Explorer after the reload`, timeoutMs: 60_000 });
      await openShannonView(p); // waits for the extension to be up again
      await runCommand(p, 'View: Show Explorer');
      // The session's tab came back with the window: close it, so the pick has to open it.
      await runCommand(p, 'View: Close All Editors');
      await waitFor(p, async () => (await tabs(p, TITLE).count()) === 0, { what: "the session's tab closed" });

      // 3. The file's context menu in the Explorer: the session, newest first, and its panel at the Write.
      await chooseMenuItem(p, await contextMenuItem(p, explorerRow(p, FILE), 'Sessions That Touched This File', { timeoutMs: 60_000 }));
      const pick = p.locator('.quick-input-widget .monaco-list-row', { hasText: TITLE });
      await waitForVisible(p, pick.first(), { what: 'the session in the list', timeoutMs: 20_000 });
      assert.match(await pick.first().innerText(), /Write/);
      assert.match(await p.locator('.quick-input-widget .quick-input-title').innerText(), new RegExp(`Sessions That Touched ${FILE.replace('.', '\\.')}`));
      await screenshot(p, 'touched-02-sessions-that-touched');
      await pick.first().click();
      await waitForVisible(p, p.locator('.tab.active', { hasText: TITLE }), { what: "the session's panel in front", timeoutMs: 30_000 });
      const panel = await sessionPanel(p);
      // Revealed like a search hit: the row of the Write, marked for a moment.
      await waitFor(p, async () => (await panel.locator('.row.search-hit', { hasText: FILE }).count()) > 0, { what: `the Write of ${FILE} revealed in the panel`, timeoutMs: 30_000 });
      await screenshot(p, 'touched-03-opened-at-the-write');
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

function explorerRow(page: Page, name: string) {
  return page.locator('.explorer-folders-view .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) }).first();
}

/** The decoration badge VS Code draws after the label (a CSS `::after`), '' without one. */
async function badgeOf(row: ReturnType<typeof explorerRow>): Promise<string> {
  if ((await row.count()) === 0) return '';
  return row.evaluate((el) => {
    for (const node of [el, ...el.querySelectorAll('*')]) {
      const content = getComputedStyle(node, '::after').content;
      if (content && content !== 'none' && content !== 'normal' && content !== '""') return content.replace(/^"|"$/g, '');
    }
    return '';
  });
}
