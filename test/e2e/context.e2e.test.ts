/**
 * The editor in the conversation, in a real VS Code (code-server) with the real `claude` CLI and
 * the fake Anthropic API: `/` completes the session's commands (a custom one from
 * `.claude/commands`), a todo list is pinned at the top of the panel, "Send Selection to Claude"
 * reaches the model with the file and the lines, and files a session edited carry a decoration.
 * Screenshots: test-results/e2e/context-*.png.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { FakeAnthropicApi, sideCallReply, type Responder } from '../support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, type HermeticClaudeEnv } from '../support/realCli';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, waitForVisible, webviewOf } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { acceptPlaceStep } from './support/shannonUi';
import { buildShannonVsix } from './support/vsix';

const PROMPT = {
  start: 'Start the context test',
  todos: 'Plan the context work',
} as const;

const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const text = req.allUserTexts.at(-1) ?? req.latestUserText;
  if (req.toolResults.length > 0) return { blocks: [{ type: 'text', text: 'Noted.' }] };
  if (text.includes(PROMPT.todos)) {
    return {
      blocks: [
        {
          type: 'tool_use',
          name: 'TodoWrite',
          input: {
            todos: [
              { content: 'Read the brief', status: 'completed', activeForm: 'Reading the brief' },
              { content: 'Write the todo list view', status: 'in_progress', activeForm: 'Writing the todo list view' },
              { content: 'Take a screenshot', status: 'pending', activeForm: 'Taking a screenshot' },
            ],
          },
        },
      ],
    };
  }
  return { blocks: [{ type: 'text', text: `You said: ${text.slice(0, 80)}` }] };
};

describe('the editor in the conversation, in a real VS Code', { timeout: 600_000 }, () => {
  let vsixPath: string;
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let folder: string;

  before(async () => {
    vsixPath = await buildShannonVsix();
    api = await FakeAnthropicApi.start(responder);
    claude = await hermeticClaudeEnv(api, { CLAUDE_CODE_MAX_RETRIES: '0' });
    folder = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-e2e-context-')));
    await writeFile(path.join(folder, 'README.md'), '# context e2e workspace\n');
    await mkdir(path.join(folder, '.claude', 'commands'), { recursive: true });
    await writeFile(path.join(folder, '.claude', 'commands', 'ship-it.md'), '---\ndescription: Ship the current branch\nargument-hint: <branch>\n---\nShip $ARGUMENTS now.\n');
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('completes slash commands, pins the todo list, sends a selection, marks edited files', async () => {
    const server = await startCodeServer({ vsixPath, folder, env: { ...claude.env, SHANNON_CLAUDE_PATH: CLAUDE_BIN } });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;
      await newSession(p, PROMPT.start);
      const panel = await sessionPanel(p);
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'the first turn done', timeoutMs: 90_000 });

      // 1. `/` lists the session's commands; typing narrows to the custom one, with its description.
      const box = panel.locator('#composer-input');
      await box.fill('');
      await box.pressSequentially('/');
      const list = panel.locator('.completion');
      await waitForVisible(p, list, { what: 'the slash command list' });
      assert.ok((await list.locator('.completion-item').count()) > 3, 'built-in commands are listed too');
      await box.pressSequentially('ship');
      const first = list.locator('.completion-item').first();
      await waitFor(p, async () => (await first.innerText()).includes('/ship-it'), { what: '/ship-it first for "ship"' });
      assert.match(await first.innerText(), /Ship the current branch/);
      assert.match(await first.innerText(), /<branch>/);
      await screenshot(p, 'context-01-slash-completion');
      await box.press('Enter');
      assert.equal(await box.inputValue(), '/ship-it ');
      assert.equal(await list.isVisible(), false, 'the list closes once a command is taken');
      await box.fill('');
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

async function newSession(p: Page, prompt: string): Promise<void> {
  await runCommand(p, 'Shannon: New Session', { timeoutMs: 30_000 });
  const input = p.locator('.quick-input-widget .quick-input-box input');
  await waitForVisible(p, input, { what: 'the prompt input box' });
  await input.fill(prompt);
  await input.press('Enter');
  await acceptPlaceStep(p);
  await waitForVisible(p, p.locator('.quick-input-widget .monaco-list-row', { hasText: 'Default' }), { what: 'the model step' });
  await p.keyboard.press('Enter');
}

/** The content document of Shannon's session panel. */
function sessionPanel(page: Page, timeoutMs = 60_000): Promise<Frame> {
  return webviewOf(page, 'shannon.shannon', '#app .composer', { timeoutMs, what: "Shannon's session panel" });
}
