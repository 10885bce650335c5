/**
 * The session panel (webview) in a real VS Code (code-server 4.139.1) in Chromium, with the
 * real `claude` CLI talking to the fake Anthropic API. A person's path through it:
 * start a session from the palette → watch the reply stream in → send a turn from the panel's
 * message box → answer the permission card (Allow once) → see the tool's result card → open an
 * Edit in VS Code's diff editor → interrupt a slow reply with Escape → reload the window and
 * find the transcript again, restored by the panel serializer from the store → the same panel
 * in a dark theme → scroll up and jump back → Delete Session closes the panel.
 * Screenshots of each scene: test-results/e2e/webview-*.png.
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
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, waitForFileText, waitForVisible } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { newSessionFromPalette, pickFromCommand, sendFromPanel, sessionPanel } from './support/shannonUi';
import { buildShannonVsix } from './support/vsix';

const PROMPT = {
  stream: 'Explain streaming for the webview test',
  write: 'Write the webview marker file',
  edit: 'Edit the webview notes file',
  slow: 'Tell a slow webview story',
} as const;
const MARKER = 'webview-marker.txt';
const NOTES = 'notes.md';
const STREAMED =
  '## Streaming\n\nThe reply arrives **in pieces**, and the panel shows each one as it comes:\n\n- text deltas\n- thinking, folded away\n- tool calls\n\n```ts\nconst answer = 42;\n```\n\nThat is all.';

/** The workspace (set in before()): Read and Edit want absolute paths. */
let workspaceDir = '';

/** Replies keyed by the latest prompt (the first request of a session also carries CLI context). */
const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const text = req.allUserTexts.at(-1) ?? req.latestUserText;
  const notes = path.join(workspaceDir, NOTES);
  if (req.toolResults[0]?.tool_use_id === 'toolu_read_notes') {
    // The CLI refuses an Edit of a file not read first: Read, then Edit.
    return {
      blocks: [
        { type: 'text', text: 'Editing the notes.' },
        { type: 'tool_use', id: 'toolu_edit_notes', name: 'Edit', input: { file_path: notes, old_string: 'first draft', new_string: 'second draft, edited by Claude' } },
      ],
    };
  }
  if (req.toolResults.length > 0) {
    const r = req.toolResults[0]!;
    return { blocks: [{ type: 'text', text: r.is_error ? 'The tool was refused.' : `Done (the tool said: ${r.content.trim().slice(0, 60)}).` }] };
  }
  if (text.includes(PROMPT.stream)) {
    return {
      blocks: [
        { type: 'thinking', thinking: 'The user wants to see streaming. I will write a short markdown answer.' },
        { type: 'text', text: STREAMED },
      ],
      // ~8 s of streaming: the panel (a fresh webview) is up well before the end.
      chunkSize: 4,
      chunkDelayMs: 150,
      usage: { input_tokens: 1200, output_tokens: 340, cache_read_input_tokens: 500, cache_creation_input_tokens: 100 },
    };
  }
  if (text.includes(PROMPT.write)) {
    return {
      blocks: [
        { type: 'text', text: 'I will write the marker file.' },
        { type: 'tool_use', name: 'Bash', input: { command: `echo shannon | tee ${MARKER}`, description: 'Write the marker file' } },
      ],
    };
  }
  if (text.includes(PROMPT.edit)) {
    return { blocks: [{ type: 'tool_use', id: 'toolu_read_notes', name: 'Read', input: { file_path: notes } }] };
  }
  if (text.includes(PROMPT.slow)) {
    // ~20 s of streaming: time enough to press Escape on a loaded machine.
    return { blocks: [{ type: 'text', text: `Once upon a time ${'and then '.repeat(80)}the end.` }], chunkSize: 9, chunkDelayMs: 250 };
  }
  return { blocks: [{ type: 'text', text: `You said: ${text}` }] };
};

describe('the session panel in a real VS Code', { timeout: 600_000 }, () => {
  let vsixPath: string;
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let folder: string;

  before(async () => {
    vsixPath = await buildShannonVsix();
    api = await FakeAnthropicApi.start(responder);
    claude = await hermeticClaudeEnv(api, { CLAUDE_CODE_MAX_RETRIES: '0' });
    folder = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-e2e-webview-')));
    workspaceDir = folder;
    await writeFile(path.join(folder, 'README.md'), '# webview e2e workspace\n');
    await writeFile(path.join(folder, NOTES), '# Notes\n\nThis is the first draft.\n');
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('streams a reply, takes a turn, answers a permission, shows a diff, stops on Escape, and comes back after a reload', async () => {
    const server = await startCodeServer({
      vsixPath,
      folder,
      // SHANNON_CLAUDE_PATH: the locator's override (shannon.claudePath is machine-scoped, which
      // code-server reads from a file the harness does not write).
      env: { ...claude.env, SHANNON_CLAUDE_PATH: CLAUDE_BIN },
    });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;

      // 1. New Session from the palette opens the session's panel; the reply streams in.
      await newSessionFromPalette(p, PROMPT.stream);

      let panel = await sessionPanel(p);
      const streaming = panel.locator('.markdown.streaming');
      await waitFor(p, async () => (await streaming.count()) > 0 && (await streaming.first().innerText()).length > 10, {
        what: 'reply text streaming in (a .markdown.streaming row with some text)',
        timeoutMs: 60_000,
      });
      const partial = await streaming.first().innerText();
      assert.ok(!partial.includes('That is all.'), `caught mid-stream, not after: ${JSON.stringify(partial)}`);
      await screenshot(p, 'webview-01-reply-streaming');

      await waitFor(p, async () => (await panel.locator('.row-result').count()) > 0, { what: 'the turn footer', timeoutMs: 60_000 });
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'the Idle state badge', timeoutMs: 30_000 });
      const reply = panel.locator('.row-text .markdown').last();
      assert.equal(await reply.locator('h2').innerText(), 'Streaming');
      assert.equal(await reply.locator('.code-block code').innerText(), 'const answer = 42;\n');
      assert.equal(await panel.locator('.markdown.streaming').count(), 0, 'nothing streaming once the turn is over');
      assert.match(await panel.locator('.thinking .disclosure').innerText(), /Thinking/);
      assert.equal(await panel.locator('.thinking-text').count(), 0, 'thinking is collapsed by default');
      const footer = await panel.locator('.turn-footer').last().innerText();
      assert.match(footer, /Turn complete/);
      assert.match(footer, /1\.2k in/);
      assert.match(footer, /cache 500 read · 100 write/);
      await screenshot(p, 'webview-02-reply-complete');

      // 2. The next turn from the panel's message box: a Bash call that needs permission.
      await sendFromPanel(p, panel, PROMPT.write);
      const card = panel.locator('.permission-card');
      await waitForVisible(p, card, { what: 'the permission card', timeoutMs: 60_000 });
      assert.match(await card.innerText(), /Claude wants to use\s+Bash/);
      assert.match(await card.innerText(), new RegExp(`echo shannon \\| tee ${MARKER}`));
      assert.match(await panel.locator('.tool-card.awaiting').innerText(), /Awaiting permission/);
      // The panel is on screen: no notification asks the same question.
      assert.equal(await p.locator('.notification-toast', { hasText: 'Claude wants to use Bash' }).count(), 0);
      await screenshot(p, 'webview-03-permission-card');
      // By keyboard: from the message box, Shift+Tab walks back over Deny… and the "from now on"
      // choices (the CLI's suggested rule; every Bash command) to Allow once; Enter presses it.
      await panel.locator('#composer-input').focus();
      const choices = await card.locator('.permission-actions button').count();
      for (let i = 0; i < choices; i++) await p.keyboard.press('Shift+Tab');
      assert.equal(await panel.evaluate(() => document.activeElement?.textContent?.trim()), 'Allow once');
      await p.keyboard.press('Enter');
      await waitForFileText(p, path.join(folder, MARKER), 'shannon\n', { what: `${MARKER} written by the allowed Bash call`, timeoutMs: 60_000 });
      const bashCard = panel.locator('.tool-card', { hasText: 'Bash' }).last();
      await waitFor(p, async () => (await bashCard.locator('.tool-status.ok').count()) > 0, { what: 'the Bash card marked done', timeoutMs: 30_000 });
      assert.equal(await card.count(), 0, 'the card is gone once answered');
      assert.match(await bashCard.locator('.output-stdout').innerText(), /shannon/);
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle after the tool turn', timeoutMs: 60_000 });
      await screenshot(p, 'webview-04-tool-result');

      // 3. An Edit: its card opens VS Code's diff editor.
      await sendFromPanel(p, panel, PROMPT.edit);
      await waitForVisible(p, card, { what: 'the Edit permission card', timeoutMs: 60_000 });
      // (The review diff opens by itself beside the panel; Accept on the card answers the same.)
      await card.getByRole('button', { name: 'Accept' }).click();
      await waitFor(p, () => readFileSync(path.join(folder, NOTES), 'utf8').includes('second draft'), { what: 'the edit applied', timeoutMs: 60_000 });
      const editCard = panel.locator('.tool-card', { hasText: 'Edit' }).last();
      await waitFor(p, async () => (await editCard.locator('.tool-status.ok').count()) > 0, { what: 'the Edit card marked done', timeoutMs: 30_000 });
      await editCard.getByRole('button', { name: /Open the Edit change in a diff editor/ }).click();
      const diff = p.locator('.monaco-diff-editor');
      await waitForVisible(p, diff, { what: "VS Code's diff editor", timeoutMs: 20_000 });
      // Monaco renders spaces as no-break spaces.
      await waitFor(p, async () => (await diff.innerText()).replace(/\u00a0/g, ' ').includes('second draft, edited by Claude'), { what: 'the edit in the diff editor' });
      await waitForVisible(p, p.locator('.tab', { hasText: `${NOTES} (Edit: before the edit ↔ on disk (edited))` }), { what: 'the diff tab title' });
      await screenshot(p, 'webview-05-edit-diff');
      panel = await sessionPanel(p);

      // 4. A slow reply, stopped with Escape in the panel.
      await sendFromPanel(p, panel, PROMPT.slow);
      await waitFor(p, async () => (await panel.locator('.markdown.streaming').count()) > 0 && (await panel.locator('.markdown.streaming').innerText()).includes('and then'), {
        what: 'the slow reply streaming',
        timeoutMs: 60_000,
      });
      await waitFor(p, async () => (await panel.getByRole('button', { name: /Stop the current turn/ }).isVisible()), { what: 'the Stop button' });
      await panel.locator('#composer-input').press('Escape');
      await waitFor(p, async () => (await panel.locator('.turn-footer.stopped').last().innerText().catch(() => '')).includes('Stopped by you'), { what: 'the "Stopped by you" footer', timeoutMs: 30_000 });
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle after the interrupt', timeoutMs: 30_000 });
      const stopped = await panel.locator('.row-text .markdown').last().innerText();
      assert.ok(!stopped.includes('the end.'), 'the story was cut short');
      await screenshot(p, 'webview-06-interrupted');

      // 5. Reload the window: the panel comes back (serializer) with the transcript from the store.
      await p.reload();
      await waitForVisible(p, p.locator('.monaco-workbench'), { what: 'the workbench after reload', timeoutMs: 60_000 });
      panel = await sessionPanel(p, 90_000);
      await waitFor(p, async () => (await panel.locator('.row-user').count()) >= 4, { what: 'the four user turns restored', timeoutMs: 30_000 });
      const restored = await panel.locator('.transcript').innerText();
      for (const text of ['That is all.', 'Done (the tool said', 'Stopped by you']) assert.ok(restored.includes(text), `restored transcript shows ${JSON.stringify(text)}`);
      // Closing the window suspended the session (its process ended the graceful way); it is not over.
      assert.match(await panel.locator('.state-badge').innerText(), /Idle \(suspended\)/);
      await screenshot(p, 'webview-07-restored-after-reload');

      // A suspended session takes the next message as any idle one does: Send resumes its process.
      assert.match(await panel.getByTestId('send').innerText(), /Send/);
      await sendFromPanel(p, panel, 'Carry on after the reload');
      await waitFor(p, async () => (await panel.locator('.row-text', { hasText: 'You said: Carry on after the reload' }).count()) > 0, { what: 'the reply after resuming', timeoutMs: 60_000 });
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle after resuming', timeoutMs: 30_000 });
      await screenshot(p, 'webview-10-resumed-after-reload');

      // The panel follows the theme: VS Code's variables, no colours of its own.
      const background = () => panel.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
      await waitFor(p, async () => (await background()) !== light, { what: 'the panel background to follow the theme', timeoutMs: 15_000 });
      await screenshot(p, 'webview-09-dark-theme');
      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');

      // Scrolling up with the mouse wheel brings the first turn into view and offers a way back.
      await panel.locator('.transcript').hover();
      const first = panel.locator('.row-user', { hasText: PROMPT.stream });
      await waitFor(
        p,
        async () => {
          await p.mouse.wheel(0, -400);
          return (await first.count()) > 0 && (await first.evaluate((el) => el.getBoundingClientRect().top >= 0 && el.getBoundingClientRect().bottom <= innerHeight));
        },
        { what: 'the first prompt scrolled into view', timeoutMs: 20_000, intervalMs: 150 },
      );
      await waitForVisible(p, panel.getByRole('button', { name: 'Jump to the latest message' }), { what: 'the jump-to-latest button' });
      await screenshot(p, 'webview-08-restored-scrolled-up');
      await panel.getByRole('button', { name: 'Jump to the latest message' }).click();
      await waitFor(p, () => panel.locator('.transcript').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 30), { what: 'back at the bottom' });

      // Deleting the session closes its panel.
      await pickFromCommand(p, 'Shannon: Delete Session', PROMPT.stream);
      await p.locator('.monaco-dialog-box').getByRole('button', { name: 'Delete' }).click();
      await waitFor(p, async () => (await p.locator('.tab', { hasText: PROMPT.stream }).count()) === 0, { what: 'the panel closed after Delete Session', timeoutMs: 20_000 });
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});
