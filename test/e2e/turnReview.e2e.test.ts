/**
 * Reviewing a turn's edits after the fact (issue 10, item 1), in a real VS Code (code-server) with
 * the real CLI (fake API): a session in acceptEdits edits one file and creates another in one
 * turn, nothing asks; the turn's result row offers "Review edits (2 files)"; the review lists both
 * files, Enter on one opens VS Code's diff of it before the turn ↔ now; Revert (the diff's title
 * bar) puts it back byte for byte while the other file keeps the turn's change; Review Edits of
 * Last Turn (palette) shows it reverted, and the created file's Revert button removes it.
 * Screenshots: test-results/e2e/turnreview-*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { sideCallReply, type Responder } from '../support/fakeAnthropic';
import { closeWorkbench, openWorkbench, screenshot, waitFor, waitForVisible } from './support/browser';
import { realCliWorkbench } from './support/realCliWorkbench';
import { newSessionFromPalette, openShannonView, quickInputTitled, sessionPanel, startCommand } from './support/shannonUi';

const EDITED = 'notes.txt';
const CREATED = 'created.md';
/** CRLF, non-ASCII, no final newline: a revert that is not byte for byte shows. */
const EDITED_BEFORE = Buffer.from('# Notes\r\nThe first draft — ünïcode\r\nlast line, no newline', 'utf8');
const CREATED_TEXT = '# Made by the turn\n';

let folder = '';

// The CLI refuses an Edit of a file not read first: Read, Edit, Write, then a word.
const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const done = req.toolResults.at(-1);
  switch (done?.tool_use_id) {
    case 'toolu_read':
      return { blocks: [{ type: 'tool_use', id: 'toolu_edit', name: 'Edit', input: { file_path: path.join(folder, EDITED), old_string: 'first draft', new_string: 'second draft, by Claude' } }] };
    case 'toolu_edit':
      return { blocks: [{ type: 'tool_use', id: 'toolu_write', name: 'Write', input: { file_path: path.join(folder, CREATED), content: CREATED_TEXT } }] };
    case 'toolu_write':
      return { blocks: [{ type: 'text', text: 'Both files are done.' }] };
  }
  const text = req.allUserTexts.at(-1) ?? '';
  if (text.includes('Change the two files')) return { blocks: [{ type: 'tool_use', id: 'toolu_read', name: 'Read', input: { file_path: path.join(folder, EDITED) } }] };
  return { blocks: [{ type: 'text', text: `You said: ${text}` }] };
};

describe('reviewing a turn’s edits in a real VS Code', { timeout: 600_000 }, () => {
  const w = realCliWorkbench('turnreview', responder);

  it('acceptEdits edits two files unasked; Review edits shows the diff and reverts one file byte for byte, the other keeps its edit', async () => {
    folder = w.folder;
    writeFileSync(path.join(folder, EDITED), EDITED_BEFORE);
    // The setting is machine-overridable: a remote (code-server) reads it from the machine or the
    // workspace, not from the user's settings.
    mkdirSync(path.join(folder, '.vscode'));
    writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'shannon.permissionMode': 'acceptEdits' }));
    const server = await w.start();
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;
      await openShannonView(p);
      await newSessionFromPalette(p, 'Change the two files');

      // 1. The turn edits both files without asking; its result row offers the review.
      const panel = await sessionPanel(p);
      const review = panel.locator('.turn-review button', { hasText: 'Review edits (2 files)' });
      await waitForVisible(p, review, { what: 'Review edits on the turn', timeoutMs: 120_000 });
      assert.match(await panel.locator('.init-line').first().innerText(), /acceptEdits mode/);
      assert.equal(await panel.locator('.permission-card').count(), 0, 'nothing asked in acceptEdits');
      assert.match(readFileSync(path.join(folder, EDITED), 'utf8'), /second draft, by Claude/);
      assert.equal(readFileSync(path.join(folder, CREATED), 'utf8'), CREATED_TEXT);
      await screenshot(p, 'turnreview-01-offer');

      // 2. The review: the turn's files; Enter on the edited one opens its diff, before ↔ now.
      await review.click();
      await waitForVisible(p, quickInputTitled(p, 'Edits of the turn'), { what: 'the turn review' });
      const row = (name: string) => p.locator('.quick-input-widget .monaco-list-row', { hasText: name });
      await waitForVisible(p, row(CREATED), { what: `${CREATED} in the review` });
      assert.match(await row(CREATED).innerText(), /created by the turn/);
      assert.match(await row(EDITED).innerText(), /changed by the turn/);
      await row(EDITED).click();
      const diff = p.locator('.monaco-diff-editor');
      await waitForVisible(p, diff, { what: 'the diff of the edited file', timeoutMs: 60_000 });
      const diffText = async () => (await diff.innerText()).replace(/\u00a0/g, ' ');
      await waitFor(p, async () => (await diffText()).includes('second draft, by Claude') && (await diffText()).includes('first draft'), { what: 'both sides in the diff' });
      await waitForVisible(p, p.locator('.tab', { hasText: `${EDITED} (before the turn ↔ now)` }), { what: 'the diff tab title' });
      await screenshot(p, 'turnreview-02-diff');

      // The review covers the top of the editor: without it, the whole diff.
      await p.keyboard.press('Escape');
      await waitFor(p, async () => !(await quickInputTitled(p, 'Edits of the turn').isVisible()), { what: 'the review closed' });
      await screenshot(p, 'turnreview-03-diff-alone');

      // 3. Revert that one file from the diff's title bar (shown while its group is active).
      await diff.locator('.editor.modified .view-lines').last().click();
      await p.locator('.editor-actions [aria-label="Revert to Before the Turn"]').first().click();
      await waitFor(p, () => readFileSync(path.join(folder, EDITED)).equals(EDITED_BEFORE), { what: `${EDITED} back as before the turn`, timeoutMs: 30_000 });
      assert.ok(readFileSync(path.join(folder, EDITED)).equals(EDITED_BEFORE), 'byte for byte the before-turn version');
      assert.equal(readFileSync(path.join(folder, CREATED), 'utf8'), CREATED_TEXT, 'the other file keeps the turn’s change');
      await waitFor(p, async () => !(await diffText()).includes('second draft, by Claude'), { what: 'the diff showing the reverted file' });
      // Both sides the same: no change marked (the diff is computed again a moment after the file reloads).
      await waitFor(p, async () => (await diff.locator('.line-insert, .line-delete, .char-insert, .char-delete').count()) === 0, { what: 'no difference left in the diff', timeoutMs: 20_000 });
      await screenshot(p, 'turnreview-04-reverted-in-diff');

      // 4. The palette's Review Edits of Last Turn: the same turn, the file marked reverted; the
      //    created file's Revert button removes it.
      await startCommand(p, 'Shannon: Review Edits of Last Turn', 'Edits of the turn');
      await waitFor(p, async () => /reverted/.test(await row(EDITED).innerText()), { what: `${EDITED} marked reverted` });
      await row(CREATED).hover();
      await row(CREATED).locator('[aria-label="Revert this file to before the turn"]').click();
      await waitFor(p, () => !existsSync(path.join(folder, CREATED)), { what: `${CREATED}, made by the turn, removed`, timeoutMs: 30_000 });
      await waitFor(p, async () => /reverted/.test(await row(CREATED).innerText()), { what: `${CREATED} marked reverted` });
      assert.ok(readFileSync(path.join(folder, EDITED)).equals(EDITED_BEFORE));
      await screenshot(p, 'turnreview-05-all-reverted');
    } finally {
      if (page) await closeWorkbench(page).catch(() => undefined);
      await server.stop();
    }
  });

  it('with automatic checkpoints off, the turn that edited files says why it cannot be reviewed', async () => {
    writeFileSync(path.join(folder, EDITED), EDITED_BEFORE);
    const server = await w.start({ 'shannon.autoCheckpoint': false });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;
      await openShannonView(p);
      await newSessionFromPalette(p, 'Change the two files');
      const panel = await sessionPanel(p);
      const why = panel.locator('.turn-review', { hasText: 'automatic checkpoints are off' });
      await waitForVisible(p, why, { what: 'why the turn cannot be reviewed', timeoutMs: 120_000 });
      assert.match(await why.innerText(), /shannon\.autoCheckpoint/);
      assert.equal(await panel.locator('[data-action="review-edits"]').count(), 0);
      assert.ok(await why.getByRole('button', { name: 'Open Setting' }).isVisible());
      await screenshot(p, 'turnreview-06-checkpoints-off');
    } finally {
      if (page) await closeWorkbench(page).catch(() => undefined);
      await server.stop();
    }
  });
});
