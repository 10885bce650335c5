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

  before(async () => {
    api = await FakeAnthropicApi.start();
    claude = await hermeticClaudeEnv(api);
    ws = await tempWorkspace();
    dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-data-'));
    core = await openShannonCore({ dataDir, resolveBinary: async () => CLAUDE_BIN, environment: () => claude.env, claudeConfigDir: claude.configDir, stop: { stdinGraceMs: 500, termGraceMs: 1500 } });
  });
  after(async () => {
    await core.dispose();
    await api.close();
    await claude.dispose();
    await ws.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the resumed turn shows its own cost, ten times the first for ten times the tokens', async () => {
    // Same model, ten times the tokens: the CLI prices tokens linearly, so ten times the cost.
    api.setResponder(
      script(
        { blocks: [{ type: 'text', text: 'first' }], usage: { input_tokens: 100, output_tokens: 20 } },
        { blocks: [{ type: 'text', text: 'after resume' }], usage: { input_tokens: 1000, output_tokens: 200 } },
      ),
    );
    const turns: TurnMetrics[] = [];
    core.manager.onDidEndTurn((e) => turns.push(e.metrics));
    const s = await core.manager.create({ prompt: 'hello', workspaceFolder: ws.dir });
    await core.manager.waitForTurn(s.id, undefined, s.promptUuid);
    await core.manager.end(s.id);
    await core.manager.resume(s.id);
    const resumed = core.manager.waitForTurn(s.id);
    await core.manager.send(s.id, 'once more');
    await resumed;
    await core.manager.cancel(s.id);

    assert.equal(turns.length, 2);
    const first = turns[0]!.costUsd;
    assert.ok(first > 0, 'the first turn costs something');
    const expected = first * 10;
    assert.ok(Math.abs(turns[1]!.costUsd - expected) < 1e-9, `the session's turn record: ${turns[1]!.costUsd} ≠ ${expected}`);

    // The panel, as it opens: the store's window, into the webview's model.
    const read = await core.store.readTranscriptTail(s.id, tailQuery());
    const model = new TranscriptModel();
    model.reset(panelWindow(read).entries);
    const rows = model.rows.filter((r): r is ResultRow => r.kind === 'result');
    assert.equal(rows.length, 2);
    assert.ok(Math.abs(rows[0]!.costUsd - first) < 1e-9, `panel, first turn: ${rows[0]!.costUsd}`);
    assert.ok(rows[1]!.costUsd > 0, 'the resumed turn does not read $0.00 on the panel');
    assert.ok(Math.abs(rows[1]!.costUsd - expected) < 1e-9, `panel, resumed turn: ${rows[1]!.costUsd} ≠ ${expected}`);

    // The output channel's lines.
    const renderer = new TranscriptRenderer();
    const done = (await core.store.readTranscript(s.id)).flatMap((e) => renderer.render(e)).filter((l) => l.text.startsWith('■ Turn done'));
    assert.equal(done.length, 2);
    assert.ok(done[1]!.text.includes(`· ${formatCost(expected)} ·`), `output channel, resumed turn: ${done[1]!.text}`);
  });
});
