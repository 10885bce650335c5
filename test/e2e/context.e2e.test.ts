/**
 * The editor in the conversation, in a real VS Code (code-server) with the real `claude` CLI and
 * the fake Anthropic API: New Session offers the folder's agent with its description, `/`
 * completes the session's commands (a custom one from `.claude/commands`), a todo list is pinned
 * at the top of the panel, "Send Selection to Claude" (Ctrl+Alt+K) reaches the model with the
 * file and the lines, `@` completes files (not the ones .gitignore ignores) and the selection.
 * Screenshots: test-results/e2e/context-*.png.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeAnthropicApi, sideCallReply, type Responder } from '../support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, type HermeticClaudeEnv } from '../support/realCli';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, waitForVisible } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { newSessionFromPalette, sendFromPanel, sessionPanel } from './support/shannonUi';
import { buildShannonVsix } from './support/vsix';

const PROMPT = {
  start: 'Start the context test',
  todos: 'Plan the context work',
  selection: 'What do these lines do?',
} as const;
const GREETING = ['// greeting.ts', 'export const SELECTED_LINE_TWO = 2;', 'export const SELECTED_LINE_THREE = 3;', '', 'export const UNSELECTED_LINE_FIVE = 5;', ''].join('\n');

/** The todo scene: three tasks created, the first done, the second begun (CLI 2.1.197 has TaskCreate/TaskUpdate, not TodoWrite). */
const TASK_STEPS: unknown[] = [
  { name: 'TaskCreate', input: { subject: 'Read the brief', description: 'the brief', activeForm: 'Reading the brief' } },
  { name: 'TaskCreate', input: { subject: 'Write the todo list view', description: 'the view', activeForm: 'Writing the todo list view' } },
  { name: 'TaskCreate', input: { subject: 'Take a screenshot', description: 'a picture', activeForm: 'Taking a screenshot' } },
  { name: 'TaskUpdate', input: { taskId: '1', status: 'completed' } },
  { name: 'TaskUpdate', input: { taskId: '2', status: 'in_progress' } },
];

const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const text = req.allUserTexts.at(-1) ?? req.latestUserText;
  const step = /^toolu_task_(\d+)$/.exec(req.toolResults[0]?.tool_use_id ?? '');
  const next = step ? Number(step[1]) + 1 : text.includes(PROMPT.todos) && req.toolResults.length === 0 ? 0 : -1;
  if (next >= 0 && next < TASK_STEPS.length) return { blocks: [{ type: 'tool_use', id: `toolu_task_${next}`, ...(TASK_STEPS[next] as object) }] as never };
  if (req.toolResults.length > 0) return { blocks: [{ type: 'text', text: 'Working on it.' }] };
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
    await mkdir(path.join(folder, 'src'), { recursive: true });
    await writeFile(path.join(folder, 'src', 'greeting.ts'), GREETING);
    await writeFile(path.join(folder, '.gitignore'), '*.log\n');
    await writeFile(path.join(folder, 'debug.log'), 'ignored by git\n');
    execFileSync('git', ['init', '-q'], { cwd: folder });
    await mkdir(path.join(folder, '.claude', 'agents'), { recursive: true });
    await writeFile(path.join(folder, '.claude', 'agents', 'reviewer.md'), '---\nname: reviewer\ndescription: Reviews code line by line\n---\nYou review code.\n');
    await mkdir(path.join(folder, '.claude', 'commands'), { recursive: true });
    await writeFile(path.join(folder, '.claude', 'commands', 'ship-it.md'), '---\ndescription: Ship the current branch\nargument-hint: <branch>\n---\nShip $ARGUMENTS now.\n');
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('offers the folder’s agents, completes slash commands and @ files, pins the todo list, sends a selection', async () => {
    const server = await startCodeServer({ vsixPath, folder, env: { ...claude.env, SHANNON_CLAUDE_PATH: CLAUDE_BIN } });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;
      await newSession(p, PROMPT.start);
      let panel = await sessionPanel(p);
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'the first turn done', timeoutMs: 90_000 });

      // 1. `/` lists the session's commands; typing narrows to the custom one, with its description.
      let box = panel.locator('#composer-input');
      await box.fill('');
      await box.pressSequentially('/');
      let list = panel.locator('.completion');
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

      // 2. Tasks the model creates and updates: a live checklist pinned above the transcript.
      await sendFromPanel(p, panel, PROMPT.todos);
      const todos = panel.getByTestId('todo-list');
      await waitFor(p, async () => (await todos.isVisible()) && (await todos.innerText()).includes('1 of 3 done'), { what: 'the todo list with one of three done', timeoutMs: 90_000 });
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'the todo turn done', timeoutMs: 60_000 });
      const items = await todos.locator('.todo-item').allInnerTexts();
      assert.deepEqual(items.map((t) => t.trim()), ['Read the brief', 'Writing the todo list view', 'Take a screenshot']);
      assert.equal(await todos.locator('.todo-completed').count(), 1);
      assert.equal(await todos.locator('.todo-in_progress').count(), 1);
      const top = await todos.evaluate((el) => el.getBoundingClientRect().top);
      const transcriptTop = await panel.locator('.transcript').evaluate((el) => el.getBoundingClientRect().top);
      assert.ok(top < transcriptTop, 'pinned above the transcript');
      await screenshot(p, 'context-02-todo-list');
      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
      await screenshot(p, 'context-03-todo-list-dark');
      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');

      // 3. Send Selection (Ctrl+Alt+K in the editor): a chip in the panel; the model gets the file and those lines.
      // Quick Open: the palette without its `>` searches files.
      await p.locator('.monaco-workbench').focus();
      await p.keyboard.press('F1');
      const quickOpen = p.locator('.quick-input-widget .quick-input-box input');
      await waitForVisible(p, quickOpen, { what: 'the command palette' });
      await quickOpen.fill('greeting.ts');
      await waitForVisible(p, p.locator('.quick-input-widget .monaco-list-row', { hasText: 'greeting.ts' }), { what: 'greeting.ts in Quick Open' });
      await p.keyboard.press('Enter');
      const editor = p.locator('.editor-instance .monaco-editor').first();
      await waitFor(p, async () => (await editor.innerText()).includes('SELECTED_LINE_TWO'), { what: 'greeting.ts open in an editor' });
      await p.keyboard.press('Control+g');
      await p.keyboard.type('2');
      await p.keyboard.press('Enter');
      await p.keyboard.press('Shift+ArrowDown');
      await p.keyboard.press('Shift+ArrowDown');
      // The panel comes back to the front (a hidden webview is rebuilt: find its document again).
      // Pressed again if the busy extension host missed it (the chips take one copy of a selection).
      const front = p.locator('.tab.active', { hasText: PROMPT.start });
      for (let i = 0; i < 3 && !(await front.isVisible()); i++) {
        await editor.click({ position: { x: 5, y: 5 }, trial: true }).catch(() => undefined);
        await p.keyboard.press('Control+Alt+k');
        await front.waitFor({ state: 'visible', timeout: 20_000 }).catch(() => undefined);
      }
      await waitForVisible(p, front, { what: 'the session panel brought to the front' });
      panel = await sessionPanel(p);
      const chip = panel.locator('.chip', { hasText: 'greeting.ts:2-3' });
      await waitForVisible(p, chip, { what: 'the selection chip in the panel' });
      await screenshot(p, 'context-04-selection-chip');

      // `@` completes the folder's files (not what .gitignore ignores) and offers the selection.
      box = panel.locator('#composer-input');
      list = panel.locator('.completion');
      await box.focus();
      await box.pressSequentially('@greet');
      await waitFor(p, async () => (await list.locator('.completion-item').first().innerText()).includes('greeting.ts'), { what: 'greeting.ts first for "@greet"' });
      await box.fill('');
      await box.pressSequentially('@');
      await waitFor(p, async () => (await list.locator('.completion-item', { hasText: 'Selection' }).count()) > 0, { what: 'the selection offered after "@"' });
      await screenshot(p, 'context-05-mention-completion');
      await box.pressSequentially('debug');
      await waitFor(p, async () => (await list.locator('.completion-item', { hasText: 'debug.log' }).count()) === 0, { what: 'debug.log (ignored by git) not offered' });
      await box.fill('');

      await sendFromPanel(p, panel, PROMPT.selection);
      assert.equal(await chip.count(), 0, 'the chip went with the message');
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'the selection turn done', timeoutMs: 60_000 });
      const sent = JSON.stringify(api.mainTurns.at(-1)!.body.messages);
      assert.ok(sent.includes('greeting.ts'), 'the path reaches the model');
      assert.ok(sent.includes('SELECTED_LINE_TWO') && sent.includes('SELECTED_LINE_THREE'), 'the selected lines reach the model');
      assert.ok(!sent.includes('UNSELECTED_LINE_FIVE'), 'only the selected lines');
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

async function newSession(p: Page, prompt: string): Promise<void> {
  // Not runCommand: New Session's prompt box opens in the palette's own widget, so waiting for it to close races that box.
  await newSessionFromPalette(p, prompt);
  // The folder has an agent: a last step offers it, with its description.
  const reviewer = p.locator('.quick-input-widget .monaco-list-row', { hasText: 'reviewer' });
  await waitForVisible(p, reviewer, { what: 'the agent step' });
  assert.match(await reviewer.innerText(), /Reviews code line by line/);
  await screenshot(p, 'context-00-agent-step');
  await p.keyboard.press('Enter');
}
