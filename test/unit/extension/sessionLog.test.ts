/**
 * The session output channel's text (extension/model/sessionLog.ts): history written when the
 * channel is first opened keeps each entry's own time; "Claude Code … started" once per process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TranscriptEntry } from '../../../src/core/session/types.js';
import { logLine, logTime, SessionLog } from '../../../src/extension/model/sessionLog.js';

const init = { type: 'system', subtype: 'init', model: 'claude-opus-4-8', permissionMode: 'default', tools: [], cwd: '/w', claude_code_version: '2.1.197' };
/** A result as the CLI prints it: the turn's usage, the process's running totals. */
const result = (total: number, cumulativeIn: number) => ({
  type: 'result',
  subtype: 'success',
  total_cost_usd: total,
  duration_ms: 1000,
  usage: { input_tokens: 100, output_tokens: 0 },
  modelUsage: { 'claude-opus-4-8': { inputTokens: cumulativeIn, outputTokens: 0 } },
});
const prompt = (text: string) => ({ type: 'user', message: { role: 'user', content: text } });

/** Two turns in one process, then one after Resume with the very same init: 9 entries, a minute apart. */
function twoProcesses(): TranscriptEntry[] {
  const raws: Array<['in' | 'out', Record<string, unknown>]> = [
    ['out', prompt('one')], ['in', init], ['in', result(0.001, 100)],
    ['out', prompt('two')], ['in', init], ['in', result(0.002, 200)],
    ['out', prompt('three')], ['in', init], ['in', result(0.001, 100)],
  ];
  const start = new Date(2026, 11, 2, 9, 0, 0).getTime();
  return raws.map(([direction, raw], seq) => ({ sessionId: 's', seq, at: start + seq * 60_000, direction, type: String(raw.type), ...(raw.subtype ? { subtype: String(raw.subtype) } : {}), raw }));
}

test('history written later keeps each entry\'s own time, in the format of VS Code\'s log channels', () => {
  const entries = twoProcesses();
  const lines = new SessionLog().history(entries);
  assert.equal(lines[0], '2026-12-02 09:00:00.000 [info] You: one');
  const times = new Set(lines.map((l) => l.slice(0, 23)));
  assert.ok(times.size >= 6, `lines at many times, not one: ${[...times].join(', ')}`);
  for (const line of lines) assert.ok(entries.some((e) => logTime(e.at) === line.slice(0, 23)), line);
  assert.equal(logLine(entries[0]!.at, 'warn', 'careful'), '2026-12-02 09:00:00.000 [warning] careful');
});

test('"started" once per process, even when the resumed process prints the very same init', () => {
  const lines = new SessionLog().history(twoProcesses());
  const started = lines.filter((l) => l.includes('Claude Code 2.1.197 started'));
  assert.deepEqual(
    started.map((l) => l.slice(11, 19)),
    ['09:01:00', '09:07:00'],
  );
  assert.equal(lines.at(-1), '2026-12-02 09:08:00.000 [info] ■ Turn done · $0.0010 · 1.0 s · 100 in / 0 out tokens', 'the resumed turn\'s own cost');
});

test('live: a new process announced by the session gets its line; repeats within a process do not', () => {
  const log = new SessionLog();
  const entries = twoProcesses();
  const [first, second] = [entries[1]!, entries[4]!];
  assert.equal(log.entry(first).length, 1);
  assert.deepEqual(log.entry(second), [], 'the second turn\'s init in the same process');
  log.processStarted();
  assert.equal(log.entry({ ...first, seq: 20 }).length, 1, 'the resumed process\'s init');
  assert.deepEqual(log.entry(entries[0]!), [], 'an entry already written (seq at or below the last) is not written twice');
});
