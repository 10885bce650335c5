import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShannonError } from '../../src/core/errors.js';
import { ControlChannel } from '../../src/core/protocol/control.js';
import type { JsonObject, SDKControlRequest, SDKControlResponse } from '../../src/core/protocol/messages.js';

function channel(handler: ConstructorParameters<typeof ControlChannel>[1] = async () => undefined, timeoutMs = 1000) {
  const sent: JsonObject[] = [];
  const ch = new ControlChannel(async (m) => void sent.push(m), handler, timeoutMs);
  return { ch, sent };
}

const success = (requestId: string, response?: JsonObject) =>
  ({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response } }) as SDKControlResponse;

test('a request is answered by the response carrying its id', async () => {
  const { ch, sent } = channel();
  const a = ch.request({ subtype: 'set_model', model: 'x' });
  const b = ch.request({ subtype: 'interrupt' });
  const idA = sent[0]!.request_id as string;
  const idB = sent[1]!.request_id as string;
  assert.notEqual(idA, idB);
  assert.ok(ch.handleResponse(success(idB, { ok: 'b' })));
  assert.ok(ch.handleResponse(success(idA, { ok: 'a' })));
  assert.deepEqual(await a, { ok: 'a' });
  assert.deepEqual(await b, { ok: 'b' });
  assert.equal(ch.handleResponse(success('req_unknown')), false);
});

test('an error response rejects with the CLI message', async () => {
  const { ch, sent } = channel();
  const p = ch.request({ subtype: 'set_permission_mode', mode: 'nope' });
  ch.handleResponse({ type: 'control_response', response: { subtype: 'error', request_id: sent[0]!.request_id as string, error: 'invalid mode' } } as SDKControlResponse);
  await assert.rejects(p, (e: unknown) => isShannonError(e, 'CONTROL_ERROR') && /invalid mode/.test(e.message));
});

test('an unanswered request times out with an actionable error', async () => {
  const { ch } = channel(undefined, 50);
  await assert.rejects(ch.request({ subtype: 'interrupt' }), (e: unknown) => isShannonError(e, 'CONTROL_TIMEOUT') && !!e.hint);
  assert.equal(ch.pendingCount, 0);
});

test('closing fails pending requests and withdraws incoming ones without answering them', async () => {
  let withdrawn = false;
  const { ch, sent } = channel(
    (_body, _id, signal) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          withdrawn = true;
          resolve({ behavior: 'deny' });
        });
      }),
  );
  const pending = ch.request({ subtype: 'interrupt' });
  const incoming = ch.handleRequest({ type: 'control_request', request_id: 'cli-1', request: { subtype: 'can_use_tool', tool_name: 'Bash', input: {}, tool_use_id: 't' } } as unknown as SDKControlRequest);
  ch.dispose();
  await assert.rejects(pending, (e: unknown) => isShannonError(e, 'SESSION_ENDED'));
  await incoming;
  assert.ok(withdrawn);
  assert.equal(sent.filter((m) => m.type === 'control_response').length, 0);
});

test('an incoming request is answered with the handler result, or an error response if it throws', async () => {
  const { ch, sent } = channel(async (body) => {
    if (body.subtype === 'can_use_tool') return { behavior: 'allow', updatedInput: {} };
    throw new Error('unsupported');
  });
  await ch.handleRequest({ type: 'control_request', request_id: 'r1', request: { subtype: 'can_use_tool', tool_name: 'Bash', input: {}, tool_use_id: 't' } } as unknown as SDKControlRequest);
  await ch.handleRequest({ type: 'control_request', request_id: 'r2', request: { subtype: 'elicitation' } } as unknown as SDKControlRequest);
  assert.deepEqual(sent[0], { type: 'control_response', response: { subtype: 'success', request_id: 'r1', response: { behavior: 'allow', updatedInput: {} } } });
  assert.deepEqual(sent[1], { type: 'control_response', response: { subtype: 'error', request_id: 'r2', error: 'unsupported' } });
});

test('the CLI can withdraw a permission ask with control_cancel_request', async () => {
  const { ch, sent } = channel((_b, _id, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ behavior: 'allow' }))));
  const done = ch.handleRequest({ type: 'control_request', request_id: 'r9', request: { subtype: 'can_use_tool', tool_name: 'Bash', input: {}, tool_use_id: 't' } } as unknown as SDKControlRequest);
  ch.handleCancel('r9');
  await done;
  assert.equal(sent.length, 0, 'a withdrawn request is not answered');
});
