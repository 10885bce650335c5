import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JsonlDecoder, type DecodeErrorInfo, type JsonlDecoderOptions } from '../../src/core/jsonl/decoder';

interface Decoded {
  messages: { value: Record<string, unknown>; line: number }[];
  errors: DecodeErrorInfo[];
  decoder: JsonlDecoder;
}

function collector(options: Partial<JsonlDecoderOptions> = {}): Decoded {
  const messages: Decoded['messages'] = [];
  const errors: DecodeErrorInfo[] = [];
  const decoder = new JsonlDecoder({
    ...options,
    onMessage: (value, line) => messages.push({ value, line }),
    onError: (error) => errors.push(error),
  });
  return { messages, errors, decoder };
}

/** Decodes `bytes` cut into the given chunks (split points ascending). */
function decodeSplit(bytes: Uint8Array, splits: number[], options: Partial<JsonlDecoderOptions> = {}): Decoded {
  const d = collector(options);
  let from = 0;
  for (const at of [...splits, bytes.length]) {
    d.decoder.write(bytes.subarray(from, at));
    from = at;
  }
  d.decoder.end();
  return d;
}

function decodeAll(text: string | Uint8Array, options: Partial<JsonlDecoderOptions> = {}): Decoded {
  return decodeSplit(typeof text === 'string' ? Buffer.from(text) : text, [], options);
}

// Shaped like real `claude -p --output-format stream-json --verbose` output, with multi-byte
// text (emoji are 4 bytes, CJK 3, accented Latin 2) so that cuts land inside characters.
const sampleMessages: Record<string, unknown>[] = [
  { type: 'system', subtype: 'init', session_id: 's1', model: 'claude-sonnet-4-5', tools: ['Bash', 'Read'], cwd: '/tmp/проект' },
  {
    type: 'stream_event',
    event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Voilà 🎉 — 你好世界' } },
    parent_tool_use_id: null,
    uuid: 'u1',
    session_id: 's1',
  },
  {
    type: 'assistant',
    message: { role: 'assistant', content: [{ type: 'text', text: '👩‍💻 done' }, { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'echo 日本' } }] },
    parent_tool_use_id: null,
    session_id: 's1',
  },
  { type: 'some_future_type', payload: { nested: [1, 2, { deep: '𝄞' }] } },
  { type: 'result', subtype: 'success', is_error: false, result: 'Ünïcödé ✓', num_turns: 1, session_id: 's1' },
];
const sampleText = sampleMessages.map((m) => JSON.stringify(m)).join('\n') + '\n';
const sampleBytes = Buffer.from(sampleText);

test('every way a pipe can cut the stream, even inside an emoji or CJK character, yields the same messages', () => {
  const expected = sampleMessages.map((value, i) => ({ value, line: i + 1 }));
  assert.ok(sampleBytes.length > sampleText.length, 'the sample has multi-byte characters');
  for (let at = 0; at <= sampleBytes.length; at++) {
    const d = decodeSplit(sampleBytes, [at]);
    assert.deepEqual(d.errors, [], `cut at byte ${at}`);
    assert.deepEqual(d.messages, expected, `cut at byte ${at}`);
  }
  const everyByte = Array.from({ length: sampleBytes.length - 1 }, (_, i) => i + 1);
  const d = decodeSplit(sampleBytes, everyByte);
  assert.deepEqual(d.messages, expected, 'one byte at a time');
  assert.equal(d.decoder.linesDecoded, sampleMessages.length);
  assert.equal(d.decoder.bytesRead, sampleBytes.length);
});

test('CRLF line endings decode exactly like LF, at any cut', () => {
  const crlf = Buffer.from(sampleText.replaceAll('\n', '\r\n'));
  for (let at = 0; at <= crlf.length; at++) {
    const d = decodeSplit(crlf, [at]);
    assert.deepEqual(d.errors, [], `cut at byte ${at}`);
    assert.deepEqual(d.messages.map((m) => m.value), sampleMessages, `cut at byte ${at}`);
  }
});

test('a last line without a trailing newline is delivered at end()', () => {
  const d = collector();
  d.decoder.write(Buffer.from('{"type":"a"}\n{"type":"b"}'));
  assert.deepEqual(d.messages.map((m) => m.value), [{ type: 'a' }], 'nothing is guessed before EOF');
  d.decoder.end();
  assert.deepEqual(d.messages, [{ value: { type: 'a' }, line: 1 }, { value: { type: 'b' }, line: 2 }]);
});

test('blank and whitespace-only lines are skipped but still counted in line numbers', () => {
  const d = decodeAll('\n{"type":"a"}\n\n  \r\n\t\n{"type":"b"}\n\n');
  assert.deepEqual(d.errors, []);
  assert.deepEqual(d.messages, [{ value: { type: 'a' }, line: 2 }, { value: { type: 'b' }, line: 6 }]);
});

test('a garbage line is reported with its line number and byte offset, and the next line still arrives', () => {
  const first = '{"type":"system","text":"héllo"}\n';
  const garbage = 'Warning: something printed to stdout {not json\n';
  const text = first + garbage + '{"type":"result"}\n';
  for (let at = 0; at <= Buffer.byteLength(text); at++) {
    const d = decodeSplit(Buffer.from(text), [at]);
    assert.deepEqual(d.messages, [{ value: { type: 'system', text: 'héllo' }, line: 1 }, { value: { type: 'result' }, line: 3 }]);
    assert.equal(d.errors.length, 1);
    const [error] = d.errors;
    assert.equal(error?.reason, 'invalid_json');
    assert.equal(error?.line, 2);
    assert.equal(error?.offset, Buffer.byteLength(first));
    assert.equal(error?.length, Buffer.byteLength(garbage) - 1);
    assert.equal(error?.excerpt, garbage.trimEnd());
    assert.match(error?.message ?? '', /JSON/);
  }
});

test('the excerpt of a bad line is at most 200 characters and the message says why', () => {
  const long = 'x'.repeat(5000);
  const d = decodeAll(`${long}\n`);
  assert.equal(d.errors[0]?.excerpt, 'x'.repeat(200));
  assert.equal(d.errors[0]?.length, 5000);
  const emoji = '🎉'.repeat(150); // 300 UTF-16 units: a cut at 200 must not split a pair
  const e = decodeAll(`${emoji}\n`).errors[0];
  assert.equal(e?.excerpt, '🎉'.repeat(100));
});

test('a JSON value that is not an object (42, a string, null, an array) is an error, not a message', () => {
  const d = decodeAll('42\n"hi"\nnull\n[1,2]\n{"type":"ok"}\n');
  assert.deepEqual(d.messages, [{ value: { type: 'ok' }, line: 5 }]);
  assert.deepEqual(
    d.errors.map((e) => [e.reason, e.line, e.offset, e.excerpt]),
    [
      ['not_an_object', 1, 0, '42'],
      ['not_an_object', 2, 3, '"hi"'],
      ['not_an_object', 3, 8, 'null'],
      ['not_an_object', 4, 13, '[1,2]'],
    ],
  );
});

test('invalid UTF-8 inside a line becomes U+FFFD and the message is not lost', () => {
  const before = Buffer.from('{"type":"assistant","text":"a');
  const after = Buffer.from('b"}\n{"type":"next"}\n');
  // A lone continuation byte, a truncated 3-byte sequence, and an overlong encoding.
  const bad = Buffer.from([0x80, 0xe4, 0xbd, 0xc0, 0xaf]);
  const bytes = Buffer.concat([before, bad, after]);
  const whole = decodeAll(bytes);
  assert.deepEqual(whole.errors, []);
  assert.equal(whole.messages.length, 2);
  const text = whole.messages[0]?.value.text;
  assert.equal(typeof text, 'string');
  assert.match(text as string, /^a\uFFFD+b$/);
  for (let at = 0; at <= bytes.length; at++) {
    assert.deepEqual(decodeSplit(bytes, [at]).messages, whole.messages, `cut at byte ${at}`);
  }
});

test('messages of unknown type pass through untouched', () => {
  const value = { type: 'brand_new_event', weird: { a: [null, true, 1.5e300, '\u0000'] }, '__proto__': { x: 1 } };
  const line = JSON.stringify(value).replace('"weird"', '"__proto__":{"x":1},"weird"');
  const d = decodeAll(`${line}\n`);
  assert.deepEqual(d.errors, []);
  assert.deepEqual(d.messages[0]?.value, JSON.parse(line));
});

test('the decoder copies what it keeps, so a caller may reuse its chunk buffer', () => {
  const bytes = Buffer.from(sampleText);
  const reused = new Uint8Array(7);
  const d = collector();
  for (let i = 0; i < bytes.length; i += reused.length) {
    const piece = bytes.subarray(i, i + reused.length);
    reused.set(piece);
    d.decoder.write(reused.subarray(0, piece.length));
    reused.fill(0x21);
  }
  d.decoder.end();
  assert.deepEqual(d.messages.map((m) => m.value), sampleMessages);
});

test('write() after end() is refused', () => {
  const d = collector();
  d.decoder.end();
  assert.throws(() => d.decoder.write(Buffer.from('{}\n')), { code: 'INVALID_ARGUMENT' });
});

const MiB = 1024 * 1024;

function getGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Memory in use now: JS heap plus Buffers (which live outside it). */
function inUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Streams a `{"type":"user","blob":"xxx…"}` line of `lineBytes` bytes followed by two small
 * lines, 64 KiB at a time from one reused chunk (as a pipe would), and samples memory as it goes.
 */
function feedHugeLine(decoder: JsonlDecoder, lineBytes: number): { peakGrowth: number; prefix: string } {
  const gc = getGc();
  const prefix = '{"type":"user","blob":"';
  const suffix = '"}\n';
  const chunk = Buffer.alloc(64 * 1024, 'x');
  gc();
  const baseline = inUse();
  let peak = baseline;
  decoder.write(Buffer.from(prefix));
  let remaining = lineBytes - prefix.length - suffix.length + 1;
  while (remaining > 0) {
    const n = Math.min(remaining, chunk.length);
    decoder.write(chunk.subarray(0, n));
    remaining -= n;
    peak = Math.max(peak, inUse());
  }
  decoder.write(Buffer.from(suffix + '{"type":"after","n":1}\n{"type":"after","n":2}\n'));
  decoder.end();
  peak = Math.max(peak, inUse());
  return { peakGrowth: peak - baseline, prefix };
}

test('a 50 MB line over a 1 MB cap is skipped with one line_too_long error, the next lines arrive, and memory stays near the cap', () => {
  const lineBytes = 50 * 1000 * 1000;
  const d = collector({ maxLineBytes: MiB });
  d.decoder.write(Buffer.from('{"type":"before"}\n'));
  const { peakGrowth, prefix } = feedHugeLine(d.decoder, lineBytes);

  assert.deepEqual(d.messages.map((m) => [m.value, m.line]), [
    [{ type: 'before' }, 1],
    [{ type: 'after', n: 1 }, 3],
    [{ type: 'after', n: 2 }, 4],
  ]);
  assert.equal(d.errors.length, 1);
  const [error] = d.errors;
  assert.equal(error?.reason, 'line_too_long');
  assert.equal(error?.line, 2);
  assert.equal(error?.offset, Buffer.byteLength('{"type":"before"}\n'));
  assert.equal(error?.length, lineBytes);
  assert.equal(error?.excerpt, (prefix + 'x'.repeat(200)).slice(0, 200));
  assert.match(error?.message ?? '', /50000000 bytes/);

  assert.ok(d.decoder.maxBufferedBytes <= MiB, `held at most the cap, held ${d.decoder.maxBufferedBytes}`);
  assert.equal(d.decoder.bufferedBytes, 0);
  // The cap plus one chunk and some slack for the test's own allocations, far below 50 MB.
  assert.ok(peakGrowth < 8 * MiB, `memory grew by ${(peakGrowth / MiB).toFixed(1)} MiB`);
});

test('a 50 MB line under the default 64 MiB cap decodes whole', () => {
  const lineBytes = 50 * 1000 * 1000;
  const d = collector();
  feedHugeLine(d.decoder, lineBytes);
  assert.deepEqual(d.errors, []);
  assert.equal(d.messages.length, 3);
  const blob = d.messages[0]?.value.blob;
  assert.equal(typeof blob, 'string');
  assert.equal((blob as string).length, lineBytes - '{"type":"user","blob":""}'.length);
  assert.ok(d.decoder.maxBufferedBytes >= lineBytes - 64 * 1024);
});

test('a too-long line is reported the same whether it arrives in one chunk or many', () => {
  const line = `{"type":"user","blob":"${'y'.repeat(3000)}"}`;
  const bytes = Buffer.from(`{"type":"a"}\n${line}\n{"type":"b"}`);
  const whole = decodeAll(bytes, { maxLineBytes: 1000 });
  assert.equal(whole.errors.length, 1);
  assert.equal(whole.errors[0]?.reason, 'line_too_long');
  assert.equal(whole.errors[0]?.length, line.length);
  assert.equal(whole.errors[0]?.excerpt, line.slice(0, 200));
  assert.deepEqual(whole.messages.map((m) => m.line), [1, 3]);
  for (const step of [1, 7, 999, 1000, 1001, 2048]) {
    const splits: number[] = [];
    for (let at = step; at < bytes.length; at += step) splits.push(at);
    const d = decodeSplit(bytes, splits, { maxLineBytes: 1000 });
    assert.deepEqual(d.errors, whole.errors, `chunks of ${step}`);
    assert.deepEqual(d.messages, whole.messages, `chunks of ${step}`);
    assert.ok(d.decoder.maxBufferedBytes <= 1000);
  }
  // Exactly at the cap is fine.
  const atCap = `{"type":"c","p":"${'z'.repeat(1000 - 19)}"}`;
  assert.equal(Buffer.byteLength(atCap), 1000);
  assert.deepEqual(decodeAll(atCap + '\n', { maxLineBytes: 1000 }).errors, []);
});

test('a consumer that throws does not lose the lines after it: the chunk is finished, then the error surfaces', () => {
  const seen: number[] = [];
  const decoder = new JsonlDecoder({
    onMessage: (value) => {
      seen.push(value.n as number);
      if (value.n === 2) throw new Error('consumer bug');
    },
    onError: () => undefined,
  });
  assert.throws(() => decoder.write(Buffer.from('{"n":1}\n{"n":2}\n{"n":3}\n{"n":')), /consumer bug/);
  decoder.write(Buffer.from('4}\n'));
  decoder.end();
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal(decoder.linesDecoded, 4);
});
