/**
 * Activation with a large history (largeHistory.ts, opened through SHANNON_DATA_DIR): activate()
 * opens nothing, the store opens right after, and the tree shows the folder's 600 finished
 * sessions a page at a time. The times are recorded for the report; the targets live in
 * `npm run bench` (activation, store), not here: a loaded CI machine is no stopwatch.
 */
import assert from 'node:assert/strict';
import { hostSuite } from '../support/hostDsl';
import { recordMetric, shannon, until } from './hostUtil';

const suite = hostSuite({ timeoutMs: 60_000 });

suite.test('Shannon activates and gets ready with 1,000 sessions and 150,000 messages in the store', async (vscode) => {
  const api = await shannon(vscode);
  const readyMs = await api.whenReady();
  const figures = JSON.parse(process.env.SHANNON_E2E_HISTORY ?? '{}') as Record<string, number>;
  recordMetric('largeHistory', { ...figures, activationMs: Math.round(api.activationMs * 10) / 10, readyMs: Math.round(readyMs) });
  assert.ok(readyMs >= api.activationMs, 'the store opened after activate() returned');
});

suite.test('the tree lists the folder’s sessions under Finished, 50 at a time', async (vscode) => {
  const api = await shannon(vscode);
  await until('the 600 sessions in the tree', () => api.testing.treeRecords().length === 600);
  const started = performance.now();
  const roots = await api.testing.treeSnapshot();
  const ms = performance.now() - started;
  recordMetric('largeHistoryTreeSnapshotMs', Math.round(ms * 10) / 10);
  const finished = roots.find((r) => r.label === 'Finished');
  assert.ok(finished, `groups: ${roots.map((r) => r.label).join(', ')}`);
  assert.equal(finished.description, '600');
  assert.equal(finished.children.length, 51);
  assert.equal(finished.children.at(-1)?.label, 'Show 550 more…');
  assert.equal(finished.children[0]?.label, 'Past session 599: update docs', 'newest first');
});

suite.test('the Sessions view is shown (for the screenshot)', async (vscode) => {
  await vscode.commands.executeCommand('shannon.sessions.focus');
  await new Promise((r) => setTimeout(r, 1500));
});

export const run = suite.run;
