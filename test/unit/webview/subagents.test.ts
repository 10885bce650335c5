/**
 * Subagent runs (the Agent tool), fed with what the pinned CLI printed for one
 * (test/fixtures/cli/subagent.jsonl): the subagent's rows nest under the Agent card, the card
 * shows its progress while it runs and its figures once done, and folds them away when done.
 * The output channel's text tells the subagent's lines apart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parentToolUseIdOf } from '../../../src/core/transcript/entry';
import { renderText, SUBAGENT_PREFIX } from '../../../src/core/transcript/render';
import { subagentEvent, subagentReply } from '../../../src/core/transcript/subagents';
import { encodeLine, parseLine } from '../../../src/core/store/transcriptLine';
import type { TranscriptEntry } from '../../../src/shared/webviewProtocol';
import { TranscriptModel, type Row, type ToolRow } from '../../../src/webview/model/transcript';
import { estimateRowHeight, isFoldedAway, type RowContext, type RowPart } from '../../../src/webview/render/rows';
import { RowToggles } from '../../../src/webview/view/rowToggles';

const AGENT_ID = 'toolu_fake_1';

/** The capture as the store hands it out: what the CLI printed is `in`, each with its parent id. */
function capture(): TranscriptEntry[] {
  const lines = readFileSync(path.join(import.meta.dirname, '..', '..', 'fixtures', 'cli', 'subagent.jsonl'), 'utf8').trim().split('\n');
  return lines.map((line, seq) => {
    const { dir, msg, t } = JSON.parse(line) as { dir: string; msg: Record<string, unknown>; t: number };
    const entry: TranscriptEntry = { sessionId: 's1', seq, at: t, direction: dir === 'in' ? 'out' : 'in', type: String(msg.type), raw: msg };
    const parent = parentToolUseIdOf(msg);
    if (parent) entry.parentToolUseId = parent;
    return entry;
  });
}

/** The panel's row context (as app.ts makes it), over the panel's own RowToggles. */
function context(model: TranscriptModel, toggles = new RowToggles(model, () => {})): RowContext {
  return {
    isOpen: (key: string, part: RowPart) => toggles.isOpen(key, part),
    isAwaitingPermission: () => false,
    toolRow: (id) => model.tool(id),
    nestedCount: (id) => model.subagentRows(id).length,
  };
}

const nested = (rows: readonly Row[]) => rows.filter((r) => r.parentToolUseId === AGENT_ID);

describe('subagent runs', () => {
  it('the CLI’s lines: task_* read as events, the Agent result’s trailer for the model is recognised', () => {
    const entries = capture();
    const events = entries.map((e) => subagentEvent(e.raw)).filter((e) => e !== undefined);
    assert.deepEqual(
      events.map((e) => [e.kind, e.toolUseId, e.status]),
      [
        ['started', AGENT_ID, 'running'],
        ['progress', AGENT_ID, undefined],
        ['updated', undefined, 'completed'],
        ['finished', AGENT_ID, 'completed'],
      ],
    );
    assert.equal(events[1]!.lastToolName, 'Bash');
    assert.ok(events[3]!.figures!.totalTokens > 0);
    assert.equal(subagentReply('Found it.\nagentId: a86e (use SendMessage with to: \'a86e\', summary: \'x\' to continue this agent)\n<usage>subagent_tokens: 362\ntool_uses: 1\nduration_ms: 634</usage>'), 'Found it.');
    assert.equal(subagentReply('Plain text stays.'), 'Plain text stays.');
    // As the fake API sees it (text blocks joined with nothing between them).
    assert.equal(subagentReply("Found it.agentId: a86e (use SendMessage with to: 'a86e', summary: 'x' to continue this agent)<usage>subagent_tokens: 362</usage>"), 'Found it.');
  });

  it('the store gives entries back with their parent id (derived from the message, not stored twice)', () => {
    const entry = capture().find((e) => e.type === 'assistant' && e.parentToolUseId)!;
    const line = encodeLine({ ...entry, sessionId: 's1' });
    assert.ok(!line.includes('"parentToolUseId"'), 'not a field of the line');
    assert.equal(parseLine('s1', line.trim())?.parentToolUseId, AGENT_ID);
  });

  it('while the subagent runs, its prompt and tool calls sit under the open Agent card, which shows what it does', () => {
    const entries = capture();
    const model = new TranscriptModel();
    // Up to the subagent's Bash call and its result: the run is not over, the Agent call has no result.
    model.reset(entries.slice(0, entries.findIndex((e) => e.subtype === 'task_updated' || (e.raw as { subtype?: string }).subtype === 'task_updated')));
    const card = model.tool(AGENT_ID)!;
    assert.equal(card.name, 'Agent');
    assert.equal(card.subagent?.status, 'running');
    assert.equal(card.subagent?.description, 'List the files');
    assert.equal(card.subagent?.agentType, 'general-purpose');
    assert.equal(card.subagent?.activity, 'Running List files');
    assert.equal(card.subagent?.lastToolName, 'Bash');
    const inside = nested(model.rows);
    assert.deepEqual(inside.map((r) => r.kind), ['user', 'tool']);
    assert.equal((inside[1] as ToolRow).name, 'Bash');
    assert.equal((inside[1] as ToolRow).result?.content, 'a.txt');
    assert.ok(model.rows.indexOf(card) < model.rows.indexOf(inside[0]!), 'the card comes first, its rows under it');
    assert.deepEqual(model.subagentRows(AGENT_ID), inside.map((r) => r.key));
    const ctx = context(model);
    assert.equal(ctx.isOpen(card.key, 'body'), true, 'open while running');
    assert.ok(inside.every((r) => !isFoldedAway(r, ctx) && estimateRowHeight(r, 600, ctx) > 0));
  });

  it('once the Agent call returns, the card folds its rows into one summary with the run’s figures, and unfolds on demand', () => {
    const model = new TranscriptModel();
    model.reset(capture());
    const card = model.tool(AGENT_ID)!;
    assert.equal(card.subagent?.status, 'completed');
    assert.equal(card.result?.content, 'SUBAGENT-FOUND: a.txt', 'the reply without the CLI’s note to the model');
    assert.deepEqual(card.subagent?.figures && Object.keys(card.subagent.figures), ['totalTokens', 'toolUses', 'durationMs']);
    assert.equal(card.subagent?.figures?.toolUses, 1);
    assert.equal(card.subagent?.totals?.inputTokens, 350);
    assert.equal(card.subagent?.totals?.outputTokens, 12);
    const ctx = context(model);
    assert.equal(ctx.isOpen(card.key, 'body'), false, 'folded when done');
    const inside = nested(model.rows);
    assert.equal(inside.length, 2);
    assert.ok(inside.every((r) => isFoldedAway(r, ctx) && estimateRowHeight(r, 600, ctx) === 0), 'folded rows take no height in the list');
    // The main conversation's rows are not folded.
    assert.ok(model.rows.filter((r) => !r.parentToolUseId).every((r) => !isFoldedAway(r, ctx)));
    // Unfolding the card re-renders it and its run's rows, which show again.
    const rerendered: string[] = [];
    const toggles = new RowToggles(model, (key) => rerendered.push(key));
    toggles.toggle(card.key, 'body');
    assert.deepEqual(rerendered, [card.key, ...inside.map((r) => r.key)]);
    const unfolded = context(model, toggles);
    assert.ok(inside.every((r) => !isFoldedAway(r, unfolded)));
    assert.deepEqual(toggles.saved(), [`${card.key}|body`], 'kept over a reload');
  });

  it('a fork’s inherited run folds under its inherited card too', () => {
    const model = new TranscriptModel();
    model.reset([], { parentTitle: 'Look around', entries: capture() });
    const card = model.rows.find((r): r is ToolRow => r.kind === 'tool' && r.subagent !== undefined)!;
    assert.equal(card.inherited, true);
    const inside = model.rows.filter((r) => r.parentToolUseId === AGENT_ID);
    assert.equal(inside.length, 2);
    assert.ok(inside.every((r) => r.inherited && isFoldedAway(r, context(model))));
  });

  it('a search hit inside a folded run unfolds its card; the rest stays as it was', () => {
    const model = new TranscriptModel();
    model.reset(capture());
    const toggles = new RowToggles(model, () => {});
    const bash = model.rows.find((r) => r.kind === 'tool' && r.parentToolUseId === AGENT_ID)!;
    assert.equal(isFoldedAway(bash, context(model, toggles)), true);
    toggles.unfoldAround(bash);
    assert.equal(isFoldedAway(bash, context(model, toggles)), false);
    toggles.unfoldAround(bash);
    assert.equal(toggles.isOpen(model.tool(AGENT_ID)!.key, 'body'), true, 'a second hit does not fold it again');
  });

  it('the result arriving re-renders the run’s rows (they fold), so a live panel folds them too', () => {
    const entries = capture();
    const model = new TranscriptModel();
    const resultAt = entries.findIndex((e) => e.type === 'user' && !e.parentToolUseId && e.direction === 'in');
    model.reset(entries.slice(0, resultAt));
    model.takeChanges();
    model.append(entries.slice(resultAt, resultAt + 1));
    const { keys } = model.takeChanges();
    for (const key of [model.tool(AGENT_ID)!.key, ...model.subagentRows(AGENT_ID)]) assert.ok(keys.has(key), key);
  });

  it('the log text marks the subagent’s lines, its start and its end', () => {
    const text = renderText(capture());
    const lines = text.split('\n');
    assert.ok(lines.includes(`${SUBAGENT_PREFIX}started (general-purpose): List the files`), text);
    assert.ok(lines.includes(`${SUBAGENT_PREFIX}SUBAGENT-PROMPT: list the files`), text);
    assert.ok(lines.some((l) => l.startsWith(`${SUBAGENT_PREFIX}→ Bash: `)), text);
    assert.ok(lines.includes(`${SUBAGENT_PREFIX}← result: a.txt`), text);
    assert.ok(lines.some((l) => /^ {2}↳ \[agent\] completed: List the files · 1 tool use · .* tokens · /.test(l)), text);
    assert.ok(lines.some((l) => l.startsWith('→ Agent: ')), 'the Agent call itself is the main conversation’s');
    assert.ok(lines.includes('Claude: The agent found a.txt.'));
  });
});
