import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { BASE_ARGS, buildClaudeArgs, splitToolList } from '../../src/core/cli/args.js';
import { isShannonError } from '../../src/core/errors.js';
import type { ClaudeRunOptions } from '../../src/core/session/types.js';
import { CLAUDE_BIN } from '../support/realCli.js';

const BASE = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];
const SESSION = '0b6f7b3e-9d1c-4c55-8f0e-3a2b1c4d5e6f';
const FORK = '5d7e1f2a-3b4c-4d5e-8f60-718293a4b5c6';
const MESSAGE = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';

function rejects(options: ClaudeRunOptions, message: RegExp): void {
  assert.throws(
    () => buildClaudeArgs(options),
    (err: unknown) => isShannonError(err, 'INVALID_ARGUMENT') && message.test(err.message) && Boolean(err.hint),
  );
}

describe('buildClaudeArgs', () => {
  test('a session with no options still speaks stream-json both ways and asks permissions over stdio', () => {
    assert.deepEqual(BASE_ARGS, BASE);
    assert.deepEqual(buildClaudeArgs({}), [...BASE, '--permission-prompt-tool', 'stdio']);
  });

  test('every option becomes its flag, in a fixed order', () => {
    const argv = buildClaudeArgs({
      model: 'sonnet',
      permissionMode: 'acceptEdits',
      allowedTools: ['Read', 'Bash(git log *)'],
      disallowedTools: ['WebFetch'],
      addDirs: ['/srv/a', '/srv/b c'],
      appendSystemPrompt: 'Answer in French.',
      maxTurns: 3,
      agent: 'reviewer',
      mcpConfig: ['{"mcpServers":{}}', '/etc/mcp.json'],
      includePartialMessages: true,
      sessionId: SESSION,
      permissionPromptTool: 'mcp__shannon__approve',
    });
    assert.deepEqual(argv, [
      ...BASE,
      '--permission-prompt-tool', 'mcp__shannon__approve',
      '--model', 'sonnet',
      '--permission-mode', 'acceptEdits',
      '--allowedTools', 'Read,Bash(git log *)',
      '--disallowedTools', 'WebFetch',
      '--add-dir', '/srv/a',
      '--add-dir', '/srv/b c',
      '--append-system-prompt', 'Answer in French.',
      '--max-turns', '3',
      '--agent', 'reviewer',
      '--mcp-config', '{"mcpServers":{}}',
      '--mcp-config', '/etc/mcp.json',
      '--include-partial-messages',
      '--session-id', SESSION,
    ]);
  });

  test('resuming at a message as a named fork passes all four session flags', () => {
    assert.deepEqual(buildClaudeArgs({ resume: SESSION, resumeAt: MESSAGE, forkSession: true, sessionId: FORK }), [
      ...BASE,
      '--permission-prompt-tool', 'stdio',
      '--resume', SESSION,
      '--resume-session-at', MESSAGE,
      '--fork-session',
      '--session-id', FORK,
    ]);
    assert.deepEqual(buildClaudeArgs({ resume: SESSION }), [...BASE, '--permission-prompt-tool', 'stdio', '--resume', SESSION]);
  });

  test('a tool rule with spaces reaches the CLI as one rule', () => {
    const rules = ['Bash(git log *)', 'Bash(npm run test:*)', 'Edit', 'mcp__github__create_issue', 'WebFetch(domain:example.com)'];
    const argv = buildClaudeArgs({ allowedTools: rules });
    const value = argv[argv.indexOf('--allowedTools') + 1];
    assert.equal(value, 'Bash(git log *),Bash(npm run test:*),Edit,mcp__github__create_issue,WebFetch(domain:example.com)');
    assert.deepEqual(splitToolList(value!), rules);
    // Commas inside the parentheses are the rule's own, as the CLI reads them.
    assert.deepEqual(splitToolList('Bash(echo a,b),Read Edit'), ['Bash(echo a,b)', 'Read', 'Edit']);
  });

  test('a value that looks like a flag stays a value', () => {
    const argv = buildClaudeArgs({ appendSystemPrompt: '--dangerously-skip-permissions', addDirs: ['-weird'] });
    assert.equal(argv[argv.indexOf('--append-system-prompt') + 1], '--dangerously-skip-permissions');
    assert.equal(argv[argv.indexOf('--add-dir') + 1], '-weird');
  });

  test('flags that are off or empty are left out', () => {
    assert.deepEqual(buildClaudeArgs({ includePartialMessages: false, allowedTools: [], disallowedTools: [], addDirs: [], mcpConfig: [], appendSystemPrompt: '' }), [
      ...BASE,
      '--permission-prompt-tool', 'stdio',
    ]);
  });

  test('the prompt is never part of the command line', () => {
    const options = { model: 'opus', prompt: 'rm -rf / please' } as ClaudeRunOptions;
    assert.ok(!buildClaudeArgs(options).some((a) => a.includes('rm -rf')));
  });

  describe('rejects what the CLI would refuse or misread', () => {
    test('ids that are not UUIDs', () => {
      rejects({ sessionId: 'not-a-uuid' }, /Session id "not-a-uuid" is not a UUID/);
      rejects({ resume: '1234' }, /Resumed session id "1234" is not a UUID/);
      rejects({ resume: SESSION, resumeAt: 'msg_01abc' }, /Message id to resume at "msg_01abc" is not a UUID/);
    });

    test('resume-only flags without a session to resume', () => {
      rejects({ resumeAt: MESSAGE }, /needs the session to resume/);
      rejects({ forkSession: true }, /Forking needs the session/);
      rejects({ resume: SESSION, sessionId: FORK }, /only be given to a new session or a fork/);
    });

    test('an unknown permission mode', () => {
      rejects({ permissionMode: 'yolo' as never }, /"yolo" is not a permission mode/);
    });

    test('a turn limit that is not a positive whole number', () => {
      rejects({ maxTurns: -1 }, /at least 1, not -1/);
      rejects({ maxTurns: 0 }, /at least 1, not 0/);
      rejects({ maxTurns: 2.5 }, /not 2.5/);
      assert.ok(buildClaudeArgs({ maxTurns: 1 }).includes('--max-turns'));
    });

    test('tool entries the CLI would split into several rules, or read as none', () => {
      rejects({ allowedTools: ['Read,Edit'] }, /"Read", "Edit"|"Read" \+ "Edit"/);
      rejects({ disallowedTools: ['Bash(git log *) Edit'] }, /"Bash\(git log \*\)" \+ "Edit"/);
      rejects({ allowedTools: ['  '] }, /as nothing/);
    });

    test('empty names and NUL bytes', () => {
      rejects({ model: ' ' }, /model is empty/);
      rejects({ agent: '' }, /agent is empty/);
      rejects({ addDirs: [''] }, /empty add-dir/);
      rejects({ appendSystemPrompt: 'a\0b' }, /NUL/);
    });
  });

  test('the real pinned CLI accepts every flag Shannon builds', async (t) => {
    const home = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-args-')));
    t.after(() => rm(home, { recursive: true, force: true }));
    const argv = buildClaudeArgs({
      model: 'sonnet',
      permissionMode: 'acceptEdits',
      allowedTools: ['Bash(git log *)', 'Read'],
      disallowedTools: ['WebFetch'],
      addDirs: [home],
      appendSystemPrompt: '--be brief',
      maxTurns: 3,
      agent: 'reviewer',
      mcpConfig: ['{"mcpServers":{}}'],
      includePartialMessages: true,
      resume: SESSION,
      resumeAt: MESSAGE,
      forkSession: true,
      sessionId: FORK,
    });
    const r = await execa(CLAUDE_BIN, argv, {
      cwd: home,
      input: '', // stdin closed at once: no turn is ever sent
      reject: false,
      timeout: 60_000,
      extendEnv: false,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
        ANTHROPIC_API_KEY: 'x',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', // a closed port: nothing leaves the machine
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
      },
    });
    assert.doesNotMatch(r.stderr, /unknown option|error: option|too many arguments|requires --resume|can only be used|Invalid session ID/i, r.stderr);
    // Past parsing and validation, it went looking for the session to resume, under the fork's id.
    const result = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; session_id?: string; errors?: string[] })
      .find((m) => m.type === 'result');
    assert.ok(result, `no result message; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.equal(result.session_id, FORK);
    assert.deepEqual(result.errors, [`No conversation found with session ID: ${SESSION}`]);
  });
});
