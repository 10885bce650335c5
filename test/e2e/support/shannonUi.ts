/** Finding Shannon's pieces of the workbench, as the browser tests do: its views, rows and steps. */
import type { Frame, Page } from 'playwright-core';
import { pickCommand, waitFor, waitForVisible, webviewOf } from './browser';

/**
 * Runs a palette command that goes on asking (quick picks, input boxes) and waits for its first
 * step, titled `stepTitle`. (runCommand waits for the palette to close.)
 */
export async function startCommand(page: Page, label: string, stepTitle: string): Promise<void> {
  // The palette lists an extension's commands once the (remote) extension host has read it,
  // which on a loaded machine can take well over half a minute after the page opens.
  await pickCommand(page, label, { timeoutMs: 120_000 });
  await waitForVisible(page, quickInputTitled(page, stepTitle), { what: `the "${stepTitle}" step of ${label}` });
}

/**
 * Runs a palette command that asks for one item (its picker reuses the palette's widget, so
 * runCommand's wait for the palette to close does not apply) and clicks the row holding
 * `itemText`. While the workbench restores after a reload it may take the focus back, which
 * closes a picker under the click; then the command is run again.
 */
export async function pickFromCommand(page: Page, label: string, itemText: string, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await pickCommand(page, label, { timeoutMs: 60_000 });
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: itemText }).first();
    try {
      await waitForVisible(page, row, { what: `${itemText} in the ${label} picker`, timeoutMs: 30_000 });
      await row.click({ timeout: 10_000 });
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await page.keyboard.press('Escape').catch(() => undefined);
    }
  }
}

export function quickInputTitled(page: Page, title: string) {
  return page.locator('.quick-input-widget .quick-input-title', { hasText: title });
}

/** A view's pane in the side bar, by the name in its header. */
export function pane(page: Page, name: string) {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^\\s*${name}`) }) });
}

export function sessionsPane(page: Page) {
  return pane(page, 'Sessions');
}

export function treeRow(page: Page, text: string) {
  return sessionsPane(page).locator('.monaco-list-row', { hasText: text });
}

/** Opens the Shannon container (its icon appears once the extension host has started: slow on a busy machine). */
export async function openShannonView(page: Page): Promise<void> {
  const icon = page.locator('.activitybar .action-item a[aria-label^="Shannon"]').first();
  await waitForVisible(page, icon, { what: 'the Shannon activity bar icon', timeoutMs: 180_000 });
  // Clicking an open container closes it: click only when the view does not show (after a
  // reload the workbench may still be restoring it), and again if that click closed it.
  const shown = () => sessionsPane(page).waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
  if (!(await shown())) await icon.click();
  if (!(await shown())) await icon.click();
  await waitForVisible(page, sessionsPane(page), { what: 'the Sessions view' });
}

/** New Session's "where it works" step: in this folder. (A click, not Enter: a key pressed while the step is still being drawn can be lost.) */
export async function acceptPlaceStep(page: Page): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'In this folder' });
  await waitForVisible(page, row, { what: 'the where-it-works step' });
  await row.first().click();
}

/** The content document of Shannon's session panel. */
export function sessionPanel(page: Page, timeoutMs = 60_000): Promise<Frame> {
  return webviewOf(page, 'shannon.shannon', '#app .composer', { timeoutMs, what: "Shannon's session panel" });
}

/** Types `text` in the panel's message box, presses Enter, and waits for it in the transcript. */
export async function sendFromPanel(page: Page, panel: Frame, text: string): Promise<void> {
  const box = panel.locator('#composer-input');
  await waitFor(page, () => box.isEnabled(), { what: 'the message box enabled' });
  await box.fill(text);
  await box.press('Enter');
  await waitFor(page, async () => (await panel.locator('.row-user', { hasText: text }).count()) > 0, { what: `the prompt "${text}" in the transcript`, timeoutMs: 30_000 });
}

/** New Session's steps once its prompt box is up: the prompt, in this folder, on the default model. */
export async function answerNewSessionSteps(page: Page, prompt: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitForVisible(page, input, { what: 'the prompt input box' });
  await input.fill(prompt);
  await input.press('Enter');
  await acceptPlaceStep(page);
  const model = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Default' });
  await waitForVisible(page, model, { what: 'the model step' });
  await model.first().click();
}

/** New Session from the palette with a first prompt, in this folder, on the default model. */
export async function newSessionFromPalette(page: Page, prompt: string): Promise<void> {
  await startCommand(page, 'Shannon: New Session', 'New Claude Code');
  await answerNewSessionSteps(page, prompt);
}
