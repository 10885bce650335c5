/**
 * The MCP permission cap's pure parts: tool rules read the way the pinned CLI reads them, a
 * narrow rule that cannot be widened, and what create_session keeps of the user's defaults.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseToolRule, READ_ONLY_TOOLS } from '../../src/core/cli/toolRules.js';
import { isShannonError } from '../../src/core/errors.js';
import { emptyMetrics, type SessionRecord } from '../../src/core/session/types.js';
import { accessNote, assertMayDrive, capCreateOptions, capExcess, toolsBeyondCap, wholeToolAllowed } from '../../src/mcp/cap.js';
import { resolvePolicy, type McpPolicy } from '../../src/mcp/deps.js';
import { DEFAULT_SETTINGS } from '../../src/extension/model/settings.js';
import { mcpAccessOf, mcpPolicy } from '../../src/extension/model/mcpAccess.js';

const policy = (p: McpPolicy = {}) => resolvePolicy({ policy: () => p });
const withNpmTest = policy({ allowedTools: [...READ_ONLY_TOOLS, 'Bash(npm test:*)'] });

test('rules parse as the CLI reads them: whole tools, contents with escapes, names that match nothing, old names', () => {
  assert.deepEqual(parseToolRule('Bash'), { tool: 'Bash' });
  assert.deepEqual(parseToolRule('Bash()'), { tool: 'Bash' });
  assert.deepEqual(parseToolRule('Bash(*)'), { tool: 'Bash' }, '(*) is the whole tool');
  assert.deepEqual(parseToolRule('Bash(npm test:*)'), { tool: 'Bash', content: 'npm test:*' });
  assert.deepEqual(parseToolRule('Bash(echo \\(hi\\))'), { tool: 'Bash', content: 'echo (hi)' });
  assert.deepEqual(parseToolRule('Bash(x)y'), { tool: 'Bash(x)y' }, 'a ")" that does not end the rule: a tool of that name');
  assert.deepEqual(parseToolRule('(x)'), { tool: '(x)' });
  assert.deepEqual(parseToolRule('Task'), { tool: 'Agent' });
  assert.deepEqual(parseToolRule('BashOutput(x)'), { tool: 'TaskOutput', content: 'x' });
});

test('by default callers may pre-approve read-only tools, and no Bash in any form', () => {
  const d = policy();
  assert.deepEqual(d.allowedTools, READ_ONLY_TOOLS);
  for (const ok of [[], ['Read'], ['Read', 'Grep', 'Glob'], ['Read(src/**)'], ['BashOutput'], ['Read()'], ['Read(*)']]) assert.deepEqual(toolsBeyondCap(ok, d), [], JSON.stringify(ok));
  for (const bad of ['Bash', 'Bash(*)', 'Bash(ls)', 'Edit', 'Write', 'WebFetch', 'Task', 'Agent', 'mcp__github', 'Read(x)y', 'bash']) assert.deepEqual(toolsBeyondCap([bad], d), [bad], bad);
  assert.deepEqual(toolsBeyondCap(['Read', 'Bash'], d), ['Bash'], 'only the offending entry is named');
});

test('a narrow Bash pattern the user lists lets exactly that rule through, never a wider one', () => {
  assert.deepEqual(toolsBeyondCap(['Bash(npm test:*)'], withNpmTest), []);
  assert.deepEqual(toolsBeyondCap([' Bash(npm test:*) '], withNpmTest), [], 'spaces around a rule are the CLI\'s separators');
  for (const wider of ['Bash', 'Bash(*)', 'Bash()', 'Bash(**)', 'Bash(npm test*)', 'Bash(npm *)', 'Bash(npm:*)', 'Bash(npm test :*)', 'Bash(npm test:* && rm -rf /)', 'Bash(npm test:*),Bash', 'Bash(npm test:*) Bash']) {
    assert.deepEqual(toolsBeyondCap([wider], withNpmTest), [wider], wider);
  }
  assert.equal(wholeToolAllowed('Bash', withNpmTest), false, 'remember (the whole tool for the session) is not a narrow pattern');
  assert.equal(wholeToolAllowed('Read', withNpmTest), true);
});

test('whole MCP servers cover their tools, not the other way round', () => {
  const p = policy({ allowedTools: ['mcp__github', 'mcp__docs__search'] });
  assert.deepEqual(toolsBeyondCap(['mcp__github__create_issue', 'mcp__github__*', 'mcp__github', 'mcp__docs__search'], p), []);
  assert.deepEqual(toolsBeyondCap(['mcp__docs', 'mcp__docs__delete', 'mcp__githubx__a'], p), ['mcp__docs', 'mcp__docs__delete', 'mcp__githubx__a']);
});

test('a refusal says what is allowed and how the user widens it', () => {
  const extension = resolvePolicy({ policy: () => mcpPolicy(DEFAULT_SETTINGS) });
  for (const [p, widen] of [
    [policy(), /--allow-tools/],
    [extension, /shannon\.mcp\.allowedTools/],
  ] as const) {
    assert.throws(
      () => capCreateOptions({ allowedTools: ['Bash'] }, {}, p),
      (err: unknown) => isShannonError(err, 'NOT_PERMITTED') && /"Bash"/.test(err.message) && /Read, Glob, Grep/.test(err.message) && widen.test(err.hint ?? ''),
    );
    assert.throws(
      () => capCreateOptions({ permissionMode: 'bypassPermissions' }, {}, p),
      (err: unknown) => isShannonError(err, 'NOT_PERMITTED') && /at most "auto"/.test(err.message),
    );
  }
});

test("create_session keeps the user's defaults within the cap and says what it left out", () => {
  const out = capCreateOptions({ allowedTools: ['Grep'] }, { permissionMode: 'bypassPermissions', allowedTools: ['Read', 'Bash', 'Edit'], model: 'opus' }, policy());
  assert.deepEqual(out.options, { permissionMode: 'auto', allowedTools: ['Read', 'Grep'] }, 'the mode is lowered to the cap; Bash and Edit are left out');
  assert.equal(out.notes.length, 2);
  assert.match(out.notes.join(' '), /bypassPermissions.*"auto".*Bash, Edit/);
  const plain = capCreateOptions({}, { permissionMode: 'plan' }, policy());
  assert.deepEqual(plain, { options: { permissionMode: 'plan', allowedTools: [] }, notes: [] }, 'a stricter default stays; the tool list is always set');
});

const record = (options: SessionRecord['options'], extra: Partial<SessionRecord> = {}): SessionRecord => ({
  id: 'id-1',
  workspaceFolder: '/w',
  cwd: '/w',
  title: 'user session',
  options,
  state: 'idle',
  createdAt: 0,
  updatedAt: 0,
  metrics: emptyMetrics(),
  origin: 'shannon',
  ...extra,
});

test('a session above the cap is read-only for MCP until the user shares it', () => {
  const p = policy();
  for (const r of [record({ permissionMode: 'bypassPermissions' }), record({ allowedTools: ['Bash'] }), record({ allowedTools: ['Read', 'Bash(git:*)'] })]) {
    assert.equal(capExcess(r, p).length, 1, JSON.stringify(r.options));
    assert.throws(() => assertMayDrive(r, p, 'send a message to'), (err: unknown) => isShannonError(err, 'NOT_PERMITTED') && /not shared with MCP/.test(err.message));
    assert.match(accessNote(r, p) ?? '', /^not shared with MCP: read-only/);
    assert.doesNotThrow(() => assertMayDrive({ ...r, sharedWithMcp: true }, p, 'send a message to'));
    assert.match(accessNote({ ...r, sharedWithMcp: true }, p) ?? '', /^shared with MCP by the user/);
  }
  for (const r of [record({}), record({ permissionMode: 'acceptEdits', allowedTools: ['Read'] })]) {
    assert.deepEqual(capExcess(r, p), []);
    assert.equal(accessNote(r, p), undefined);
  }
  const settings = { ...DEFAULT_SETTINGS, mcp: { ...DEFAULT_SETTINGS.mcp, allowedTools: [...READ_ONLY_TOOLS, 'Bash(git:*)'] } };
  assert.equal(mcpAccessOf(record({ allowedTools: ['Bash(git:*)'] }), DEFAULT_SETTINGS), 'unshared');
  assert.equal(mcpAccessOf(record({ allowedTools: ['Bash(git:*)'] }), settings), undefined, 'the user widened the cap to cover it');
  assert.equal(mcpAccessOf(record({}, { sharedWithMcp: true }), DEFAULT_SETTINGS), 'shared');
});
