/**
 * What a person sees when a turn does not simply succeed (issue 8, items 3 and 4), in a real VS
 * Code (code-server) in Chromium, with the real `claude` CLI and the fake Anthropic API:
 * - Stop during a tool call: the tool card and the turn read "Stopped by you" in neutral
 *   colours, not a red "Error" with the CLI's "STOP what you are doing…" note to the model; the
 *   screen-reader status says the turn was stopped.
 * - A model the API does not know: the panel's error card says so and offers Change Model…;
 *   picking another model there lets the next message in the same session answer.
 * Screenshots, light and dark: test-results/e2e/turn-*.png.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { modelNotFound, sideCallReply, type Responder } from '../support/fakeAnthropic';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, waitForVisible, webviewFrame } from './support/browser';
import { realCliWorkbench } from './support/realCliWorkbench';
import { acceptPlaceStep, openShannonView, startCommand } from './support/shannonUi';

const BAD_MODEL = 'no-such-model-xyz';
const SLOW_COMMAND = 'sleep 30';

const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  if (String(req.body?.model ?? '').startsWith(BAD_MODEL)) return modelNotFound(String(req.body.model));
  const text = req.allUserTexts.at(-1) ?? req.latestUserText;
  if (req.toolResults.length > 0) return { blocks: [{ type: 'text', text: 'After the tool.' }] };
  if (text.includes('slow command')) {
    return {
      blocks: [
        { type: 'text', text: 'Running the slow command.' },
        { type: 'tool_use', name: 'Bash', input: { command: SLOW_COMMAND, description: 'Wait half a minute' } },
      ],
    };
  }
  return { blocks: [{ type: 'text', text: `You said: ${text}` }] };
};

describe('turns that stop or fail, in the session panel', { timeout: 600_000 }, () => {
  const w = realCliWorkbench('turns', responder);

  it('a stop during a tool call reads as stopped; a bad model shows an error card whose Change Model fixes the session', async () => {
    const server = await w.start({ 'shannon.allowedTools': [`Bash(${SLOW_COMMAND})`] });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, w.folder);
      const p = page;

      // The palette knows Shannon's commands once the extension host has started it.
      await openShannonView(p);

      // 1. A session whose tool call runs for half a minute; Stop while it runs.
      await newSession(p, 'Run the slow command', 'Default');
      const panel = await sessionPanel(p, 'Run the slow command');
      const bashCard = panel.locator('.tool-card', { hasText: 'Bash' }).last();
      await waitFor(p, async () => (await bashCard.locator('.tool-status.running').count()) > 0, { what: 'the Bash card running', timeoutMs: 60_000 });
      await panel.getByTestId('stop').click();
      await waitFor(p, async () => (await bashCard.locator('.tool-status.stopped').count()) > 0, { what: 'the Bash card marked stopped', timeoutMs: 30_000 });
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle after the stop', timeoutMs: 30_000 });
      assert.equal(await bashCard.locator('.tool-status').innerText(), 'Stopped by you');
      assert.equal(await panel.locator('.tool-card.error').count(), 0, 'no tool card is marked as an error');
      const footer = panel.locator('.turn-footer').last();
      assert.match(await footer.innerText(), /Stopped by you/);
      assert.equal(await footer.evaluate((el) => el.classList.contains('stopped') && !el.classList.contains('error')), true);
      const transcript = await panel.locator('.transcript').innerText();
      assert.doesNotMatch(transcript, /STOP what you are doing|doesn.t want to proceed|Turn failed|Stopped by an error/);
      assert.equal(await panel.locator('.visually-hidden[aria-live="polite"]').innerText(), 'You stopped the turn.');
      // Neutral: the stopped status has the muted colour, not the error colour.
      // (A string, not a function: tsx's helpers do not exist in the page.)
      const colours = (await panel.evaluate(`(() => {
        const colourOf = (cls) => { const el = document.createElement('span'); el.className = cls; document.body.append(el); const c = getComputedStyle(el).color; el.remove(); return c; };
        return { stopped: getComputedStyle(document.querySelector('.tool-status.stopped')).color, muted: colourOf('muted'), error: colourOf('tool-status error') };
      })()`)) as { stopped: string; muted: string; error: string };
      assert.equal(colours.stopped, colours.muted);
      assert.notEqual(colours.stopped, colours.error);
      // A Bash card is open by default: what it says instead of the CLI's note to the model.
      assert.match(await bashCard.innerText(), /You stopped this before it finished\./);
      await screenshot(p, 'turn-01-stopped-light');
      await toggleTheme(p, panel);
      await screenshot(p, 'turn-02-stopped-dark');
      await toggleTheme(p, panel);

      // 2. A session on a model the API does not know: the error card offers Change Model….
      await newSession(p, 'Hello with a bad model', 'Other…', BAD_MODEL);
      const bad = await sessionPanel(p, 'Hello with a bad model');
      const card = bad.getByTestId('session-error');
      await waitForVisible(p, card, { what: 'the error card', timeoutMs: 60_000 });
      assert.match(await card.innerText(), new RegExp(`"${BAD_MODEL}" does not exist`));
      assert.doesNotMatch(await card.innerText(), /Run --model/);
      assert.match(await bad.locator('.state-badge').innerText(), /Idle/, 'the session stays open for the fix');
      const fix = bad.getByTestId('session-error-fix');
      assert.equal(await fix.innerText(), 'Change Model…');
      await screenshot(p, 'turn-03-model-error-light');
      await toggleTheme(p, bad);
      await screenshot(p, 'turn-04-model-error-dark');
      await toggleTheme(p, bad);

      await fix.click();
      const haiku = p.locator('.quick-input-widget .monaco-list-row', { hasText: 'haiku' });
      await waitForVisible(p, haiku, { what: 'the model picker', timeoutMs: 20_000 });
      await haiku.click();
      await waitFor(p, async () => !(await card.isVisible()), { what: 'the error card gone once the model changed', timeoutMs: 20_000 });
      const box = bad.locator('#composer-input');
      await box.fill('Are you there now?');
      await box.press('Enter');
      await waitFor(p, async () => (await bad.locator('.row-text', { hasText: 'You said: Are you there now?' }).count()) > 0, { what: 'the reply on the new model', timeoutMs: 60_000 });
      assert.equal(await card.isVisible(), false);
      assert.match(String(w.api.mainTurns.at(-1)?.body?.model), /haiku/);
      await screenshot(p, 'turn-05-after-change-model');
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

async function newSession(p: Page, prompt: string, model: 'Default' | 'Other…', typed?: string): Promise<void> {
  // startCommand, not runCommand: the palette becomes the prompt box, it never "closes".
  await startCommand(p, 'Shannon: New Session', 'New Claude Code Session');
  const input = p.locator('.quick-input-widget .quick-input-box input');
  await waitForVisible(p, input, { what: 'the prompt input box' });
  await input.fill(prompt);
  await input.press('Enter');
  await acceptPlaceStep(p);
  const row = p.locator('.quick-input-widget .monaco-list-row', { hasText: model });
  await waitForVisible(p, row, { what: `the model step's ${model}` });
  await row.click();
  if (typed) {
    await waitForVisible(p, p.locator('.quick-input-widget .quick-input-title', { hasText: 'model' }), { what: 'the model name box' });
    await input.fill(typed);
    await input.press('Enter');
  }
}

async function toggleTheme(p: Page, panel: Frame): Promise<void> {
  const background = () => panel.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const before = await background();
  await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
  await waitFor(p, async () => (await background()) !== before, { what: 'the panel to follow the theme', timeoutMs: 15_000 });
}

/** The content document of the session panel whose title is `title`. */
function sessionPanel(page: Page, title: string, timeoutMs = 60_000): Promise<Frame> {
  return webviewFrame(page, async (frame, info) => info.extensionId === 'shannon.shannon' && (await frame.locator('#app h1.title', { hasText: title }).count()) > 0, {
    timeoutMs,
    what: `Shannon's session panel for "${title}"`,
  });
}
