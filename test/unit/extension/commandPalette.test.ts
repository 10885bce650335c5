/**
 * The command palette lists a Shannon command only where it can do something: Interrupt only
 * while a session is at work, session commands only once there are sessions (package.json
 * `contributes.menus.commandPalette`, keys set by extension/sessionContextKeys.ts).
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

/** Useful whatever the state: starting work, finding it, setting Shannon up. */
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

test('every command has a deliberate palette policy: everywhere, never (a tree-row action), or a when clause', () => {
  for (const command of commands) {
    const when = palette.get(command);
    if (EVERYWHERE.has(command)) assert.equal(when, undefined, `${command} is listed everywhere`);
    else assert.ok(when, `${command} needs a commandPalette when clause (or belongs in EVERYWHERE)`);
  }
});

test('Interrupt shows only while a session is at work; Resume only when one can be resumed', () => {
  assert.equal(palette.get('shannon.interrupt'), 'shannon.hasBusySessions');
  assert.equal(palette.get('shannon.resume'), 'shannon.hasResumableSessions');
  assert.equal(palette.get('shannon.cancel'), 'shannon.hasLiveSessions');
  for (const c of ['shannon.mergeSession', 'shannon.applySession', 'shannon.rebaseSession', 'shannon.discardSessionWork']) assert.equal(palette.get(c), 'shannon.hasIsolatedSessions', c);
  for (const c of ['shannon.sendMessage', 'shannon.fork', 'shannon.openTranscript', 'shannon.showOutput', 'shannon.deleteSession', 'shannon.createCheckpoint']) {
    assert.match(palette.get(c)!, /shannon\.hasSessions/, c);
  }
});

test('the palette reads only keys Shannon sets', () => {
  const known = new Set<string>([...SESSION_CONTEXT_KEYS, 'shannon.ready', 'shannon.claude', 'shannon.failed', 'shannon.changes.isolated', 'shannon.changes.hasFiles']);
  for (const [command, when] of palette) {
    if (when === 'false') continue;
    for (const key of when.match(/shannon\.[\w.]+/g) ?? []) assert.ok(known.has(key), `${command}: ${key}`);
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
});
