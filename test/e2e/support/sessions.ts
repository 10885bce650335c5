/** Sessions as a person starts and finds them in the browser tests: New Session, its tab, its panel. */
import type { Page } from 'playwright-core';
import { waitForVisible, webviewFrame } from './browser';
import { answerNewSessionSteps, openShannonView, startCommand } from './shannonUi';

/** The editor tabs titled `title` (a session panel's tab carries the session's title). */
export function tabs(page: Page, title: string) {
  return page.locator('.tabs-container .tab', { hasText: title });
}

/** New Session from the palette with this prompt, in the folder, default model; waits for its tab. */
export async function newSession(page: Page, prompt: string): Promise<void> {
  await openShannonView(page); // waits for the extension to be up
  await startCommand(page, 'Shannon: New Session', 'New Claude Code');
  await answerNewSessionSteps(page, prompt);
  await waitForVisible(page, page.locator('.tab.active', { hasText: prompt }), { what: `the tab of "${prompt}"`, timeoutMs: 60_000 });
}

/** Some session panel on screen shows `text` (its reply). */
export async function panelShowing(page: Page, text: string): Promise<void> {
  await webviewFrame(page, async (frame) => (await frame.locator('.row-text', { hasText: text }).count()) > 0, { what: `a panel showing "${text}"`, timeoutMs: 90_000 });
}
