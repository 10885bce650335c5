/**
 * The one text reading of a transcript (core/transcript/render.ts): the session output channel
 * and the MCP tools both show these lines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { TranscriptEntry } from '../../src/core/session/types.js';
import { renderText, TOOL_RESULT_MAX, TranscriptRenderer } from '../../src/core/transcript/render.js';

/** A real CLI capture (test/fixtures/cli) as entries: `in` there is the CLI's stdin, `out` its stdout. */
function capture(name: string): TranscriptEntry[] {
  const file = path.join(import.meta.dirname, '..', 'fixtures', 'cli', name);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { dir: string; msg: Record<string, unknown> })
    .filter((l) => l.dir === 'in' || l.dir === 'out')
    .map((l, seq) => ({ sessionId: 's', seq, at: 0, direction: l.dir === 'out' ? 'in' : 'out', type: String(l.msg.type), raw: l.msg }));
}

const entry = (type: string, raw: unknown, direction: 'in' | 'out' = 'in'): TranscriptEntry => ({ sessionId: 's', seq: 0, at: 0, direction, type, raw });
const lines = (entries: TranscriptEntry[]) => {
  const r = new TranscriptRenderer();
  return entries.flatMap((e) => r.render(e));
};

test('a real Bash round trip reads as prompt, start, tool call with input, result, and cost', () => {
  const text = lines(capture('bash-allow.jsonl'))
    .filter((l) => l.level !== 'debug')
    .map((l) => l.text);
  const find = (re: RegExp) => text.findIndex((t) => re.test(t));
  const prompt = find(/^You: run echo hi$/);
  const started = find(/^Claude Code 2\.1\.\d+ started: model .*permission mode default/);
  const tool = find(/^→ Bash: \{"command":"echo hi \| tee hi\.txt"/);
  const result = find(/^← result: hi$/);
  const done = find(/^■ Turn done · \$0\.00\d\d · /);
  for (const [name, i] of Object.entries({ prompt, started, tool, result, done })) assert.ok(i >= 0, `${name} line missing in:\n${text.join('\n')}`);
  assert.ok(prompt < tool && tool < result && result < done, text.join('\n'));
});

test('a permission ask and its answer show up, the ask as a warning', () => {
  const all = lines(capture('bash-allow.jsonl'));
  const ask = all.find((l) => /^Permission asked: Bash/.test(l.text));
  assert.equal(ask?.level, 'warn');
  assert.ok(all.some((l) => l.text === 'Permission: allowed'));
});

test('"Claude Code … started" is written once, not before every turn', () => {
  const started = lines(capture('two-turns.jsonl')).filter((l) => /started: model/.test(l.text));
  assert.equal(started.length, 1);
});

test('each turn shows its own cost, not the process running total', () => {
  const r = new TranscriptRenderer();
  const result = (total: number) => r.render(entry('result', { type: 'result', subtype: 'success', total_cost_usd: total, duration_ms: 1000, usage: {} }))[0]!.text;
  assert.match(result(0.5), /\$0\.50/);
  assert.match(result(0.75), /\$0\.25/);
  // A resumed process starts its total again from zero.
  assert.match(result(0.1), /\$0\.10/);
});

test('long tool results are trimmed and say how much was cut', () => {
  const big = 'x'.repeat(TOOL_RESULT_MAX + 250);
  const [line] = lines([entry('user', { type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: big }], is_error: true }] } })]);
  assert.equal(line?.level, 'warn');
  assert.match(line!.text, /^← error: x+… \(250 more characters\)$/);
});

test('a failed turn is an error line with its reason; an error inside a successful result says so without "(success)"', () => {
  const [maxTurns] = lines([entry('result', { type: 'result', subtype: 'error_max_turns', is_error: true, total_cost_usd: 0.5, duration_ms: 2000, usage: { input_tokens: 10, output_tokens: 2 } })]);
  assert.equal(maxTurns?.level, 'error');
  assert.match(maxTurns!.text, /^■ Turn failed \(error_max_turns\) · \$0\.50 · 2\.0 s · 10 in \/ 2 out tokens$/);
  const [model] = lines([entry('result', { type: 'result', subtype: 'success', is_error: true, result: 'There is an issue with the selected model', usage: {} })]);
  assert.match(model!.text, /^■ Turn failed: There is an issue with the selected model · /);
});

test('a turn the user stopped reads as stopped, not failed', () => {
  const [line] = lines([entry('result', { type: 'result', subtype: 'error_during_execution', is_error: true, terminal_reason: 'aborted_streaming', errors: ['[ede_diagnostic] x'], usage: {} })]);
  assert.equal(line?.level, 'info');
  assert.match(line!.text, /^■ Turn stopped by you · /);
  assert.deepEqual(lines([entry('user', { type: 'user', message: { content: [{ type: 'text', text: '[Request interrupted by user]' }] } })]).map((l) => l.text), ['Stopped by you']);
});

test('MCP text: prompts, replies, tool calls, tool results and turn ends; thinking and chatter left out', () => {
  const text = renderText([
    entry('user', { type: 'user', message: { role: 'user', content: 'fix the bug' } }, 'out'),
    entry('assistant', { type: 'assistant', message: { content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'Looking.' }, { type: 'tool_use', name: 'Bash', input: { command: 'ls' } }] } }),
    entry('user', { type: 'user', message: { content: [{ type: 'tool_result', content: [{ type: 'text', text: 'a.txt\n' }] }, { type: 'text', text: '<system-reminder>x' }] } }),
    entry('stream_event', { type: 'stream_event', event: {} }),
    entry('system', { type: 'system', subtype: 'status' }),
    entry('result', { type: 'result', subtype: 'success', is_error: false, usage: { input_tokens: 3, output_tokens: 4 }, duration_ms: 1500 }),
  ]);
  assert.equal(text, ['You: fix the bug', 'Claude: Looking.', '→ Bash: {"command":"ls"}', '← result: a.txt', '■ Turn done · 1.5 s · 3 in / 4 out tokens'].join('\n'));
});

test('a message too deeply nested to re-serialise renders, it does not throw', () => {
  let input: unknown = 'x';
  for (let i = 0; i < 20_000; i++) input = { a: input };
  const [line] = lines([entry('assistant', { type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Odd', input }] } })]);
  assert.match(line!.text, /^→ Odd: \(a value too deeply nested to show\)$/);
});

test('streamed partial events and non-objects add no lines', () => {
  assert.deepEqual(lines([entry('stream_event', { type: 'stream_event', event: { type: 'content_block_delta' } })]), []);
  assert.deepEqual(lines([entry('user', 'not an object')]), []);
});
