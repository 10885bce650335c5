import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyMetrics } from '../../../src/core/session/types.js';
import {
  checkpointTooltip,
  formatAge,
  formatCost,
  formatDuration,
  formatModel,
  formatTokens,
  oneLine,
  sessionDescription,
  sessionTooltip,
  stateGroup,
  stateIcon,
  startOfLocalDay,
} from '../../../src/extension/model/format.js';
import { NOW, record } from './records.js';

test('costs read like money, amounts under a cent with four decimals', () => {
  assert.equal(formatCost(0), '$0.00');
  assert.equal(formatCost(0.004), '$0.0040');
  assert.equal(formatCost(0.00001), '$0.0000');
  assert.equal(formatCost(0.0123), '$0.01');
  assert.equal(formatCost(1.5), '$1.50');
  assert.equal(formatCost(Number.NaN), '$0.00');
});

test('ages are short enough for a tree item and grow coarser with time', () => {
  assert.equal(formatAge(NOW - 10_000, NOW), 'just now');
  assert.equal(formatAge(NOW - 5 * 60_000, NOW), '5m');
  assert.equal(formatAge(NOW - 3 * 3600_000, NOW), '3h');
  assert.equal(formatAge(NOW - 2 * 86400_000, NOW), '2d');
  assert.equal(formatAge(NOW - 21 * 86400_000, NOW), '3w');
  assert.equal(formatAge(Date.UTC(2026, 0, 2), NOW), '2026-01-02');
  assert.equal(formatAge(NOW + 5000, NOW), 'just now', 'a clock skew never shows a negative age');
});

test('durations and token counts are compact', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(1234), '1.2 s');
  assert.equal(formatDuration(125_000), '2m 05s');
  assert.equal(formatDuration(3_725_000), '1h 02m');
  assert.equal(formatTokens(999), '999');
  assert.equal(formatTokens(1234), '1.2k');
  assert.equal(formatTokens(45_600), '46k');
  assert.equal(formatTokens(2_500_000), '2.5M');
});

test('the model drops the CLI context-window suffix', () => {
  assert.equal(formatModel('claude-opus-4-8[1m]'), 'claude-opus-4-8');
  assert.equal(formatModel(undefined), '');
});

test('every state has a group, and running states spin', () => {
  assert.equal(stateGroup('starting'), 'running');
  assert.equal(stateGroup('queued'), 'queued');
  assert.equal(stateGroup('awaiting_permission'), 'awaiting');
  assert.equal(stateGroup('idle'), 'idle');
  for (const s of ['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'] as const) assert.equal(stateGroup(s), 'finished');
  assert.equal(stateIcon('running').id, 'loading~spin');
  assert.notEqual(stateIcon('idle').id, 'loading~spin');
  assert.ok(stateIcon('awaiting_permission').color, 'a session waiting for a person stands out');
});

test('an item description shows model, cost and age, leaving out what is unknown', () => {
  assert.equal(sessionDescription(record(), NOW), '1m');
  const r = record({ model: 'sonnet', metrics: { ...emptyMetrics(), costUsd: 0.25 } });
  assert.equal(sessionDescription(r, NOW), 'sonnet · $0.25 · 1m');
  assert.equal(sessionDescription({ ...r, sharedWithMcp: true }, NOW), 'shared with MCP · sonnet · $0.25 · 1m', 'a session handed to MCP clients says so first');
});

test('the tooltip says whether MCP clients may steer the session', () => {
  assert.match(sessionTooltip(record(), NOW, 'shared'), /MCP: shared — MCP clients may steer it/);
  assert.match(sessionTooltip(record(), NOW, 'unshared'), /MCP: not shared — .*they can only read it/);
  assert.doesNotMatch(sessionTooltip(record(), NOW), /MCP:/);
});

test('the tooltip names the state, cost, turns, tokens and the error with its hint', () => {
  const r = record({
    state: 'failed',
    metrics: { ...emptyMetrics(), costUsd: 0.5, turns: 2, toolCalls: 1, inputTokens: 1200, outputTokens: 30 },
    error: { code: 'CLAUDE_NOT_FOUND', message: 'No claude', hint: 'Install it' },
  });
  const tip = sessionTooltip(r, NOW);
  assert.match(tip, /Failed/);
  assert.match(tip, /\$0\.50 · 2 turns · 1 tool call\b/);
  assert.match(tip, /1\.2k in · 30 out/);
  assert.match(tip, /No claude — Install it/);
});

test("a checkpoint's tooltip lists the files its turn changed", () => {
  const many = Array.from({ length: 20 }, (_, i) => `src/f${i}.ts`);
  const tip = checkpointTooltip({ id: 'c', sessionId: 's', createdAt: NOW, label: 'rewrite the parser', files: 40, changedFiles: ['src/parser.ts', ...many] });
  assert.match(tip, /\*\*rewrite the parser\*\*/);
  assert.match(tip, /40 files saved/);
  assert.match(tip, /changed 21 files/);
  assert.match(tip, /- `src\/parser\.ts`/);
  assert.match(tip, /and 6 more/);
  assert.doesNotMatch(checkpointTooltip({ id: 'c', sessionId: 's', createdAt: NOW, label: 'manual' }), /changed/);
});

test('oneLine collapses whitespace and cuts with an ellipsis', () => {
  assert.equal(oneLine('a\n  b\tc'), 'a b c');
  assert.equal(oneLine('x'.repeat(10), 5), 'xxxx…');
});

test("today's spend starts at local midnight", () => {
  const start = startOfLocalDay(NOW);
  const d = new Date(start);
  assert.equal(d.getHours(), 0);
  assert.ok(start <= NOW && NOW - start < 86400_000);
});

test('a permission ask is summed up by its command, file or URL', async () => {
  const { describeInput } = await import('../../../src/extension/model/permissionText.js');
  assert.equal(describeInput({ toolName: 'Bash', input: { command: 'rm -rf build', description: 'clean' } }), 'rm -rf build');
  assert.equal(describeInput({ toolName: 'Edit', input: { file_path: '/ws/a.ts', old_string: 'x' } }), '/ws/a.ts');
  assert.equal(describeInput({ toolName: 'Mystery', input: { n: 1 } }), '{"n":1}');
});

test('a missing claude reads as one sentence in a notification; long errors are cut with a pointer to the log', async () => {
  const { ShannonError } = await import('../../../src/core/errors.js');
  const { notificationText } = await import('../../../src/extension/model/claudeText.js');
  assert.match(notificationText(new ShannonError('CLAUDE_NOT_FOUND', 'x'.repeat(900), 'hint')), /^Shannon could not find Claude Code/);
  const long = notificationText(new ShannonError('CLAUDE_BROKEN', 'y'.repeat(500)));
  assert.ok(long.length < 260 && long.endsWith('(the log has the details)'));
  assert.equal(notificationText(new ShannonError('CLAUDE_TOO_OLD', 'Claude Code 1.0.0 is too old.', 'Update it.')), 'Claude Code 1.0.0 is too old. Update it.');
});
