import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TOOL_RESULT_MAX, transcriptLines } from '../../../src/extension/model/transcriptLines.js';

/** A real CLI capture (test/fixtures/cli): `in` there is the CLI's stdin, `out` its stdout. */
function capture(name: string): Array<{ direction: 'in' | 'out'; msg: unknown }> {
  const file = path.join(import.meta.dirname, '..', '..', 'fixtures', 'cli', name);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { dir: string; msg: unknown })
    .filter((l) => l.dir === 'in' || l.dir === 'out')
    // The engine's words: `in` is what the CLI said.
    .map((l) => ({ direction: l.dir === 'out' ? 'in' : 'out', msg: l.msg }));
}

test('a real Bash round trip reads as prompt, text, tool call with input, result, and cost', () => {
  const lines = capture('bash-allow.jsonl').flatMap((m) => transcriptLines(m.direction, m.msg));
  const text = lines.filter((l) => l.level !== 'debug').map((l) => l.text);
  const find = (re: RegExp) => text.findIndex((t) => re.test(t));
  const prompt = find(/^› You: run echo hi$/);
  const started = find(/^Claude Code 2\.1\.\d+ started: model .*permission mode default/);
  const tool = find(/^Tool Bash: \{"command":"echo hi \| tee hi\.txt"/);
  const result = find(/^Tool result: hi$/);
  const done = find(/^Turn done — \$0\.00\d\d, /);
  for (const [name, i] of Object.entries({ prompt, started, tool, result, done })) assert.ok(i >= 0, `${name} line missing in:\n${text.join('\n')}`);
  assert.ok(prompt < tool && tool < result && result < done, text.join('\n'));
});

test('a permission ask and its answer show up, the ask as a warning', () => {
  const lines = capture('bash-allow.jsonl').flatMap((m) => transcriptLines(m.direction, m.msg));
  const ask = lines.find((l) => /^Permission asked: Bash/.test(l.text));
  assert.equal(ask?.level, 'warn');
  assert.ok(lines.some((l) => l.text === 'Permission: allowed'));
});

test('long tool results are trimmed and say how much was cut', () => {
  const big = 'x'.repeat(TOOL_RESULT_MAX + 250);
  const [line] = transcriptLines('in', {
    type: 'user',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: big }], is_error: true }] },
  });
  assert.equal(line?.level, 'warn');
  assert.match(line!.text, /^Tool error: x+… \(250 more characters\)$/);
});

test('a failed turn is an error line with its reason', () => {
  const [line] = transcriptLines('in', { type: 'result', subtype: 'error_max_turns', is_error: true, total_cost_usd: 0.5, duration_ms: 2000, usage: { input_tokens: 10, output_tokens: 2 } });
  assert.equal(line?.level, 'error');
  assert.match(line!.text, /Turn failed \(error_max_turns\).*\$0\.50, 2\.0 s, 10 in \/ 2 out tokens/);
});

test('streamed partial events add no lines (the final assistant message does)', () => {
  assert.deepEqual(transcriptLines('in', { type: 'stream_event', event: { type: 'content_block_delta' } }), []);
  assert.deepEqual(transcriptLines('in', 'not an object'), []);
});
