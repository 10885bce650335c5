/**
 * Every Shannon command has a deliberate place in the command palette: listed everywhere (starting
 * work, finding it, setting Shannon up), never (a tree-row or code action that needs its row),
 * only where its resource is (a review diff, a file), or only where it can act: Interrupt while a
 * session is at work, session commands once there are sessions (keys set by
 * extension/sessionContextKeys.ts; the reload e2e sees them in the palette, also after a reload).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { sessionContextValues, SESSION_CONTEXT_KEYS } from '../../../src/extension/model/sessionContext.js';
import { record } from './records.js';

const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));
const commands: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
const palette = new Map<string, string>(pkg.contributes.menus.commandPalette.map((m: { command: string; when: string }) => [m.command, m.when]));

/** Useful whatever the state. */
const EVERYWHERE = new Set([
  'shannon.newSession',
  'shannon.searchSessions',
  'shannon.showUsage',
  'shannon.exportUsage',
  'shannon.selectClaudeBinary',
  'shannon.showInstallInstructions',
  'shannon.checkClaude',
  'shannon.showLog',
  'shannon.pruneWorktrees',
  'shannon.logIn',
  'shannon.openConcurrencySetting',
]);
/** Need a tree row, a Changes row or a diagnostic to act on: not in the palette. */
const NEVER = new Set(['shannon.showMoreSessions', 'shannon.openChange', 'shannon.keepChange', 'shannon.unkeepChange', 'shannon.discardChange', 'shannon.fixWithClaude']);
/** Act on the active editor's resource: listed only with one open. */
const WITH_RESOURCE = new Map([
  ['shannon.review.accept', 'resourceScheme == shannon-review'],
  ['shannon.review.reject', 'resourceScheme == shannon-review'],
  ['shannon.askAboutFile', 'resourceScheme == file'],
  ['shannon.sessionsTouchingFile', 'resourceScheme == file'],
  ['shannon.sendSelection', 'editorIsOpen'],
  ['shannon.revertTurnFile', 'shannon.turnDiff'],
]);
const SESSION_KEYS = new Set<string>(SESSION_CONTEXT_KEYS);

test('every command has a deliberate palette policy', () => {
  for (const command of commands) {
    const when = palette.get(command);
    if (EVERYWHERE.has(command)) assert.equal(when, undefined, `${command} is listed everywhere`);
    else if (NEVER.has(command)) assert.equal(when, 'false', `${command} needs its row: never in the palette`);
    else if (WITH_RESOURCE.has(command)) assert.equal(when, WITH_RESOURCE.get(command), `${command} is listed with its resource`);
    else assert.ok(when && SESSION_KEYS.has(when), `${command} needs a session when clause (or belongs in EVERYWHERE, NEVER or WITH_RESOURCE)`);
  }
  for (const listed of palette.keys()) assert.ok(commands.includes(listed), `${listed} in the palette menu is a contributed command`);
});

test('Interrupt shows only while a session is at work; Resume only when one can be resumed; work commands only for worktrees', () => {
  assert.equal(palette.get('shannon.interrupt'), 'shannon.hasBusySessions');
  assert.equal(palette.get('shannon.resume'), 'shannon.hasResumableSessions');
  assert.equal(palette.get('shannon.cancel'), 'shannon.hasLiveSessions');
  assert.equal(palette.get('shannon.startNow'), 'shannon.hasQueuedSessions');
  for (const c of ['shannon.mergeSession', 'shannon.applySession', 'shannon.rebaseSession', 'shannon.discardSessionWork']) assert.equal(palette.get(c), 'shannon.hasIsolatedSessions', c);
  for (const c of ['shannon.sendMessage', 'shannon.fork', 'shannon.openTranscript', 'shannon.showOutput', 'shannon.deleteSession', 'shannon.createCheckpoint']) {
    assert.equal(palette.get(c), 'shannon.hasSessions', c);
  }
});

test('the keys follow the sessions', () => {
  assert.deepEqual(sessionContextValues([]), {
    'shannon.hasSessions': false,
    'shannon.hasLiveSessions': false,
    'shannon.hasBusySessions': false,
    'shannon.hasResumableSessions': false,
    'shannon.hasIsolatedSessions': false,
    'shannon.hasQueuedSessions': false,
  });
  const running = sessionContextValues([record({ state: 'running' })]);
  assert.equal(running['shannon.hasBusySessions'], true);
  assert.equal(running['shannon.hasLiveSessions'], true);
  const queued = sessionContextValues([record({ state: 'queued' })]);
  assert.equal(queued['shannon.hasQueuedSessions'], true, 'Start Now is offered while one waits');
  assert.equal(running['shannon.hasQueuedSessions'], false);
  const idle = sessionContextValues([record({ state: 'idle' })]);
  assert.equal(idle['shannon.hasBusySessions'], false, 'an idle session has nothing to interrupt');
  const done = sessionContextValues([record({ state: 'completed', cliSessionId: 'c' })]);
  assert.deepEqual([done['shannon.hasSessions'], done['shannon.hasLiveSessions'], done['shannon.hasResumableSessions']], [true, false, true]);
  const isolated = sessionContextValues([record({ state: 'idle', worktree: { isolation: 'worktree' } as never })]);
  assert.equal(isolated['shannon.hasIsolatedSessions'], true);
});
