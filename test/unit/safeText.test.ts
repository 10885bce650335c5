/**
 * Hostile text (terminal control sequences, C0/C1 controls, bidi overrides, invisible tags) as it
 * reaches the output channel and MCP text: it must arrive visible and inert, and ordinary text
 * (emoji with joiners, flags, any script) exactly as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TranscriptEntry } from '../../src/core/session/types.js';
import { safeStrings, safeText } from '../../src/core/transcript/safeText.js';
import { safeChannel } from '../../src/extension/model/safeChannel.js';
import { renderText, TranscriptRenderer } from '../../src/core/transcript/render.js';
import { errorResult, ok } from '../../src/mcp/results.js';
import { ShannonError } from '../../src/core/errors.js';
import { CONTROL_CORPUS, hasUnsafeChar, type Probe } from '../support/controlCorpus.js';

const wrap = (p: Probe) => `<<${p.text}>>`;
const hostile = CONTROL_CORPUS.filter((p) => p.expect !== 'keep');
const ordinary = CONTROL_CORPUS.filter((p) => p.expect === 'keep');

/** Something of the probe is still there for the reader to see: an escape or a replacement character. */
const visible = (out: string) => /\\u[0-9a-f]{4}|\ufffd/.test(out);

test('the corpus has the 63 kinds of probe of issue 13 and more, and ordinary text beside them', () => {
  assert.ok(hostile.length >= 63, `${hostile.length} hostile probes`);
  assert.ok(ordinary.length >= 10);
  for (const p of hostile) assert.ok(hasUnsafeChar(p.text) || p.text.includes('\ufffd'), `${p.name} really is hostile`);
  for (const p of ordinary) assert.ok(!hasUnsafeChar(p.text), `${p.name} really is ordinary`);
});

test('safeText leaves no control acting, shows what was there, drops only colours, and keeps ordinary text', () => {
  for (const p of CONTROL_CORPUS) {
    const out = safeText(wrap(p));
    assert.ok(!hasUnsafeChar(out), `${p.name}: ${JSON.stringify(out)}`);
    assert.ok(out.startsWith('<<') && out.endsWith('>>'), `${p.name}: the text around it survives`);
    if (p.expect === 'keep') assert.equal(out, wrap(p), p.name);
    if (p.expect === 'escape') assert.ok(visible(out), `${p.name} is visible: ${JSON.stringify(out)}`);
  }
  assert.equal(safeText('\x1b[31mred\x1b[0m and \x1b[8mhidden\x1b[28m'), 'red and hidden', 'colour codes go, concealed text shows');
  assert.equal(safeText('\x1b[2J\x1b]0;pwned\x07'), '\\u001b[2J\\u001b]0;pwned\\u0007');
  assert.equal(safeText('a\r\nb'), 'a\nb', 'CRLF is a line end, not an overwrite');
  assert.equal(safeText('evil\u202etxt.exe'), 'evil\\u202etxt.exe');
});

test('safeText is idempotent and keeps JSON text meaning the same value', () => {
  const all = Object.fromEntries(CONTROL_CORPUS.map((p) => [p.name, p.text]));
  for (const p of CONTROL_CORPUS) assert.equal(safeText(safeText(p.text)), safeText(p.text), p.name);
  for (const json of [JSON.stringify(all), JSON.stringify(all, null, 2)]) {
    const safe = safeText(json);
    assert.ok(!hasUnsafeChar(safe));
    assert.deepEqual(JSON.parse(safe), all, 'escapes in JSON text are JSON escapes');
  }
  assert.deepEqual(safeStrings({ a: ['x\x1b[2J', 1, null, { '\u202e': true }] }), { a: ['x\\u001b[2J', 1, null, { '\\u202e': true }] });
});

const entry = (type: string, raw: unknown, direction: 'in' | 'out' = 'in'): TranscriptEntry => ({ sessionId: 's', seq: 0, at: 0, direction, type, raw });

/** A probe in every place of a transcript that text comes from: prompts, replies, tool calls and results, errors. */
function entriesWith(text: string): Array<{ direction: 'in' | 'out'; raw: Record<string, unknown> }> {
  return [
    { direction: 'out', raw: { type: 'user', message: { role: 'user', content: text } } },
    { direction: 'in', raw: { type: 'assistant', message: { content: [{ type: 'text', text }, { type: 'tool_use', name: `Bash${text}`, input: { command: text } }] } } },
    { direction: 'in', raw: { type: 'user', message: { content: [{ type: 'tool_result', content: [{ type: 'text', text }] }, { type: 'tool_result', is_error: true, content: text }] } } },
    { direction: 'in', raw: { type: 'user', message: { content: text } } },
    { direction: 'in', raw: { type: 'result', subtype: 'error_during_execution', is_error: true, result: text, errors: [text], usage: {} } },
    { direction: 'in', raw: { type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 3, error: text } },
    { direction: 'in', raw: { type: 'system', subtype: 'init', cwd: text, model: text, permissionMode: text, tools: [] } },
    { direction: 'in', raw: { type: 'control_request', request_id: 'r', request: { subtype: 'can_use_tool', tool_name: text, input: { command: text } } } },
    { direction: 'out', raw: { type: 'control_response', response: { subtype: 'success', request_id: 'r', response: { behavior: 'deny', message: text } } } },
  ];
}

test('the MCP text of a transcript shows every probe inert, wherever in a message it is', () => {
  for (const p of CONTROL_CORPUS) {
    const entries = entriesWith(wrap(p)).map((e) => entry(String(e.raw.type), e.raw, e.direction));
    const renderer = new TranscriptRenderer();
    const lines = entries.flatMap((e) => renderer.render(e)).filter((l) => l.level !== 'debug').map((l) => l.text);
    // renderText is those lines joined: nothing it adds can carry a control sequence either.
    assert.ok(!hasUnsafeChar(renderText(entries).replaceAll('\n', ' ')), p.name);
    assert.ok(lines.length >= 6, `${p.name}: ${lines.length} lines`);
    for (const line of lines) assert.ok(!hasUnsafeChar(line), `${p.name}: ${JSON.stringify(line)}`);
    if (p.expect === 'keep') assert.ok(lines.includes(`Claude: ${wrap(p)}`), `${p.name} reads as written: ${JSON.stringify(lines)}`);
    if (p.expect === 'escape') assert.ok(lines.some(visible), `${p.name} is visible`);
  }
});

test('the output channel lines (every level) show every probe inert, wherever in a message it is', () => {
  for (const p of CONTROL_CORPUS) {
    const renderer = new TranscriptRenderer();
    const lines = entriesWith(wrap(p)).flatMap((e) => renderer.render(entry(String(e.raw.type), e.raw, e.direction))).map((l) => l.text);
    assert.ok(lines.length >= 8, `${p.name}: ${lines.length} lines`);
    for (const line of lines) assert.ok(!hasUnsafeChar(line), `${p.name}: ${JSON.stringify(line)}`);
    if (p.expect === 'keep') assert.ok(lines.includes(`Claude: ${wrap(p)}`), `${p.name} reads as written: ${JSON.stringify(lines)}`);
    if (p.expect === 'escape') assert.ok(lines.some(visible), `${p.name} is visible`);
  }
});

test('MCP tool results: text and structured strings are made safe, raw entries stay as stored', () => {
  const hostileText = '\x1b]52;c;ZXZpbA==\x07 \u202eexe.txt';
  const result = ok(`title: ${hostileText}`, { title: hostileText, nested: [{ text: hostileText }], entries: [{ message: { text: hostileText } }] }, 'entries');
  const text = (result.content[0] as { text: string }).text;
  assert.ok(!hasUnsafeChar(text) && visible(text));
  assert.ok(!hasUnsafeChar(JSON.stringify(safeText(result.structuredContent.title))));
  assert.ok(!hasUnsafeChar(result.structuredContent.title) && !hasUnsafeChar(result.structuredContent.nested[0]!.text));
  assert.equal(result.structuredContent.entries[0]!.message.text, hostileText, 'format "raw" returns the stream-json as stored');

  for (const err of [new ShannonError('SPAWN_FAILED', `claude said: ${hostileText}`, 'Check \x1b[2J'), new Error(`boom ${hostileText}`)]) {
    const r = errorResult(err);
    const t = (r.content[0] as { text: string }).text;
    assert.equal(r.isError, true);
    assert.ok(!hasUnsafeChar(t) && visible(t), t);
  }
});

test('an output channel wrapped by safeChannel gets every line safe, including errors', () => {
  const written: unknown[][] = [];
  const raw = {
    name: 'Shannon',
    info: (...a: unknown[]) => void written.push(a),
    warn: (...a: unknown[]) => void written.push(a),
    error: (...a: unknown[]) => void written.push(a),
    appendLine: (...a: unknown[]) => void written.push(a),
    show() {
      return this.name;
    },
  };
  const channel = safeChannel(raw);
  channel.info('stderr: \x1b[2J\x1b]0;pwned\x07');
  channel.warn('title \u202eexe.txt', 'arg \x9b2J');
  channel.error(new Error('crash \x1b]8;;https://evil.example\x07'));
  channel.appendLine('ok 👨‍👩‍👧');
  assert.equal(channel.show(), 'Shannon', 'other members work as before');
  assert.equal(channel.name, 'Shannon');
  for (const args of written) for (const a of args) assert.ok(typeof a === 'string' && !hasUnsafeChar(a), JSON.stringify(a));
  assert.deepEqual(written[3], ['ok 👨‍👩‍👧']);
  assert.match(String(written[0]![0]), /\\u001b\[2J/);
});
