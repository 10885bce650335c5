/** The message box's offer follows the session: Queue while it works, Send when idle or suspended, Resume once it ended. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composerMode } from '../../src/webview/view/composerMode.js';
import { record } from './extension/records.js';

test('the message box says what Enter will do in each state', () => {
  assert.equal(composerMode(record({ state: 'running' })).label, 'Queue');
  assert.equal(composerMode(record({ state: 'awaiting_permission' })).label, 'Queue');
  assert.equal(composerMode(record({ state: 'idle' })).label, 'Send');
  // A suspended session wakes on the next message: nothing to resume by hand.
  const suspended = composerMode(record({ state: 'suspended', cliSessionId: 'c' }));
  assert.deepEqual([suspended.label, suspended.disabled], ['Send', false]);
  const ended = composerMode(record({ state: 'completed', cliSessionId: 'c' }));
  assert.deepEqual([ended.label, ended.disabled], ['Resume', false]);
  // Ended before the CLI named its conversation: nothing to resume, the box is off.
  const lost = composerMode(record({ state: 'failed', cliSessionId: undefined }));
  assert.deepEqual([lost.label, lost.disabled, lost.placeholder], ['Send', true, 'This session has ended.']);
  assert.equal(composerMode(undefined).placeholder, 'Loading…');
});
