/**
 * Every Shannon command has a deliberate place in the command palette: listed everywhere, never
 * (a tree-row or code action that needs its row), or only where its resource is (a review diff,
 * a file). Session commands stay listed: keys set from the extension host did not reliably reach
 * the palette after Reload Window in code-server (Delete Session stayed hidden with sessions in
 * the tree), and a command that says "no session is running" beats one that cannot be found.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));
const commands: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
const palette = new Map<string, string>(pkg.contributes.menus.commandPalette.map((m: { command: string; when: string }) => [m.command, m.when]));

/** Need a tree row, a Changes row or a diagnostic to act on: not in the palette. */
const NEVER = new Set(['shannon.showMoreSessions', 'shannon.openChange', 'shannon.keepChange', 'shannon.unkeepChange', 'shannon.discardChange', 'shannon.fixWithClaude']);
/** Act on the active editor's resource: listed only with one open. */
const WITH_RESOURCE = new Map([
  ['shannon.review.accept', 'resourceScheme == shannon-review'],
  ['shannon.review.reject', 'resourceScheme == shannon-review'],
  ['shannon.askAboutFile', 'resourceScheme == file'],
  ['shannon.sessionsTouchingFile', 'resourceScheme == file'],
  ['shannon.sendSelection', 'editorIsOpen'],
]);

test('every command has a deliberate palette policy', () => {
  for (const command of commands) {
    const when = palette.get(command);
    if (NEVER.has(command)) assert.equal(when, 'false', `${command} needs its row: never in the palette`);
    else if (WITH_RESOURCE.has(command)) assert.equal(when, WITH_RESOURCE.get(command), `${command} is listed with its resource`);
    else assert.equal(when, undefined, `${command} is listed everywhere`);
  }
  for (const listed of palette.keys()) assert.ok(commands.includes(listed), `${listed} in the palette menu is a contributed command`);
});
