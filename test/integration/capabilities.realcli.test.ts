/**
 * What a session's CLI offers, learned from the real CLI (pinned) talking to the fake API: the
 * slash commands (with descriptions) for the composer's `/` completion, and its subagents.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openShannonCore, type ShannonCore } from '../../src/core/shannon.js';
import { FakeAnthropicApi, script } from '../support/fakeAnthropic.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace, type HermeticClaudeEnv } from '../support/realCli.js';
import { waitUntil } from '../support/engine.js';

describe('session capabilities with the real CLI', { timeout: 180_000 }, () => {
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let ws: { dir: string; dispose(): Promise<void> };
  let dataDir: string;
  let core: ShannonCore;

  before(async () => {
    api = await FakeAnthropicApi.start(script({ blocks: [{ type: 'text', text: 'ok' }] }));
    claude = await hermeticClaudeEnv(api);
    ws = await tempWorkspace();
    dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-data-'));
    await mkdir(path.join(ws.dir, '.claude', 'commands'), { recursive: true });
    await writeFile(path.join(ws.dir, '.claude', 'commands', 'ship-it.md'), '---\ndescription: Ship the current branch\nargument-hint: <branch>\n---\nShip $ARGUMENTS now.\n');
    core = await openShannonCore({
      dataDir,
      resolveBinary: async () => CLAUDE_BIN,
      environment: () => claude.env,
      claudeConfigDir: claude.configDir,
      stop: { stdinGraceMs: 500, termGraceMs: 1500 },
    });
  });
  after(async () => {
    await core?.close();
    await api.close();
    await claude.dispose();
    await ws.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the host learns the session’s slash commands, a custom .claude/commands one with its description', async () => {
    const changed: string[] = [];
    core.capabilities.onDidChange((id) => changed.push(id));
    const s = await core.manager.create({ prompt: 'hello', workspaceFolder: ws.dir });
    await core.manager.waitForTurn(s.id, undefined, s.promptUuid);
    await waitUntil(() => core.capabilities.get(s.id).commands.length > 0, 20_000, 'the command list');
    const { commands } = core.capabilities.get(s.id);
    const ship = commands.find((c) => c.name === 'ship-it');
    assert.ok(ship, `ship-it among ${commands.map((c) => c.name).join(', ')}`);
    assert.match(ship.description, /Ship the current branch/);
    assert.equal(ship.argumentHint, '<branch>');
    // Built-ins come too, with descriptions from `initialize`; `clear` only from system/init.
    assert.match(commands.find((c) => c.name === 'compact')?.description ?? '', /\S/);
    assert.ok(commands.some((c) => c.name === 'clear'));
    assert.ok(changed.includes(s.id), 'listeners heard of the change');
    await core.manager.cancel(s.id);
  });
});
