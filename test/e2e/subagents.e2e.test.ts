/**
 * A subagent run in the session panel (issue 10, item 6), in a real VS Code (code-server) in
 * Chromium, with the real `claude` CLI and the offline demo's model: `agent look around` makes
 * Claude call the Agent tool, whose subagent lists the folder with `ls` and reports back.
 * - While it runs: the Agent card is open, says what the subagent does, and the subagent's
 *   prompt and Bash call sit nested under it.
 * - Once done: the card folds to one line with the run's figures (tool uses, tokens, time) and
 *   how many steps it folds; the subagent's rows are gone from view; Claude's reply follows.
 * - Unfolding shows the subagent's reply and its steps again.
 * Screenshots: test-results/e2e/subagents-*.png.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { demoReply, SUBAGENT_PROMPT } from '../support/demoModel';
import type { Responder } from '../support/fakeAnthropic';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor } from './support/browser';
import { realCliWorkbench } from './support/realCliWorkbench';
import { newSessionFromPalette, openShannonView, sessionPanel } from './support/shannonUi';

/** The subagent's report waits this long: time to see (and photograph) the run in progress. */
const REPORT_DELAY_MS = 8_000;

const responder: Responder = async (req) => {
  if (req.isMainTurn && req.allUserTexts[0]?.startsWith(SUBAGENT_PROMPT) && req.toolResults.length) await new Promise((r) => setTimeout(r, REPORT_DELAY_MS));
  return demoReply(req);
};

describe('a subagent run in the session panel', { timeout: 600_000 }, () => {
  const w = realCliWorkbench('subagents', responder);

  it('nests the subagent’s steps under its open Agent card while it runs, then folds them into one summary line that unfolds', async () => {
    await writeFile(path.join(w.folder, 'notes.md'), '# Notes\n');
    await writeFile(path.join(w.folder, 'plan.txt'), 'step one\n');
    const server = await w.start();
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, w.folder);
      const p = page;
      await openShannonView(p);
      await newSessionFromPalette(p, 'agent look around the folder');
      const panel = await sessionPanel(p);

      // 1. Running: the card is open, its line says what the subagent does, its steps are nested under it.
      const card = panel.locator('.tool-card.subagent');
      await waitFor(p, async () => (await panel.locator('.row-nested .tool-card', { hasText: 'Bash' }).count()) > 0, { what: 'the subagent’s Bash call nested under the Agent card', timeoutMs: 90_000 });
      assert.match(await card.locator('.tool-status').innerText(), /Running/);
      assert.equal(await card.locator('.tool-header .disclosure').getAttribute('aria-expanded'), 'true');
      const running = await card.locator('.subagent-line').innerText();
      assert.match(running, /general-purpose · Running List the folder · 1 tool use · .*tokens/);
      const prompt = panel.locator('.row-nested.row-user');
      assert.match(await prompt.innerText(), /Prompt to the subagent[\s\S]*look around the folder/);
      // Nested: indented past the card's left edge.
      const cardLeft = (await card.boundingBox())!.x;
      const nestedLeft = (await panel.locator('.row-nested .tool-card').first().boundingBox())!.x;
      assert.ok(nestedLeft > cardLeft + 10, `nested rows are indented (${nestedLeft} vs ${cardLeft})`);
      await screenshot(p, 'subagents-01-running');

      // 2. Done: folded to one summary line; the steps are out of view; Claude's own reply follows.
      await waitFor(p, async () => (await card.locator('.tool-status.ok').count()) > 0, { what: 'the Agent card done', timeoutMs: 60_000 });
      await waitFor(p, async () => (await panel.locator('.row-text', { hasText: 'The subagent reported back' }).count()) > 0, { what: 'Claude’s reply after the run', timeoutMs: 60_000 });
      assert.equal(await card.locator('.tool-header .disclosure').getAttribute('aria-expanded'), 'false');
      const summary = await card.locator('.subagent-line').innerText();
      assert.match(summary, /general-purpose · 1 tool use · [\d.]+k? tokens · [\d.]+ ?m?s · 2 steps folded/);
      assert.equal(await panel.locator('.row-nested:visible').count(), 0, 'the subagent’s rows are folded away');
      assert.equal(await card.locator('.subagent-reply').count(), 0);
      await screenshot(p, 'subagents-02-folded');

      // 3. Unfolded on demand: the subagent's reply (without the CLI's note to the model) and its steps.
      await card.locator('.tool-header .disclosure').click();
      await waitFor(p, async () => (await panel.locator('.row-nested:visible').count()) === 2, { what: "the two nested rows (the prompt, the Bash call) shown again" });
      const reply = await panel.locator('.tool-card.subagent .subagent-reply').innerText();
      assert.match(reply, /The folder holds \d+ entries: .*notes\.md/);
      assert.doesNotMatch(reply, /agentId|SendMessage|<usage>/);
      await screenshot(p, 'subagents-03-unfolded');
      await toggleTheme(p, panel);
      await screenshot(p, 'subagents-04-unfolded-dark');
      // Claude's own reply quotes the subagent's, not the CLI's note to the model either.
      assert.doesNotMatch(await panel.locator('.row-text', { hasText: 'The subagent reported back' }).innerText(), /agentId/);
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

async function toggleTheme(p: Page, panel: Frame): Promise<void> {
  const background = () => panel.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const before = await background();
  await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
  await waitFor(p, async () => (await background()) !== before, { what: 'the panel to follow the theme', timeoutMs: 15_000 });
}
