/**
 * A turn's cost after Resume. The CLI reports `total_cost_usd` as a running total per process, and
 * a resumed session runs in a new process whose total starts again: the panel's turn row and the
 * output channel's "Turn done" line must still show what that one turn cost.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openShannonCore, type ShannonCore } from '../../src/core/shannon.js';
import type { TurnMetrics } from '../../src/core/session/types.js';
import { TranscriptRenderer } from '../../src/core/transcript/render.js';
import { formatCost } from '../../src/core/format.js';
import { logTime, SessionLog } from '../../src/extension/model/sessionLog.js';
import { panelWindow, tailQuery } from '../../src/extension/webview/transcriptWindow.js';
import { TranscriptModel, type ResultRow } from '../../src/webview/model/transcript.js';
import { FakeAnthropicApi, script } from '../support/fakeAnthropic.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace, type HermeticClaudeEnv } from '../support/realCli.js';

describe('cost of a turn after Resume, with the real CLI', { timeout: 180_000 }, () => {
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let ws: { dir: string; dispose(): Promise<void> };
  let dataDir: string;
  let core: ShannonCore;
  let sessionId: string;
  const turns: TurnMetrics[] = [];

  before(async () => {
    api = await FakeAnthropicApi.start();
    claude = await hermeticClaudeEnv(api);
    ws = await tempWorkspace();
    dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-data-'));
    core = await openShannonCore({ dataDir, resolveBinary: async () => CLAUDE_BIN, environment: () => claude.env, claudeConfigDir: claude.configDir, stop: { stdinGraceMs: 500, termGraceMs: 1500 } });
    // Same model, ten times the tokens after Resume: the CLI prices tokens linearly.
    api.setResponder(
      script(
        { blocks: [{ type: 'text', text: 'first' }], usage: { input_tokens: 100, output_tokens: 20 } },
        { blocks: [{ type: 'text', text: 'second' }], usage: { input_tokens: 100, output_tokens: 20 } },
        { blocks: [{ type: 'text', text: 'after resume' }], usage: { input_tokens: 1000, output_tokens: 200 } },
      ),
    );
    core.manager.onDidEndTurn((e) => turns.push(e.metrics));
    const s = await core.manager.create({ prompt: 'hello', workspaceFolder: ws.dir });
    sessionId = s.id;
    await core.manager.waitForTurn(s.id, undefined, s.promptUuid);
    const second = core.manager.waitForTurn(s.id);
    await core.manager.send(s.id, 'and again');
    await second;
    await core.manager.end(s.id);
    await core.manager.resume(s.id);
    const resumed = core.manager.waitForTurn(s.id);
    await core.manager.send(s.id, 'once more');
    await resumed;
    await core.manager.cancel(s.id);
  });
  after(async () => {
    await core.dispose();
    await api.close();
    await claude.dispose();
    await ws.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the resumed turn shows its own cost, ten times the first for ten times the tokens', async () => {
    assert.equal(turns.length, 3);
    const first = turns[0]!.costUsd;
    assert.ok(first > 0, 'the first turn costs something');
    const expected = first * 10;
    assert.ok(Math.abs(turns[2]!.costUsd - expected) < 1e-9, `the session's turn record: ${turns[2]!.costUsd} ≠ ${expected}`);

    // The panel, as it opens: the store's window, into the webview's model.
    const read = await core.store.readTranscriptTail(sessionId, tailQuery());
    const model = new TranscriptModel();
    model.reset(panelWindow(read).entries);
    const rows = model.rows.filter((r): r is ResultRow => r.kind === 'result');
    assert.equal(rows.length, 3);
    assert.ok(Math.abs(rows[1]!.costUsd - first) < 1e-9, `panel, second turn: ${rows[1]!.costUsd}`);
    assert.ok(rows[2]!.costUsd > 0, 'the resumed turn does not read $0.00 on the panel');
    assert.ok(Math.abs(rows[2]!.costUsd - expected) < 1e-9, `panel, resumed turn: ${rows[2]!.costUsd} ≠ ${expected}`);

    // The output channel's lines.
    const renderer = new TranscriptRenderer();
    const done = (await core.store.readTranscript(sessionId)).flatMap((e) => renderer.render(e)).filter((l) => l.text.startsWith('■ Turn done'));
    assert.equal(done.length, 3);
    assert.ok(done[2]!.text.includes(`· ${formatCost(expected)} ·`), `output channel, resumed turn: ${done[2]!.text}`);
  });

  test('the output channel, opened afterwards, stamps each line with its own time and says "started" once per process', async () => {
    const entries = await core.store.readTranscript(sessionId);
    const lines = new SessionLog().history(entries);
    const stamps = new Set(entries.map((e) => logTime(e.at)));
    for (const line of lines) assert.ok(stamps.has(line.slice(0, 23)), `a line stamped with an entry's time: ${line}`);
    const prompts = lines.filter((l) => / \[info\] You: /.test(l));
    assert.deepEqual(
      prompts.map((l) => l.slice(0, 23)),
      entries.filter((e) => e.direction === 'out' && e.type === 'user').map((e) => logTime(e.at)),
      'each prompt at the time it was sent',
    );
    assert.equal(new Set(prompts.map((l) => l.slice(0, 23))).size, 3, 'three prompts, three different times');
    const inits = entries.filter((e) => e.type === 'system' && e.subtype === 'init');
    assert.equal(inits.length, 3, 'the CLI prints an init before every turn');
    const started = lines.filter((l) => / \[info\] Claude Code \S+ started:/.test(l));
    assert.equal(started.length, 2, `one "started" line per process:\n${started.join('\n')}`);
    assert.equal(started[1]!.slice(0, 23), logTime(inits[2]!.at), 'the second at the resumed process');
  });
});
