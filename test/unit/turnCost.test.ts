import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TurnCostCounter } from '../../src/core/transcript/turnCost';

/** A `result` as the CLI prints it: the turn's usage, the process's running totals. */
const result = (total: number, turn: { in: number; out: number }, cumulative: { in: number; out: number }) => ({
  type: 'result',
  total_cost_usd: total,
  usage: { input_tokens: turn.in, output_tokens: turn.out },
  modelUsage: { 'claude-opus-4-8': { inputTokens: cumulative.in, outputTokens: cumulative.out, costUSD: total } },
});

test('turns of one process cost the difference of the running total', () => {
  const c = new TurnCostCounter();
  assert.equal(c.next(result(0.001, { in: 100, out: 20 }, { in: 100, out: 20 })), 0.001);
  assert.ok(Math.abs(c.next(result(0.003, { in: 200, out: 40 }, { in: 300, out: 60 }))! - 0.002) < 1e-12);
});

test('a resumed process whose first turn costs the same as the last total is not a free turn', () => {
  const c = new TurnCostCounter();
  c.next(result(0.001, { in: 100, out: 20 }, { in: 100, out: 20 }));
  assert.equal(c.next(result(0.001, { in: 100, out: 20 }, { in: 100, out: 20 })), 0.001);
});

test('a resumed process that outspends the earlier one still shows its whole total', () => {
  const c = new TurnCostCounter();
  c.next(result(0.001, { in: 100, out: 20 }, { in: 100, out: 20 }));
  assert.equal(c.next(result(0.01, { in: 1000, out: 200 }, { in: 1000, out: 200 })), 0.01);
});

test('an interrupted turn (zero usage, total unchanged) costs nothing; no total, no figure', () => {
  const c = new TurnCostCounter();
  c.next(result(0.002, { in: 100, out: 20 }, { in: 100, out: 20 }));
  assert.equal(c.next(result(0.002, { in: 0, out: 0 }, { in: 100, out: 20 })), 0);
  assert.equal(c.next({ type: 'result' }), undefined);
});
