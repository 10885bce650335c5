/**
 * The session panel's transcript model, fed with what the real CLI printed (test/fixtures/cli
 * captures): rows a person reads, streamed text merging into the final reply in place, tool
 * calls paired with their results, turn footers with this turn's figures.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { StreamAccumulator } from '../../src/core/transcript/stream';
import { isDisplayable } from '../../src/core/transcript/entry';
import type { TranscriptEntry } from '../../src/shared/webviewProtocol';
import { formatCost, formatDuration, formatTokens, toolSummary } from '../../src/webview/model/format';
import { TranscriptModel, type Row, type TextRow, type ToolRow } from '../../src/webview/model/transcript';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'cli');

/**
 * A capture as the store keeps it: what Shannon wrote to stdin is `out`, what the CLI printed
 * is `in` (the capture's own `dir` is from the process's side, hence the swap).
 */
function capture(name: string, proc?: number): TranscriptEntry[] {
  const lines = readFileSync(path.join(FIXTURES, `${name}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { dir: string; msg: unknown; t: number; proc?: number });
  const out: TranscriptEntry[] = [];
  for (const l of lines) {
    if (proc !== undefined && l.proc !== proc) continue;
    if ((l.dir !== 'in' && l.dir !== 'out') || typeof l.msg !== 'object' || l.msg === null) continue;
    const raw = l.msg as Record<string, unknown>;
    out.push({ sessionId: 's1', seq: out.length, at: l.t, direction: l.dir === 'in' ? 'out' : 'in', type: String(raw.type), subtype: typeof raw.subtype === 'string' ? raw.subtype : undefined, raw });
  }
  return out;
}

const kinds = (rows: readonly Row[]) => rows.map((r) => r.kind);

describe('webview transcript model', () => {
  it('shows a text turn as the prompt, the reply, and a footer with this turn’s tokens, cost and duration', () => {
    const model = new TranscriptModel();
    model.reset(capture('text-turn'));
    assert.deepEqual(kinds(model.rows), ['user', 'init', 'text', 'result']);
    const [user, , text, result] = model.rows;
    assert.equal(user?.kind === 'user' && user.text, 'say hello');
    assert.equal((text as TextRow).text.length > 0, true);
    assert.equal((text as TextRow).streaming, false);
    assert.ok(result?.kind === 'result');
    assert.equal(result.isError, false);
    // The capture's figures: 1200 in, 34 out, 500 cache read, 100 cache write → $0.007725.
    assert.equal(result.inputTokens, 1200);
    assert.equal(result.outputTokens, 34);
    assert.equal(result.cacheReadTokens, 500);
    assert.equal(result.cacheWriteTokens, 100);
    assert.ok(Math.abs(result.costUsd - 0.007725) < 1e-9, `cost ${result.costUsd}`);
    assert.ok(result.durationMs > 0);
  });

  it('shows a fork’s inherited history dimmed, then "forked here", then the fork’s own turn', () => {
    const model = new TranscriptModel();
    const parent = capture('bash-allow');
    model.reset(capture('text-turn'), { parentTitle: 'Fix the parser', entries: parent });
    const inherited = model.rows.filter((r) => r.inherited);
    assert.deepEqual(kinds(inherited), ['user', 'init', 'text', 'tool', 'text', 'result']);
    const divider = model.rows[inherited.length]!;
    assert.ok(divider.kind === 'notice' && !divider.inherited);
    assert.match(divider.text, /Forked here from "Fix the parser"/);
    assert.deepEqual(kinds(model.rows.slice(inherited.length + 1)), ['user', 'init', 'text', 'result']);
    assert.ok(model.rows.slice(inherited.length + 1).every((r) => !r.inherited));
    assert.equal(new Set(model.rows.map((r) => r.key)).size, model.rows.length, 'the parent’s rows never share a key with the fork’s');
    assert.equal(model.firstSeq, 0, 'loading older entries goes by the fork’s own seqs');
  });

  it('pairs a Bash tool call with its result in one card: command, stdout, no error', () => {
    const model = new TranscriptModel();
    model.reset(capture('bash-allow'));
    assert.deepEqual(kinds(model.rows), ['user', 'init', 'text', 'tool', 'text', 'result']);
    const tool = model.rows[3] as ToolRow;
    assert.equal(tool.name, 'Bash');
    assert.equal(tool.input?.command, 'echo hi | tee hi.txt');
    assert.equal(tool.result?.isError, false);
    assert.equal(tool.result?.stdout, 'hi');
    assert.equal(model.tool('toolu_fake_1'), tool);
  });

  it('a tool call stopped by the user (deny and stop, or Stop while it runs) reads as stopped, not failed', () => {
    for (const name of ['bash-deny-interrupt', 'interrupt-tool-running', 'interrupt-permission']) {
      const model = new TranscriptModel();
      model.reset(capture(name));
      const tool = model.rows.find((r): r is ToolRow => r.kind === 'tool')!;
      assert.equal(tool.result?.stopped, true, name);
      assert.equal(tool.result?.isError, false, `${name}: the CLI's "STOP what you are doing" note to the model is no error of the tool`);
      // The footer says it: the CLI's interrupt marker gets no row of its own.
      assert.ok(!model.rows.some((r) => r.kind === 'notice' && /interrupted/.test(r.text)), name);
      const first = model.rows.find((r) => r.kind === 'result');
      assert.equal(first?.kind === 'result' && first.stopped, true, name);
      // The turn after it is an ordinary one.
      const last = model.rows.filter((r) => r.kind === 'result').at(-1);
      assert.equal(last?.kind === 'result' && !last.stopped && !last.isError, true, name);
    }
  });

  it('a tool call denied without stopping stays an error result the model saw', () => {
    const model = new TranscriptModel();
    model.reset(capture('bash-deny'));
    const tool = model.rows.find((r): r is ToolRow => r.kind === 'tool')!;
    assert.equal(tool.result?.isError, true);
    assert.equal(tool.result?.stopped, undefined);
  });

  it('keeps the CLI’s repeated init out of the way: one line per process unless the model changes', () => {
    const model = new TranscriptModel();
    model.reset(capture('two-turns'));
    assert.equal(model.rows.filter((r) => r.kind === 'init').length, 1);
    assert.equal(model.rows.filter((r) => r.kind === 'result').length, 2);
    const set = new TranscriptModel();
    set.reset(capture('set-mode-model'));
    const inits = set.rows.filter((r) => r.kind === 'init');
    assert.ok(inits.length >= 2, 'a model change shows a new init line');
    assert.ok(set.rows.some((r) => r.kind === 'notice' && /Set model to/.test(r.text)), 'set_model’s echo is a notice');
  });

  it('turns a cumulative process cost into per-turn cost', () => {
    const model = new TranscriptModel();
    model.reset(capture('two-turns'));
    const results = model.rows.filter((r) => r.kind === 'result');
    const costs = results.map((r) => (r.kind === 'result' ? r.costUsd : NaN));
    const totals = capture('two-turns')
      .filter((e) => e.type === 'result')
      .map((e) => (e.raw as { total_cost_usd: number }).total_cost_usd);
    assert.ok(Math.abs(costs[0]! - totals[0]!) < 1e-12);
    assert.ok(Math.abs(costs[1]! - (totals[1]! - totals[0]!)) < 1e-12);
  });

  it('reports an API error and a retry as people read them', () => {
    const err = new TranscriptModel();
    err.reset(capture('api-error-400'));
    const text = err.rows.find((r): r is TextRow => r.kind === 'text')!;
    assert.equal(text.isError, true);
    assert.match(text.text, /API Error: 400/);
    const first = err.rows.find((r) => r.kind === 'result');
    assert.ok(first?.kind === 'result' && first.isError);
    // Said once, by the synthetic reply above: the footer does not repeat it.
    assert.deepEqual(first.errors, []);
    const retry = new TranscriptModel();
    retry.reset(capture('api-retry'));
    const notice = retry.rows.find((r) => r.kind === 'notice');
    assert.ok(notice?.kind === 'notice');
    assert.match(notice.text, /overloaded \(529\): retry 1 of 10 in 0\.6 s/);
  });

  it('streams partial text into the row the final reply then replaces in place (same key)', () => {
    const entries = capture('text-turn-partial');
    const model = new TranscriptModel();
    const acc = new StreamAccumulator();
    const seen: string[] = [];
    let textKeyWhileStreaming: string | undefined;
    model.reset([]);
    for (const e of entries) {
      const raw = e.raw as Record<string, unknown>;
      if (e.type === 'stream_event') {
        const d = acc.push(raw);
        if (d) model.applyPartials([d]);
        const t = model.rows.find((r): r is TextRow => r.kind === 'text');
        if (t?.streaming) {
          seen.push(t.text);
          textKeyWhileStreaming = t.key;
        }
        continue;
      }
      if (e.type === 'assistant') acc.complete(raw);
      if (isDisplayable(e)) model.append([e]);
    }
    assert.deepEqual(seen.slice(0, 3), ['', 'Hello fr', 'Hello from the f']);
    assert.deepEqual(kinds(model.rows), ['user', 'init', 'thinking', 'text', 'result']);
    const text = model.rows[3] as TextRow;
    assert.equal(text.key, textKeyWhileStreaming, 'the streamed row became the final row');
    assert.equal(text.text, 'Hello from the fake model');
    assert.equal(text.streaming, false);
    assert.equal(model.rows[2]?.kind === 'thinking' && model.rows[2].text, 'Pondering the greeting.');
    assert.deepEqual(acc.snapshot(), [], 'nothing in flight after the turn');
  });

  it('ignores deltas that arrive after their block is complete, and entries it already has', () => {
    const model = new TranscriptModel();
    const entries = capture('text-turn-partial').filter(isDisplayable);
    model.reset(entries);
    const before = model.rows.map((r) => `${r.key}:${r.rev}`);
    const assistantId = (entries.find((e) => e.type === 'assistant')!.raw as { message: { id: string } }).message.id;
    model.applyPartials([{ messageId: assistantId, index: 1, block: 'text', text: 'late' }]);
    model.append(entries.slice(-3));
    assert.deepEqual(model.rows.map((r) => `${r.key}:${r.rev}`), before);
  });

  it('ends streaming rows when the turn is interrupted mid-reply', () => {
    const model = new TranscriptModel();
    model.applyPartials([{ messageId: 'm1', index: 0, block: 'text', text: 'This is a lo' }]);
    assert.equal((model.rows[0] as TextRow).streaming, true);
    model.append(capture('interrupt-streaming').filter((e) => e.type === 'user' && e.direction === 'in'));
    assert.equal((model.rows[0] as TextRow).streaming, false);
    assert.ok(!model.rows.some((r) => r.kind === 'notice'), 'the turn footer says it was stopped');
  });

  it('streams a tool call’s input, then pairs the result with the card that streamed it', () => {
    const model = new TranscriptModel();
    model.applyPartials([
      { messageId: 'm1', index: 0, block: 'tool_use', name: 'Bash', toolUseId: 'tu1', text: '' },
      { messageId: 'm1', index: 0, block: 'tool_use', text: '{"command":' },
      { messageId: 'm1', index: 0, block: 'tool_use', text: '"ls"}' },
    ]);
    const card = model.rows[0] as ToolRow;
    assert.equal(card.inputText, '{"command":"ls"}');
    assert.equal(card.streaming, true);
    model.append([
      { sessionId: 's', seq: 1, at: 0, direction: 'in', type: 'assistant', raw: { type: 'assistant', message: { id: 'm1', content: [{ type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'ls' } }] } } },
      { sessionId: 's', seq: 2, at: 0, direction: 'in', type: 'user', raw: { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'a\nb', is_error: false }] }, tool_use_result: { stdout: 'a\nb', stderr: '' } } },
    ]);
    assert.equal(model.rows.length, 1);
    assert.equal(card.input?.command, 'ls');
    assert.equal(card.result?.stdout, 'a\nb');
    assert.equal(card.streaming, false);
  });

  it('shows a result whose tool call is older than the loaded window on a card of its own', () => {
    const model = new TranscriptModel();
    model.reset([{ sessionId: 's', seq: 7, at: 0, direction: 'in', type: 'user', raw: { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'old', content: 'x' }] } } }]);
    assert.equal(model.rows[0]?.kind, 'tool');
    assert.equal((model.rows[0] as ToolRow).result?.content, 'x');
    assert.equal(model.firstSeq, 7);
  });

  it('reports which rows changed, so the view re-renders only those', () => {
    const model = new TranscriptModel();
    model.reset(capture('text-turn'));
    assert.equal(model.takeChanges().structure, true);
    model.applyPartials([{ messageId: 'mX', index: 0, block: 'text', text: 'a' }]);
    const first = model.takeChanges();
    assert.equal(first.structure, true);
    model.applyPartials([{ messageId: 'mX', index: 0, block: 'text', text: 'b' }]);
    const second = model.takeChanges();
    assert.equal(second.structure, false);
    assert.deepEqual([...second.keys], ['m:mX:0']);
  });

  it('puts a tool output fetched whole in place of its cut preview, on the same card', () => {
    const model = new TranscriptModel();
    const cut = { sessionId: 's', seq: 2, at: 0, direction: 'in' as const, type: 'user', trimmed: true, raw: { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'tu', content: 'line 1\n… [9,000 more characters not shown]' }] } } };
    model.reset([
      { sessionId: 's', seq: 1, at: 0, direction: 'in', type: 'assistant', raw: { type: 'assistant', message: { id: 'm', content: [{ type: 'tool_use', id: 'tu', name: 'Read', input: { file_path: '/a' } }] } } },
      cut,
    ]);
    const card = model.tool('tu')!;
    assert.deepEqual(card.result?.truncated, { seq: 2 });
    const rev = card.rev;
    model.replaceEntry({ ...cut, trimmed: undefined, raw: { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'tu', content: 'line 1\nline 2' }] } } });
    assert.equal(card.result?.content, 'line 1\nline 2');
    assert.equal(card.result?.truncated, undefined);
    assert.ok(card.rev > rev);
    assert.equal(model.rows.length, 1, 'still the one card');
  });

  it('a turn footer knows how many files the turn’s edit calls changed (so the panel can say why there is no review)', () => {
    let seq = 0;
    const entry = (direction: 'in' | 'out', raw: Record<string, unknown>): TranscriptEntry => ({ sessionId: 's1', seq: seq++, at: seq, direction, type: String(raw.type), subtype: typeof raw.subtype === 'string' ? raw.subtype : undefined, raw });
    const call = (id: string, name: string, input: Record<string, unknown>) => entry('in', { type: 'assistant', message: { id: `m-${id}`, role: 'assistant', content: [{ type: 'tool_use', id, name, input }] } });
    const done = (id: string, isError = false) => entry('in', { type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: isError ? 'refused' : 'ok', is_error: isError }] } });
    const result = () => entry('in', { type: 'result', subtype: 'success', is_error: false, usage: {}, total_cost_usd: 0, duration_ms: 1, num_turns: 1 });
    const model = new TranscriptModel();
    model.reset([
      entry('out', { type: 'user', message: { role: 'user', content: 'change things' } }),
      call('t1', 'Edit', { file_path: '/w/a.txt', old_string: 'a', new_string: 'b' }),
      done('t1'),
      call('t2', 'Edit', { file_path: '/w/a.txt', old_string: 'b', new_string: 'c' }),
      done('t2'),
      call('t3', 'Write', { file_path: '/w/new.md', content: 'x' }),
      done('t3'),
      call('t4', 'Write', { file_path: '/w/refused.md', content: 'x' }),
      done('t4', true),
      call('t5', 'Read', { file_path: '/w/other.txt' }),
      done('t5'),
      result(),
      entry('out', { type: 'user', message: { role: 'user', content: 'just talk' } }),
      entry('in', { type: 'assistant', message: { id: 'm-talk', role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] } }),
      result(),
    ]);
    const footers = model.rows.filter((r) => r.kind === 'result');
    assert.deepEqual(
      footers.map((r) => r.kind === 'result' && r.editedFiles),
      [2, 0],
      'two files (one edited twice), the refused Write and the Read not counted; the next turn starts from none',
    );
  });

  it('builds the rows of 10,000 entries', () => {
    const base = capture('bash-allow').filter(isDisplayable);
    const entries: TranscriptEntry[] = [];
    for (let i = 0; entries.length < 10_000; i++) {
      for (const e of base) {
        const raw = JSON.parse(JSON.stringify(e.raw).replaceAll('toolu_fake_1', `toolu_${i}`).replaceAll('msg_fake_', `msg_${i}_`)) as unknown;
        entries.push({ ...e, seq: entries.length, raw });
      }
    }
    const model = new TranscriptModel();
    model.reset(entries);
    // How long this takes is the webview bench's business (bench/), not a test's.
    assert.ok(model.rows.length > 5000);
  });
});

describe('webview wording', () => {
  it('formats tokens, cost and duration compactly', () => {
    assert.equal(formatTokens(950), '950');
    assert.equal(formatTokens(1234), '1.2k');
    assert.equal(formatTokens(123_456), '123k');
    assert.equal(formatTokens(2_500_000), '2.5M');
    assert.equal(formatCost(0), '$0.00');
    assert.equal(formatCost(0.007725), '$0.0077');
    assert.equal(formatCost(1.5), '$1.50');
    assert.equal(formatDuration(640), '640 ms');
    assert.equal(formatDuration(1500), '1.5 s');
    assert.equal(formatDuration(125_000), '2m 05s');
  });

  it('summarises a tool call in one line', () => {
    assert.equal(toolSummary('Bash', { command: 'echo hi\n| tee x' }), 'echo hi | tee x');
    assert.equal(toolSummary('Edit', { file_path: '/a/b.ts', old_string: 'x', new_string: 'y' }), '/a/b.ts');
    assert.equal(toolSummary('Grep', { pattern: 'foo', path: 'src' }), 'foo in src');
    assert.equal(toolSummary('mcp__x__y', { q: 'hello' }), 'hello');
  });
});
