/** LineFramer: the one place bytes become lines (the CLI's stdout and transcript files alike). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineFramer } from '../../src/core/jsonl/lines';

interface Seen {
  text: string;
  offset: number;
  line: number;
}

function frame(chunks: Buffer[], opts: ConstructorParameters<typeof LineFramer>[0] = {}, finish = true) {
  const framer = new LineFramer(opts);
  const lines: Seen[] = [];
  const overlong: Array<{ line: number; offset: number; length: number; head: string }> = [];
  const onLine = (buf: Buffer, start: number, end: number, offset: number, line: number) => lines.push({ text: buf.toString('utf8', start, end), offset, line });
  const onOverlong = (line: number, offset: number, length: number, head: Buffer) => overlong.push({ line, offset, length, head: head.toString('utf8') });
  for (const c of chunks) framer.push(c, onLine, onOverlong);
  if (finish) framer.finish(onLine, onOverlong);
  return { lines, overlong, framer };
}

test('lines cut anywhere, even inside a character, come out whole with their stream offsets', () => {
  const text = 'ab\n\nçé€\nlast';
  const bytes = Buffer.from(text);
  const whole = frame([bytes]).lines;
  assert.deepEqual(whole.map((l) => l.text), ['ab', '', 'çé€', 'last']);
  assert.deepEqual(whole.map((l) => l.offset), [0, 3, 4, 4 + Buffer.byteLength('çé€\n')]);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(frame([bytes.subarray(0, cut), bytes.subarray(cut)]).lines, whole, `cut at byte ${cut}`);
  }
  const oneByOne = frame([...bytes].map((b) => Buffer.from([b]))).lines;
  assert.deepEqual(oneByOne, whole);
});

test('a file read from the middle: offsets count from startOffset; what follows the last LF is the rest, not a line', () => {
  const { lines, framer } = frame([Buffer.from('x\nyy\nzz')], { startOffset: 1000 }, false);
  assert.deepEqual(lines.map((l) => [l.text, l.offset]), [['x', 1000], ['yy', 1002]]);
  assert.equal(framer.rest.offset, 1005);
  assert.equal(framer.rest.bytes?.toString(), 'zz');
});

test('a reused chunk buffer does not change a held line', () => {
  const framer = new LineFramer();
  const got: string[] = [];
  const chunk = Buffer.from('hel');
  framer.push(chunk, (b, s, e) => got.push(b.toString('utf8', s, e)));
  chunk.write('XXX');
  framer.push(Buffer.from('lo\n'), (b, s, e) => got.push(b.toString('utf8', s, e)));
  assert.deepEqual(got, ['hello']);
});

test('a line past the cap is counted, never held, and reported with its head; the next line is framed', () => {
  const long = 'L'.repeat(50);
  const { lines, overlong, framer } = frame([Buffer.from(`ok\n${long.slice(0, 20)}`), Buffer.from(long.slice(20)), Buffer.from('\nnext\n')], { maxLineBytes: 10, headBytes: 4 });
  assert.deepEqual(lines.map((l) => [l.text, l.line]), [['ok', 1], ['next', 3]]);
  assert.deepEqual(overlong, [{ line: 2, offset: 3, length: 50, head: 'LLLL' }]);
  assert.ok(framer.maxBufferedBytes <= 10, `held ${framer.maxBufferedBytes} bytes`);
  assert.equal(lines[1]!.offset, 54);
});
