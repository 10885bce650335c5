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
  const every: Record<ShannonFix, true> = { 'install-claude': true, 'choose-claude': true, 'show-log': true, 'turn-off-auto-checkpoint': true };
  for (const fix of Object.keys(every) as ShannonFix[]) {
    const action = fixAction(fix);
    assert.ok(action, fix);
    assert.ok(action.command.startsWith('workbench.') || contributed.has(action.command), `${fix}: ${action.command} is not a contributed command`);
  }
  assert.equal(fixAction(undefined), undefined);
});
