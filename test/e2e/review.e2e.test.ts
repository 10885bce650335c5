/**
 * Reviewing Claude's changes in a real VS Code (code-server) with the real CLI (fake API):
 * a Write opens the diff editor by itself with the proposed text; Reject (title bar) leaves the
 * file byte for byte as it was; an Edit after a Read opens its diff, the user changes the right
 * side, Accept (title bar) leaves exactly that on disk. Then a plan card and a question card.
 * Screenshots: test-results/e2e/review-*.png.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeAnthropicApi, sideCallReply, type Responder } from '../support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, type HermeticClaudeEnv } from '../support/realCli';
import { closeWorkbench, openWorkbench, screenshot, waitFor, waitForVisible } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { newSessionFromPalette, openShannonView, sessionPanel } from './support/shannonUi';
import { buildShannonVsix } from './support/vsix';

const CONFIG = 'config.json';
const NOTES = 'notes.md';
const CONFIG_TEXT = '{\r\n  "keep": "exactly this"\r\n}\r\n';
let dir = '';

const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const text = req.allUserTexts.at(-1) ?? '';
  const done = req.toolResults[0];
  // The CLI refuses a Write or Edit of an existing file not read first: Read, then change it.
  if (done?.tool_use_id === 'toolu_read_config') {
    return { blocks: [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(dir, CONFIG), content: '{ "replaced": true }\n' } }] };
  }
  if (done?.tool_use_id === 'toolu_read_notes') {
    return { blocks: [{ type: 'tool_use', id: 'toolu_edit_notes', name: 'Edit', input: { file_path: path.join(dir, NOTES), old_string: 'first draft', new_string: 'second draft, by Claude' } }] };
  }
  if (done) return { blocks: [{ type: 'text', text: done.is_error ? `Refused: ${done.content.slice(0, 80)}` : 'Done.' }] };
  if (text.includes('Overwrite the config')) {
    return { blocks: [{ type: 'tool_use', id: 'toolu_read_config', name: 'Read', input: { file_path: path.join(dir, CONFIG) } }] };
  }
  if (text.includes('Edit the notes')) return { blocks: [{ type: 'tool_use', id: 'toolu_read_notes', name: 'Read', input: { file_path: path.join(dir, NOTES) } }] };
  return { blocks: [{ type: 'text', text: `You said: ${text}` }] };
};

describe('reviewing edits in a real VS Code', { timeout: 600_000 }, () => {
  let vsixPath: string;
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;

  before(async () => {
    vsixPath = await buildShannonVsix();
    api = await FakeAnthropicApi.start(responder);
    claude = await hermeticClaudeEnv(api, { CLAUDE_CODE_MAX_RETRIES: '0' });
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-e2e-review-')));
    await writeFile(path.join(dir, CONFIG), CONFIG_TEXT);
    await writeFile(path.join(dir, NOTES), '# Notes\n\nThe first draft.\n');
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens the diff by itself; Reject leaves the file as it was; an edited right side is what Accept writes', async () => {
    const server = await startCodeServer({ vsixPath, folder: dir, env: { ...claude.env, SHANNON_CLAUDE_PATH: CLAUDE_BIN } });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, dir);
      const p = page;
      // The extension host can take minutes to start on a loaded machine: wait for Shannon's view.
      await openShannonView(p);
      await newSessionFromPalette(p, 'Overwrite the config');

      // 1. The Write: the diff editor opens by itself, the proposed text on the right.
      const diff = p.locator('.monaco-diff-editor');
      await waitForVisible(p, diff, { what: 'the review diff, opened by itself', timeoutMs: 90_000 });
      await waitFor(p, async () => (await diff.innerText()).includes('"replaced"'), { what: 'the proposed content in the diff' });
      await waitForVisible(p, p.locator('.tab', { hasText: `${CONFIG} (Write: on disk ↔ Claude's proposal, editable)` }), { what: 'the review tab title' });
      let panel = await sessionPanel(p);
      const card = panel.locator('.permission-card');
      await waitForVisible(p, card, { what: 'the Write card' });
      assert.ok(await card.getByRole('button', { name: 'Accept' }).isVisible());
      await screenshot(p, 'review-01-write-diff');
      // The diff opened without taking the focus; VS Code shows a group's title-bar actions only
      // while that group is active (workbench.editor.alwaysShowEditorActions): click into it.
      await diff.locator('.editor.modified .view-lines').last().click();
      await p.locator('.editor-actions [aria-label="Reject Change…"]').first().click();
      const reason = p.locator('.quick-input-widget .quick-input-box input');
      await waitForVisible(p, reason, { what: 'the reason box' });
      await reason.fill('keep the config');
      await reason.press('Enter');
      await waitFor(p, async () => (await panel.locator('.row-text', { hasText: 'Refused' }).count()) > 0, { what: 'Claude hearing the rejection', timeoutMs: 60_000 });
      assert.equal(readFileSync(path.join(dir, CONFIG), 'utf8'), CONFIG_TEXT, 'byte for byte unchanged');
      assert.match(await panel.locator('.row-text', { hasText: 'Refused' }).last().innerText(), /keep the config/);
      await waitFor(p, async () => (await diff.count()) === 0, { what: 'the review diff closed once answered' });

      // 2. The Edit after a Read: the user adds a line on the right, then Accept.
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle', timeoutMs: 30_000 });
      const box = panel.locator('#composer-input');
      await box.fill('Edit the notes');
      await box.press('Enter');
      await waitForVisible(p, diff, { what: 'the Edit review diff', timeoutMs: 90_000 });
      await waitFor(p, async () => (await diff.innerText()).replace(/\u00a0/g, ' ').includes('second draft, by Claude'), { what: 'the proposed edit in the diff' });
      const right = diff.locator('.editor.modified .view-lines').last();
      await right.click();
      await p.keyboard.press('Control+End');
      await p.keyboard.type('A line the user added.\n');
      await waitFor(p, async () => (await diff.innerText()).replace(/\u00a0/g, ' ').includes('A line the user added.'), { what: 'the typed line in the right side' });
      await screenshot(p, 'review-02-edit-diff-changed-by-user');
      await p.locator('.editor-actions [aria-label="Accept Change"]').first().click();
      await waitFor(p, () => readFileSync(path.join(dir, NOTES), 'utf8').includes('A line the user added.'), { what: 'the user’s version on disk', timeoutMs: 60_000 });
      assert.equal(readFileSync(path.join(dir, NOTES), 'utf8'), '# Notes\n\nThe second draft, by Claude.\nA line the user added.\n');
      panel = await sessionPanel(p);
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle after the edit', timeoutMs: 60_000 });
      await screenshot(p, 'review-03-after-accept');
    } finally {
      // Closed on failure too: an open browser keeps the test process alive past its failure.
      if (page) await closeWorkbench(page).catch(() => undefined);
      await server.stop();
    }
  });
});
