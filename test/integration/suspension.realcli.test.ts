/**
 * Slots count work, not processes (issue 8): idle sessions hold no concurrency slot; past the
 * idle budget the longest-idle one is suspended (its process ends with stdin EOF) and its next
 * message resumes it transparently, with its conversation, its mode and its allowed tools.
 * Real CLI, fake API.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionRecord } from '../../src/core/session/types.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openShannonCore } from '../../src/core/shannon.js';
import { FakeAnthropicApi, type Reply } from '../support/fakeAnthropic.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace } from '../support/realCli.js';
import { groupAlive, startEngine, waitUntil } from '../support/engine.js';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });
const answerEcho = (req: { isMainTurn: boolean; latestUserText: string }): Reply => (req.isMainTurn ? text(`answer to ${req.latestUserText}`) : text('t'));

describe('suspension', { timeout: 180_000 }, () => {
  test('with limit 3, three idle sessions do not hold up a fourth; the suspended one answers a follow-up with its earlier context', async () => {
    const engine = await startEngine(answerEcho, { maxConcurrentPerFolder: 3, maxIdleProcesses: 3 });
    try {
      const records: SessionRecord[] = [];
      for (let i = 1; i <= 3; i++) {
        const r = await engine.manager.create({ prompt: `remember ${i}`, workspaceFolder: engine.workspace });
        await engine.manager.waitForTurn(r.id, undefined, r.promptUuid);
        records.push(r);
      }
      const firstPid = engine.manager.liveSession(records[0]!.id)!.pid!;
      const fourth = await engine.manager.create({ prompt: 'the fourth', workspaceFolder: engine.workspace });
      assert.notEqual(fourth.state, 'queued', 'nobody had to end a session for the fourth to start');
      await engine.manager.waitForTurn(fourth.id, undefined, fourth.promptUuid);
      // Four idle processes, a budget of three: the longest idle (the first) is suspended.
      await waitUntil(() => engine.manager.get(records[0]!.id)!.state === 'suspended', 20_000, 'the first session to be suspended');
      await waitUntil(() => !groupAlive(firstPid), 5_000, 'its process to end');
      assert.equal(engine.manager.idleProcessCount(), 3);
      for (const r of records.slice(1)) assert.equal(engine.manager.get(r.id)!.state, 'idle');

      const uuid = await engine.manager.send(records[0]!.id, 'what did I ask you to remember?');
      await engine.manager.waitForTurn(records[0]!.id, undefined, uuid);
      const request = engine.api.mainTurns.at(-1)!;
      assert.deepEqual(request.allUserTexts, ['remember 1', 'what did I ask you to remember?'], 'the resumed process sent the earlier conversation');
      const after = engine.manager.get(records[0]!.id)!;
      assert.equal(after.state, 'idle');
      assert.equal(after.id, records[0]!.id, 'the same Shannon session');
      assert.equal(after.metrics.turns, 2);
    } finally {
      await engine.dispose();
    }
  });

  test('a message typed while the process is being suspended is not lost, and the mode set meanwhile is kept', async () => {
    const engine = await startEngine(answerEcho, { maxIdleProcesses: 8 });
    try {
      const r = await engine.manager.create({ prompt: 'hello', workspaceFolder: engine.workspace });
      await engine.manager.waitForTurn(r.id, undefined, r.promptUuid);
      const inits: string[] = [];
      engine.manager.onDidMessage((e) => {
        if (e.sessionId === r.id && e.message.kind === 'init') inits.push(e.message.message.permissionMode);
      });
      const suspending = engine.manager.suspend(r.id);
      // The hand-over is under way (stdin closed, the process not gone yet).
      const uuid = await engine.manager.send(r.id, 'typed during the hand-over');
      await suspending;
      await engine.manager.waitForTurn(r.id, undefined, uuid);
      assert.equal(engine.api.mainTurns.at(-1)!.latestUserText, 'typed during the hand-over');

      await engine.manager.suspend(r.id);
      assert.equal(engine.manager.get(r.id)!.state, 'suspended');
      await engine.manager.setPermissionMode(r.id, 'acceptEdits');
      const next = await engine.manager.send(r.id, 'and now?');
      await engine.manager.waitForTurn(r.id, undefined, next);
      assert.equal(inits.at(-1), 'acceptEdits', 'the woken process runs in the mode set while it slept');
    } finally {
      await engine.dispose();
    }
  });

  test('closing Shannon suspends its sessions: after a restart the next message resumes them', async () => {
    const api = await FakeAnthropicApi.start(answerEcho);
    const claude = await hermeticClaudeEnv(api);
    const ws = await tempWorkspace();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-data-'));
    const open = () => openShannonCore({ dataDir, resolveBinary: async () => CLAUDE_BIN, environment: () => claude.env, claudeConfigDir: claude.configDir, autoCheckpoint: () => false });
    try {
      const first = await open();
      const r = await first.manager.create({ prompt: 'before the restart', workspaceFolder: ws.dir });
      await first.manager.waitForTurn(r.id, undefined, r.promptUuid);
      await first.close();
      const second = await open();
      try {
        assert.equal(second.manager.get(r.id)!.state, 'suspended');
        const uuid = await second.manager.send(r.id, 'after the restart');
        await second.manager.waitForTurn(r.id, undefined, uuid);
        assert.deepEqual(api.mainTurns.at(-1)!.allUserTexts, ['before the restart', 'after the restart']);
        assert.equal(second.manager.get(r.id)!.state, 'idle');
      } finally {
        await second.close();
      }
    } finally {
      await api.close();
      await claude.dispose();
      await ws.dispose();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
