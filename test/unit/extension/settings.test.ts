import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  DEFAULT_SETTINGS,
  SETTING_KEYS,
  changedKeys,
  engineLimits,
  prunePolicy,
  readSettings,
  runDefaults,
  type SettingKey,
} from '../../../src/extension/model/settings.js';

const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown; scope?: string }> } };
};

function from(values: Partial<Record<SettingKey, unknown>>) {
  return readSettings((k) => values[k]);
}

test('every setting is declared in package.json with the default the code assumes', () => {
  const props = manifest.contributes.configuration.properties;
  const flat: Record<SettingKey, unknown> = {
    claudePath: DEFAULT_SETTINGS.claudePath,
    environment: DEFAULT_SETTINGS.environment,
    defaultModel: DEFAULT_SETTINGS.defaultModel,
    permissionMode: DEFAULT_SETTINGS.permissionMode,
    allowedTools: DEFAULT_SETTINGS.allowedTools,
    maxConcurrentSessions: DEFAULT_SETTINGS.maxConcurrentSessions,
    sessionTimeoutMinutes: DEFAULT_SETTINGS.sessionTimeoutMinutes,
    idleTimeoutMinutes: DEFAULT_SETTINGS.idleTimeoutMinutes,
    processPriority: DEFAULT_SETTINGS.processPriority,
    showPartialMessages: DEFAULT_SETTINGS.showPartialMessages,
    autoCheckpoint: DEFAULT_SETTINGS.autoCheckpoint,
    'history.maxAgeDays': DEFAULT_SETTINGS.history.maxAgeDays,
    'history.maxSizeMB': DEFAULT_SETTINGS.history.maxSizeMB,
    'mcp.enabled': DEFAULT_SETTINGS.mcp.enabled,
    'mcp.maxPermissionMode': DEFAULT_SETTINGS.mcp.maxPermissionMode,
    'mcp.allowedTools': DEFAULT_SETTINGS.mcp.allowedTools,
    'mcp.sessionIdleMinutes': DEFAULT_SETTINGS.mcp.sessionIdleMinutes,
    isolation: DEFAULT_SETTINGS.isolation,
    'worktree.copy': DEFAULT_SETTINGS.worktree.copy,
    'worktree.symlink': DEFAULT_SETTINGS.worktree.symlink,
    notifyOnTurnEnd: DEFAULT_SETTINGS.notifyOnTurnEnd,
    'review.openDiffOnAsk': DEFAULT_SETTINGS.review.openDiffOnAsk,
    'usage.warnAtPercent': DEFAULT_SETTINGS.usage.warnAtPercent,
  };
  for (const key of SETTING_KEYS) {
    const decl = props[`shannon.${key}`];
    assert.ok(decl, `shannon.${key} is not in contributes.configuration`);
    assert.deepEqual(decl.default, flat[key], `default of shannon.${key}`);
  }
  assert.equal(props['shannon.claudePath']?.scope, 'machine', 'a repository cannot point Shannon at its own binary');
  assert.equal(props['shannon.mcp.allowedTools']?.scope, 'machine', "a repository cannot widen what MCP callers may pre-approve");
  for (const key of SETTING_KEYS) assert.ok((props[`shannon.${key}`] as { markdownDescription?: string }).markdownDescription, `shannon.${key} says what it does`);
});

test('unset settings read as the defaults', () => {
  assert.deepEqual(from({}), DEFAULT_SETTINGS);
});

test('wrong types fall back to defaults instead of reaching the CLI', () => {
  const s = from({ permissionMode: 'yolo', maxConcurrentSessions: 'many', processPriority: 'realtime', allowedTools: ['Bash', 3, ' Read '], environment: { OK: 'x', 'BAD NAME': 'y', N: 1, O: { a: 1 } } });
  assert.equal(s.permissionMode, 'default');
  assert.equal(s.processPriority, 'belowNormal');
  assert.equal(from({ processPriority: 'normal' }).processPriority, 'normal');
  assert.equal(s.maxConcurrentSessions, 3);
  assert.deepEqual(s.allowedTools, ['Bash', 'Read']);
  assert.deepEqual(s.environment, { OK: 'x', N: '1' });
});

test('MCP limits: an empty tool list is a choice, a wrong one is the default; idle minutes are clamped', () => {
  assert.deepEqual(from({ 'mcp.allowedTools': [] }).mcp.allowedTools, []);
  assert.deepEqual(from({ 'mcp.allowedTools': 'Bash' }).mcp.allowedTools, DEFAULT_SETTINGS.mcp.allowedTools);
  assert.deepEqual(from({ 'mcp.allowedTools': ['Read', ' Bash(npm test:*) ', 7] }).mcp.allowedTools, ['Read', 'Bash(npm test:*)']);
  assert.equal(from({ 'mcp.sessionIdleMinutes': 0 }).mcp.sessionIdleMinutes, 1);
  assert.equal(from({ 'mcp.sessionIdleMinutes': 'soon' }).mcp.sessionIdleMinutes, 30);
});

test('numbers are clamped to sane ranges', () => {
  assert.equal(from({ maxConcurrentSessions: 0 }).maxConcurrentSessions, 1);
  assert.equal(from({ idleTimeoutMinutes: -5 }).idleTimeoutMinutes, 0);
  assert.equal(from({ maxConcurrentSessions: 2.7 }).maxConcurrentSessions, 2);
});

test('settings become the run defaults and limits of every new session', () => {
  const s = from({ defaultModel: 'sonnet', permissionMode: 'acceptEdits', allowedTools: ['Bash(git:*)'], showPartialMessages: false, maxConcurrentSessions: 5, sessionTimeoutMinutes: 10, idleTimeoutMinutes: 2 });
  assert.deepEqual(runDefaults(s), { model: 'sonnet', permissionMode: 'acceptEdits', allowedTools: ['Bash(git:*)'], includePartialMessages: false });
  assert.deepEqual(engineLimits(s), { maxConcurrentPerFolder: 5, sessionTimeoutMs: 600_000, idleTimeoutMs: 120_000 });
  assert.deepEqual(runDefaults(from({})), { permissionMode: 'default', includePartialMessages: true }, 'no model: the CLI picks its own');
});

test('history retention 0 means "keep everything"', () => {
  assert.deepEqual(prunePolicy(from({ 'history.maxAgeDays': 0, 'history.maxSizeMB': 0 })), {});
  assert.deepEqual(prunePolicy(from({ 'history.maxAgeDays': 7, 'history.maxSizeMB': 1 })), { maxAgeDays: 7, maxBytes: 1048576 });
});

test('changedKeys names exactly what changed', () => {
  assert.deepEqual(changedKeys(from({}), from({ defaultModel: 'opus', 'mcp.enabled': false })), ['defaultModel', 'mcp.enabled']);
  assert.deepEqual(changedKeys(from({}), from({})), []);
});
