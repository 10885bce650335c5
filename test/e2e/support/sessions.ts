/** Sessions as a person starts and finds them in the browser tests: New Session, its tab, its panel. */
import type { Page } from 'playwright-core';
import { waitForVisible, webviewFrame } from './browser';
import { acceptPlaceStep, openShannonView, startCommand } from './shannonUi';

/** The editor tabs titled `title` (a session panel's tab carries the session's title). */
export function tabs(page: Page, title: string) {
  return page.locator('.tabs-container .tab', { hasText: title });
}

/** New Session from the palette with this prompt, in the folder, default model; waits for its tab. */
export async function newSession(page: Page, prompt: string): Promise<void> {
  await openShannonView(page); // waits for the extension to be up
  await startCommand(page, 'Shannon: New Session', 'New Claude Code');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitForVisible(page, input, { what: 'the prompt input box' });
  await input.fill(prompt);
  await input.press('Enter');
  await acceptPlaceStep(page);
  await waitForVisible(page, page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Default' }), { what: 'the model step' });
  await page.keyboard.press('Enter');
  await waitForVisible(page, page.locator('.tab.active', { hasText: prompt }), { what: `the tab of "${prompt}"`, timeoutMs: 60_000 });
}

/** Some session panel on screen shows `text` (its reply). */
export async function panelShowing(page: Page, text: string): Promise<void> {
  await webviewFrame(page, async (frame) => (await frame.locator('.row-text', { hasText: text }).count()) > 0, { what: `a panel showing "${text}"`, timeoutMs: 90_000 });
}
