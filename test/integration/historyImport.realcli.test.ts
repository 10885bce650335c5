/**
 * History import against a transcript written by the real, pinned Claude Code CLI (talking to
 * the fake Anthropic API): where the CLI puts it, and what Shannon reads out of it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HistoryImporter } from '../../src/core/history/historyImporter';
import { encodeProjectDir } from '../../src/core/history/projectDirs';
import type { ImportedTranscript } from '../../src/core/history/transcript';
import { FakeAnthropicApi, script } from '../support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, spawnClaude, tempWorkspace, type CliRun, type HermeticClaudeEnv } from '../support/realCli';

describe('importing a transcript the real CLI wrote', () => {
  let api: FakeAnthropicApi;
  let hermetic: HermeticClaudeEnv;
  let workspace: { dir: string; dispose(): Promise<void> };
  let cwd: string;
  let run: CliRun;
  let init: any;
  let result: any;
  const startedAt = Date.now();

  before(async () => {
    assert.ok(existsSync(CLAUDE_BIN), `pinned CLI missing at ${CLAUDE_BIN}`);
    api = await FakeAnthropicApi.start(
      script(
        // One reply streamed as two content blocks: the CLI writes a transcript line per block.
        { blocks: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo hi', description: 'say hi' } }] },
        { blocks: [{ type: 'text', text: 'hi there, from the fake model' }] },
      ),
    );
    hermetic = await hermeticClaudeEnv(api);
    workspace = await tempWorkspace();
    // A session run in a subfolder whose name the CLI has to encode.
    cwd = path.join(workspace.dir, 'My Proj.v2_ü €');
    mkdirSync(cwd);
    run = spawnClaude(hermetic.env, cwd, [], ['-p', '--output-format', 'stream-json', '--verbose', '--allowedTools=Bash', 'say hi']);
    run.endInput();
    init = await run.waitFor((m) => m.type === 'system' && m.subtype === 'init');
    result = await run.waitFor((m) => m.type === 'result', 60_000);
    await run.exited;
  });

  after(async () => {
    await run?.dispose();
    await api?.close();
    await hermetic?.dispose();
    await workspace?.dispose();
  });

  it('the CLI names the project directory as encodeProjectDir says', () => {
    assert.equal(result.subtype, 'success', JSON.stringify(result));
    const projects = readdirSync(path.join(hermetic.configDir, 'projects'));
    assert.ok(projects.includes(encodeProjectDir(cwd)), `${JSON.stringify(projects)} should include ${encodeProjectDir(cwd)}`);
    assert.ok(readdirSync(path.join(hermetic.configDir, 'projects', encodeProjectDir(cwd))).includes(`${init.session_id}.jsonl`));
  });

  it('imports it as a completed session of the workspace folder, once', async () => {
    const importer = new HistoryImporter({ configDir: hermetic.configDir });
    const imported: ImportedTranscript[] = [];
    for await (const t of importer.importFolder(workspace.dir)) imported.push(t);
    assert.equal(imported.length, 1);
    const { record, entries, stats } = imported[0]!;

    assert.equal(record.cliSessionId, init.session_id);
    assert.equal(record.origin, 'imported');
    assert.equal(record.state, 'completed');
    assert.equal(record.workspaceFolder, workspace.dir);
    assert.equal(record.cwd, cwd);
    assert.equal(record.title, 'say hi');
    assert.equal(record.model, Object.keys(result.modelUsage)[0]!.replace(/\[.*\]$/, ''));
    assert.ok(record.createdAt >= startedAt - 1000 && record.createdAt <= record.updatedAt && record.updatedAt <= Date.now());

    // The figures the CLI itself reported for the run.
    assert.equal(record.metrics.inputTokens, result.usage.input_tokens);
    assert.equal(record.metrics.outputTokens, result.usage.output_tokens);
    assert.ok(record.metrics.inputTokens > 0 && record.metrics.outputTokens > 0);
    assert.ok(Math.abs(record.metrics.costUsd - result.total_cost_usd) < 1e-9, `cost ${record.metrics.costUsd} vs the CLI's ${result.total_cost_usd}`);
    assert.equal(record.metrics.toolCalls, 1);
    assert.equal(record.metrics.turns, 1);

    assert.deepEqual({ invalid: stats.invalid, tooLong: stats.tooLong }, { invalid: 0, tooLong: 0 });
    const texts = entries
      .filter((e) => e.type === 'assistant')
      .flatMap((e) => ((e.raw as any).message?.content ?? []) as any[])
      .filter((b) => b.type === 'text')
      .map((b) => b.text);
    assert.deepEqual(texts, ['Let me check.', 'hi there, from the fake model']);
    const ids = entries.filter((e) => e.type === 'assistant').map((e) => (e.raw as any).message.id);
    assert.ok(ids.length > new Set(ids).size, `the first reply spans several lines (${ids}), yet its usage counted once`);
    const prompt = entries.filter((e) => e.direction === 'out');
    assert.equal(prompt.length, 1);
    assert.equal((prompt[0]!.raw as any).message.content, 'say hi');
    assert.ok(entries.some((e) => e.type === 'user' && JSON.stringify(e.raw).includes('tool_result')), 'the tool result is kept');

    const again: ImportedTranscript[] = [];
    for await (const t of importer.importFolder(workspace.dir)) again.push(t);
    assert.deepEqual(again, [], 'unchanged: not imported twice');
  });
});
