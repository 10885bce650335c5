/**
 * Opening a search hit, in a real VS Code (code-server) with the real CLI: the panel scrolls to
 * the turn that matched, far above the latest one, and marks the matched word in it.
 * Screenshots (light and dark): test-results/e2e/search-*.png.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { sideCallReply, type Responder } from '../support/fakeAnthropic';
import { realCliWorkbench } from './support/realCliWorkbench';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, waitForVisible, webviewFrame } from './support/browser';
import { startCommand } from './support/shannonUi';
import { newSession, panelShowing } from './support/sessions';

const TITLE = 'Search reveal session';
const WORD = 'zebracorn';

/** Long replies: a few turns are many screens. The first one holds the word searched for. */
const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const prompt = req.allUserTexts.at(-1) ?? req.latestUserText;
  const filler = Array.from({ length: 40 }, (_, i) => `Line ${i + 1} of the reply to "${prompt}".`).join('\n\n');
  const first = prompt === TITLE;
  return { blocks: [{ type: 'text', text: first ? `The word is ${WORD}, once.\n\n${filler}` : filler }] };
};

describe('opening a search hit', { timeout: 600_000 }, () => {
  const w = realCliWorkbench('search', responder);

  it('scrolls the panel to the matching turn and marks the word, in light and dark', async () => {
    const server = await w.start();
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, w.folder);
      const p = page;
      await newSession(p, TITLE);
      await panelShowing(p, WORD);
      // The start notification ("Starting Claude Code…") goes once the reply is there.
      const starting = p.locator('.notification-toast', { hasText: /Starting Claude Code|Waiting for the first reply/ });
      await waitFor(p, async () => (await starting.count()) === 0, { what: 'the start notification gone after the reply', timeoutMs: 10_000 });
      const panel = await webviewFrame(p, async (f) => (await f.locator('#composer-input').count()) > 0, { what: 'the session panel' });
      for (const turn of ['second turn', 'third turn', 'fourth turn']) await sendFromPanel(p, panel, turn);
      await waitFor(p, async () => !(await inView(panel, panel.locator('.row-text', { hasText: WORD }).first())), { what: 'the first reply scrolled out of view' });

      await openHit(p);
      const mark = panel.locator('mark.search-term', { hasText: WORD });
      await waitFor(p, async () => (await mark.count()) > 0 && (await inView(panel, mark.first())), { what: `"${WORD}" marked and in view`, timeoutMs: 20_000 });
      await screenshot(p, 'search-01-hit-revealed-light');

      // Dark: scroll away, open the hit again.
      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
      await panel.getByRole('button', { name: 'Jump to the latest message' }).click();
      await waitFor(p, async () => !(await inView(panel, panel.locator('.row-text', { hasText: WORD }).first())), { what: 'back at the latest turn' });
      await openHit(p);
      await waitFor(p, async () => (await mark.count()) > 0 && (await inView(panel, mark.first())), { what: `"${WORD}" marked again`, timeoutMs: 20_000 });
      await screenshot(p, 'search-02-hit-revealed-dark');
      assert.equal(await mark.first().innerText(), WORD);
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

/**
 * Searches for WORD and opens the hit. A webview redrawn after the theme change may take the
 * focus, which closes the picker between opening and typing (the input turns inert, then
 * hidden); then the search is opened again.
 */
async function openHit(page: Page, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await startCommand(page, 'Shannon: Search Sessions', 'Search Sessions');
    try {
      await page.locator('.quick-input-widget .quick-input-box input').fill(WORD, { timeout: 10_000 });
      const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: TITLE }).first();
      await waitForVisible(page, item, { what: 'the hit in Search Sessions', timeoutMs: 20_000 });
      await item.click({ timeout: 10_000 });
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await page.keyboard.press('Escape').catch(() => undefined);
    }
  }
}

async function inView(frame: Frame, locator: ReturnType<Frame['locator']>): Promise<boolean> {
  if ((await locator.count()) === 0) return false;
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  });
}

async function sendFromPanel(page: Page, panel: Frame, text: string): Promise<void> {
  const box = panel.locator('#composer-input');
  await waitFor(page, () => box.isEnabled(), { what: 'the message box enabled' });
  await box.fill(text);
  await box.press('Enter');
  await waitFor(page, async () => (await panel.locator('.row-result').count()) >= 1 && (await panel.locator('.row-user', { hasText: text }).count()) > 0, { what: `the prompt "${text}"`, timeoutMs: 30_000 });
  await waitFor(page, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle after the turn', timeoutMs: 60_000 });
}
