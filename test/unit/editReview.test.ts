import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { proposalOf, reviewedAnswer } from '../../src/core/review/editProposal.js';
import { formatToolRule, sessionRulesOf, toPermissionResult, type PermissionAsk, type PermissionDecision } from '../../src/core/session/permissions.js';
import { parseWebviewMessage } from '../../src/shared/webviewProtocol.js';
import { allowChoices } from '../../src/webview/model/allowChoices.js';

const f = '/w/a.txt';

function allowed(ask: PermissionAsk, decision: PermissionDecision) {
  const result = toPermissionResult(ask, decision);
  assert.equal(result.behavior, 'allow');
  return result as Extract<typeof result, { behavior: 'allow' }>;
}

describe('what an edit would leave (as the CLI applies it)', () => {
  test('Edit replaces the first match, replace_all every one, MultiEdit in order', () => {
    assert.equal(proposalOf('Edit', { file_path: f, old_string: 'b', new_string: 'B' }, 'a b b')!.after, 'a B b');
    assert.equal(proposalOf('Edit', { file_path: f, old_string: 'b', new_string: 'B', replace_all: true }, 'a b b')!.after, 'a B B');
    const multi = proposalOf('MultiEdit', { file_path: f, edits: [{ old_string: 'a', new_string: 'x' }, { old_string: 'x b', new_string: 'y' }] }, 'a b')!;
    assert.deepEqual([multi.before, multi.after], ['a b', 'y']);
  });

  test('a CRLF file is edited as LF and keeps its CRLF endings', () => {
    assert.equal(proposalOf('Edit', { file_path: f, old_string: 'a\nb', new_string: 'a\nB' }, 'a\r\nb\r\n')!.after, 'a\r\nB\r\n');
  });

  test('Write proposes its content; an Edit whose old text is missing proposes nothing', () => {
    assert.deepEqual(proposalOf('Write', { file_path: f, content: 'new' }, undefined), { filePath: f, before: '', after: 'new', cellOnly: false });
    assert.equal(proposalOf('Edit', { file_path: f, old_string: 'zzz', new_string: 'y' }, 'abc'), undefined);
    assert.equal(proposalOf('Bash', { command: 'ls' }, undefined), undefined);
  });

  test('NotebookEdit reviews the cell’s source, found by id or by cell-N', () => {
    const nb = JSON.stringify({ cells: [{ id: 'x1', source: ['print(1)\n', 'print(2)'] }, { source: 'second' }] });
    const byId = proposalOf('NotebookEdit', { notebook_path: '/w/n.ipynb', cell_id: 'x1', new_source: 'print(3)' }, nb)!;
    assert.deepEqual([byId.before, byId.after, byId.cellOnly], ['print(1)\nprint(2)', 'print(3)', true]);
    assert.equal(proposalOf('NotebookEdit', { notebook_path: '/w/n.ipynb', cell_id: 'cell-1', new_source: 's', edit_mode: 'delete' }, nb)!.before, 'second');
  });
});

describe('the answer for a reviewed edit', () => {
  const edit = { file_path: f, old_string: 'b', new_string: 'B' };
  const proposal = proposalOf('Edit', edit, 'a\r\nb\r\n')!;

  test('untouched: the call goes as Claude made it', () => {
    assert.deepEqual(reviewedAnswer('Edit', edit, proposal, 'a\r\nB\r\n'), { kind: 'unchanged' });
  });

  test('changed: an Edit of the whole file, as the CLI reads it (LF), to the user’s text', () => {
    assert.deepEqual(reviewedAnswer('Edit', edit, proposal, 'a\r\nmine\r\n'), {
      kind: 'edited',
      input: { file_path: f, old_string: 'a\nb\n', new_string: 'a\nmine\n', replace_all: false },
    });
    const write = proposalOf('Write', { file_path: f, content: 'x' }, 'old')!;
    assert.deepEqual(reviewedAnswer('Write', { file_path: f, content: 'x' }, write, 'y'), { kind: 'edited', input: { file_path: f, content: 'y' } });
  });

  test('everything put back: nothing to write', () => {
    assert.deepEqual(reviewedAnswer('Edit', edit, proposal, 'a\r\nb\r\n'), { kind: 'nothing' });
  });
});

describe('allowing for the session', () => {
  const ask = (toolName: string, suggestions?: PermissionAsk['suggestions']): PermissionAsk => ({
    sessionId: 's',
    requestId: 'r',
    toolName,
    toolUseId: 't',
    input: { command: 'npm test' },
    suggestions,
    askedAt: 0,
  });
  const npmTest = ask('Bash', [
    { type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'npm test *' }], behavior: 'allow', destination: 'localSettings' },
    { type: 'setMode', mode: 'acceptEdits', destination: 'session' },
  ]);

  test('the CLI’s suggested rule, kept to the session; the whole tool only when asked for', () => {
    assert.deepEqual(sessionRulesOf(npmTest), [{ tool: 'Bash', content: 'npm test *' }]);
    assert.deepEqual(allowed(npmTest, { behavior: 'allow', scope: 'session' }).updatedPermissions, [
      { type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'npm test *' }], behavior: 'allow', destination: 'session' },
    ]);
    assert.deepEqual(allowed(npmTest, { behavior: 'allow', scope: 'tool' }).updatedPermissions, [
      { type: 'addRules', rules: [{ toolName: 'Bash' }], behavior: 'allow', destination: 'session' },
    ]);
    assert.equal(allowed(npmTest, { behavior: 'allow', scope: 'once' }).updatedPermissions, undefined);
    assert.deepEqual(sessionRulesOf(ask('Write', [{ type: 'setMode', mode: 'acceptEdits', destination: 'session' }])), [{ tool: 'Write' }]);
  });

  test('rules are written as --allowedTools reads them back', () => {
    assert.equal(formatToolRule({ tool: 'Bash', content: 'npm test *' }), 'Bash(npm test *)');
    assert.equal(formatToolRule({ tool: 'Bash', content: 'echo (x)' }), 'Bash(echo \\(x\\))');
    assert.equal(formatToolRule({ tool: 'Write' }), 'Write');
  });

  test('the buttons say what each choice lets through', () => {
    const choices = allowChoices(npmTest);
    assert.equal(choices.session.label, 'Allow “npm test …” for this session');
    assert.equal(choices.tool?.label, 'Allow every Bash command');
    assert.match(choices.tool!.title, /change or delete files/);
    assert.deepEqual(allowChoices(ask('Write')).tool, undefined);
  });

  test('answers and a plan’s mode reach the CLI; a panel cannot ask for more than acceptEdits', () => {
    const q = ask('AskUserQuestion');
    assert.deepEqual(allowed(q, { behavior: 'allow', answers: { 'Which?': 'A' } }).updatedInput, { command: 'npm test', answers: { 'Which?': 'A' } });
    const parsed = (decision: unknown) => parseWebviewMessage({ type: 'permission', id: 1, requestId: 'r', decision });
    assert.deepEqual(parsed({ behavior: 'allow', mode: 'acceptEdits', answers: { a: 'b' } }), { type: 'permission', id: 1, requestId: 'r', decision: { behavior: 'allow', scope: 'once', mode: 'acceptEdits', answers: { a: 'b' } } });
    assert.deepEqual(parsed({ behavior: 'allow', mode: 'bypassPermissions', scope: 'tool', answers: { a: 1 } }), { type: 'permission', id: 1, requestId: 'r', decision: { behavior: 'allow', scope: 'tool' } });
  });
});
