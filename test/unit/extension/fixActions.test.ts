import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { ShannonFix } from '../../../src/core/errors.js';
import { fixAction } from '../../../src/extension/model/fixActions.js';

const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }> } };
const contributed = new Set(manifest.contributes.commands.map((c) => c.command));

test('every fix a core error can ask for has a button whose command exists', () => {
  // A Record, so a fix added to the core fails to compile here until it is listed.
  const every: Record<ShannonFix, true> = { 'install-claude': true, 'choose-claude': true, 'show-log': true, 'turn-off-auto-checkpoint': true, 'choose-model': true, 'log-in': true };
  for (const fix of Object.keys(every) as ShannonFix[]) {
    for (const action of [fixAction(fix), fixAction(fix, 'a-session')]) {
      assert.ok(action, fix);
      assert.ok(action.command.startsWith('workbench.') || contributed.has(action.command), `${fix}: ${action.command} is not a contributed command`);
    }
  }
  assert.equal(fixAction(undefined), undefined);
});

test('on a session\'s error card, a model that does not work is changed for that session', () => {
  assert.deepEqual(fixAction('choose-model', 's1'), { label: 'Change Model…', command: 'shannon.changeModel', args: [{ sessionId: 's1' }] });
  assert.deepEqual(fixAction('show-log', 's1'), { label: 'Show Log', command: 'shannon.showOutput', args: [{ sessionId: 's1' }] });
  // Logging in is not about one session.
  assert.deepEqual(fixAction('log-in', 's1'), { label: 'How to Log In…', command: 'shannon.logIn' });
});
