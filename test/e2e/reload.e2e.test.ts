/**
 * Session tabs across Reload Window, in a real VS Code (code-server) with the real CLI. VS Code
 * restores a webview tab in the background only when it is next shown, so right after a reload
 * a session's tab can exist without Shannon having its panel yet. A person's path:
 * two sessions, each in its tab → reload → click the background one in the Sessions tree: its one
 * tab comes forward (no second tab, none vanishing) → reload → delete the session whose tab waits
 * in the background → click that tab: it closes itself and says the session was deleted. Along
 * the way the palette lists Interrupt only while a turn runs, and Delete Session only once there
 * are sessions, also after the reload (keys the extension host sets).
 * Screenshots: test-results/e2e/reload-*.png.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { sideCallReply, type Responder } from '../support/fakeAnthropic';
import { realCliWorkbench } from './support/realCliWorkbench';
import { closeWorkbench, openWorkbench, paletteLists, reloadWindow, screenshot, waitFor, waitForVisible } from './support/browser';
import { openShannonView, pickFromCommand, sessionsPane, treeRow } from './support/shannonUi';
import { newSession, panelShowing, tabs } from './support/sessions';

const ALPHA = 'Alpha reload session';
const BETA = 'Beta reload session';
const NEW = 'Shannon: New Session';
const DELETE = 'Shannon: Delete Session';
const INTERRUPT = 'Shannon: Interrupt';

/** Alpha's first reply waits for this: the palette is looked at while a turn runs. */
let releaseAlpha: () => void = () => undefined;
const alphaReleased = new Promise<void>((resolve) => (releaseAlpha = resolve));

const responder: Responder = async (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const prompt = req.allUserTexts.at(-1) ?? req.latestUserText;
  if (prompt === ALPHA) await alphaReleased;
  return { blocks: [{ type: 'text', text: `Reply to ${prompt}` }] };
};

describe('session tabs across Reload Window', { timeout: 600_000 }, () => {
  const w = realCliWorkbench('reload', responder);

  it('a session clicked after a reload has one tab; a deleted session\'s restored tab closes itself and says why', async () => {
    const server = await w.start();
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, w.folder);
      const p = page;
      // The palette lists a command where it can act: nothing to delete or interrupt yet.
      await openShannonView(p);
      assert.equal(await paletteLists(p, DELETE, NEW), false, 'no Delete Session without sessions');
      await newSession(p, ALPHA);
      await waitFor(p, () => paletteLists(p, INTERRUPT, NEW), { what: 'Interrupt listed while a turn runs', timeoutMs: 60_000 });
      releaseAlpha();
      await panelShowing(p, `Reply to ${ALPHA}`);
      await waitFor(p, async () => !(await paletteLists(p, INTERRUPT, NEW)), { what: 'Interrupt gone once the turn ended', timeoutMs: 60_000 });
      await newSession(p, BETA);
      await panelShowing(p, `Reply to ${BETA}`);
      assert.equal(await tabs(p, ALPHA).count(), 1);

      // Reload: Beta's tab is in front (restored at once), Alpha's waits in the background.
      await reloadWindow(p);
      await waitFor(p, async () => (await tabs(p, ALPHA).count()) === 1 && (await tabs(p, BETA).count()) === 1, { what: 'both tabs restored', timeoutMs: 60_000 });
      await sessionsAgain(p);
      await treeRow(p, ALPHA).first().click();
      await waitForVisible(p, p.locator('.tab.active', { hasText: ALPHA }), { what: "Alpha's tab in front" });
      await panelShowing(p, `Reply to ${ALPHA}`);
      await screenshot(p, 'reload-01-clicked-after-reload');
      assert.equal(await tabs(p, ALPHA).count(), 1, 'one tab for the session, not a second one');
      assert.equal(await tabs(p, BETA).count(), 1, 'the other tab stays');

      // Reload again: now Beta waits in the background. Delete it, then click its tab.
      await reloadWindow(p);
      await waitFor(p, async () => (await tabs(p, BETA).count()) === 1, { what: "Beta's restored tab", timeoutMs: 60_000 });
      await sessionsAgain(p);
      await deleteSession(p, BETA);
      await waitFor(p, async () => (await treeRow(p, BETA).count()) === 0, { what: 'Beta gone from the tree', timeoutMs: 20_000 });
      if ((await tabs(p, BETA).count()) > 0) await tabs(p, BETA).first().click();
      await waitFor(p, async () => (await tabs(p, BETA).count()) === 0, { what: "the deleted session's tab closed", timeoutMs: 20_000 });
      assert.equal(await p.getByText(/There is no session with id/).count(), 0, 'no bare "There is no session with id"');
      await screenshot(p, 'reload-02-deleted-session-tab-closed');
      assert.equal(await tabs(p, ALPHA).count(), 1);
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

/** After a reload the side bar restores the Sessions view by itself (its icon may still show a progress badge). */
async function sessionsAgain(page: Page): Promise<void> {
  await waitForVisible(page, sessionsPane(page), { what: 'the Sessions view restored', timeoutMs: 90_000 }).catch(() => openShannonView(page));
}

/** Delete Session from the palette, confirmed. */
async function deleteSession(page: Page, title: string): Promise<void> {
  await pickFromCommand(page, DELETE, title);
  await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Delete' }).click();
}
