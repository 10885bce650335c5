import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteRingBuffer } from '../../src/core/process/ringBuffer.js';

test('stderr keeps the most recent bytes and marks that earlier output was dropped', () => {
  const ring = new ByteRingBuffer(16);
  ring.push(Buffer.from('line one\n'));
  ring.push(Buffer.from('line two\n'));
  ring.push(Buffer.from('the end\n'));
  assert.equal(ring.byteLength, 16);
  assert.equal(ring.text(), '…ine two\nthe end\n');
});

test('a single chunk larger than the buffer keeps only its tail', () => {
  const ring = new ByteRingBuffer(4);
  ring.push(Buffer.from('abcdefgh'));
  assert.equal(ring.text(), '…efgh');
});

test('short output is kept whole, unmarked', () => {
  const ring = new ByteRingBuffer(1024);
  ring.push(Buffer.from('Error: bad flag\n'));
  assert.equal(ring.text(), 'Error: bad flag\n');
});
