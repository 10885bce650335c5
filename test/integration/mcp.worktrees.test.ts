/**
 * Best-of-N over MCP, the way an agent does it: several sessions on one task, each in a worktree
 * of its own (create_session isolation "worktree"), their diffs compared (get_session_changes),
 * one merged (merge_session_changes), the rest discarded (discard_session_changes). Over the
 * in-host Streamable HTTP server and over stdio to the built `shannon-mcp`, with the real CLI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fileWriter } from '../support/fileWriter.js';
import { commitCount, git, initRepo, read, repoState, write } from '../support/gitRepos.js';
import { buildBundles, startMcpHttpRig, startMcpStdioRig, structured, textOf, type McpHttpRig, type McpStdioRig } from '../support/mcpHarness.js';

const call = (client: Client, name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 }) as Promise<CallToolResult>;

describe('best-of-N over MCP (Streamable HTTP, in the host)', { timeout: 300_000 }, () => {
  let rig: McpHttpRig;
  let client: Client;
  before(async () => {
    // The user lets MCP callers pre-approve Bash (the sessions write files with it).
    rig = await startMcpHttpRig(fileWriter, { allowedTools: ['Bash'] });
    initRepo(rig.workspace, { 'README.md': '# app\n', 'answer.txt': 'todo\n' });
    client = await rig.connect();
  });
  after(async () => rig?.dispose());

  test('three isolated sessions on one task: compare their diffs, merge one, discard the rest', async () => {
    const before = repoState(rig.workspace);
    const started = await Promise.all(
      ['forty-two', 'seven', 'nine'].map((answer) =>
        call(client, 'create_session', { prompt: `write answer.txt: ${answer}`, cwd: rig.workspace, isolation: 'worktree', allowed_tools: ['Bash'], wait: true, timeout: 90 }),
      ),
    );
    const sessions = started.map((r) => structured(r));
    for (const s of sessions) {
      assert.equal(s.turn.status, 'completed');
      assert.equal(s.worktree.isolated, true);
      assert.match(s.worktree.branch, /^shannon\/write-answer-txt-/);
      assert.match(s.note, /new worktree on branch shannon\//);
    }
    assert.equal(new Set(sessions.map((s) => s.worktree.path)).size, 3, 'three worktrees');
    assert.deepEqual(repoState(rig.workspace), before, "the user's repository is untouched while they work");

    const changes = await Promise.all(sessions.map(async (s) => structured(await call(client, 'get_session_changes', { session_id: s.session_id }))));
    ['forty-two', 'seven', 'nine'].forEach((answer, i) => {
      const c = changes[i]!;
      assert.deepEqual(c.files, [{ path: 'answer.txt', status: 'modified', additions: 1, deletions: 1 }]);
      assert.equal(c.branch, sessions[i]!.worktree.branch);
      assert.equal(c.base, before.head);
      assert.equal(c.worktree, sessions[i]!.worktree.path);
      assert.match(c.diff, new RegExp(`^\\+${answer}$`, 'm'));
      assert.equal(c.truncated, false);
    });
    const cut = structured(await call(client, 'get_session_changes', { session_id: sessions[0]!.session_id, max_bytes: 1000 }));
    assert.equal(cut.truncated, false, 'a small diff fits');

    const listed = structured(await call(client, 'list_sessions', { cwd: rig.workspace }));
    assert.equal(listed.sessions.filter((s: { worktree?: { isolated: boolean } }) => s.worktree?.isolated).length, 3, 'isolated sessions list under their folder');

    const merged = await call(client, 'merge_session_changes', { session_id: sessions[1]!.session_id, strategy: 'squash', message: 'Answer: seven' });
    const m = structured(merged);
    assert.equal(m.branch, 'main');
    assert.deepEqual(m.files, ['answer.txt']);
    assert.equal(git(rig.workspace, 'log', '-1', '--format=%s').trim(), 'Answer: seven');
    assert.equal(commitCount(rig.workspace), 2);
    assert.equal(read(rig.workspace, 'answer.txt'), 'seven\n');

    // The others now conflict with what was merged: refused, named, nothing changed.
    const after = repoState(rig.workspace);
    const refused = await call(client, 'merge_session_changes', { session_id: sessions[0]!.session_id, strategy: 'squash' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /MERGE_CONFLICT.*answer\.txt.*Nothing was changed/s);
    assert.deepEqual(repoState(rig.workspace), after);

    for (const s of [sessions[0]!, sessions[2]!]) {
      const d = structured(await call(client, 'discard_session_changes', { session_id: s.session_id }));
      assert.equal(d.worktree, s.worktree.path);
      assert.ok(!existsSync(s.worktree.path));
      assert.equal(git(rig.workspace, 'branch', '--list', s.worktree.branch), '');
    }
    assert.equal(git(rig.workspace, 'status', '--porcelain'), '');
    const gone = await call(client, 'get_session_changes', { session_id: sessions[0]!.session_id });
    assert.equal(gone.isError, true);
    assert.match(textOf(gone), /discarded/);
  });

  test('a folder session has changes too, but nothing to merge; bad ids and folders say what to do', async () => {
    const plain = structured(await call(client, 'create_session', { prompt: 'write by-folder.txt: here', cwd: rig.workspace, isolation: 'none', allowed_tools: ['Bash'], wait: true, timeout: 90 }));
    assert.equal(plain.worktree.isolated, false);
    assert.equal(read(rig.workspace, 'by-folder.txt'), 'here\n');
    const c = structured(await call(client, 'get_session_changes', { session_id: plain.session_id }));
    assert.deepEqual(c.files.map((f: { path: string }) => f.path), ['by-folder.txt']);
    const merge = await call(client, 'merge_session_changes', { session_id: plain.session_id, strategy: 'apply' });
    assert.equal(merge.isError, true);
    assert.match(textOf(merge), /works in the folder itself/);
    const none = await call(client, 'get_session_changes', { session_id: 'no-such-session' });
    assert.equal(none.isError, true);
    assert.match(textOf(none), /SESSION_NOT_FOUND/);
  });
});

describe('best-of-N over stdio (the built shannon-mcp)', { timeout: 300_000 }, () => {
  let rig: McpStdioRig;
  before(async () => {
    buildBundles();
    rig = await startMcpStdioRig(fileWriter, ['--allow-tools', 'Bash']);
    initRepo(rig.workspace, { 'README.md': '# app\n' });
  });
  after(async () => rig?.dispose());

  test('isolated session, its changes, apply as uncommitted edits, then discard', async () => {
    write(rig.workspace, 'README.md', '# app, edited by the user\n');
    const s = structured(await call(rig.client, 'create_session', { prompt: 'write notes.md: from the session', cwd: rig.workspace, isolation: 'worktree', uncommitted: 'leave', allowed_tools: ['Bash'], wait: true, timeout: 90 }));
    assert.equal(s.turn.status, 'completed');
    assert.match(s.note, /without your 1 uncommitted file/);
    assert.ok(!existsSync(path.join(rig.workspace, 'notes.md')));
    const c = structured(await call(rig.client, 'get_session_changes', { session_id: s.session_id }));
    assert.deepEqual(c.files, [{ path: 'notes.md', status: 'added', additions: 1, deletions: 0 }]);
    assert.match(c.diff, /^\+from the session$/m);

    const head = git(rig.workspace, 'rev-parse', 'HEAD').trim();
    const applied = structured(await call(rig.client, 'merge_session_changes', { session_id: s.session_id, strategy: 'apply' }));
    assert.deepEqual(applied.files, ['notes.md']);
    assert.equal(git(rig.workspace, 'rev-parse', 'HEAD').trim(), head, 'apply makes no commit');
    assert.equal(git(rig.workspace, 'status', '--porcelain'), ' M README.md\n?? notes.md\n');
    assert.equal(read(rig.workspace, 'README.md'), '# app, edited by the user\n');

    const d = structured(await call(rig.client, 'discard_session_changes', { session_id: s.session_id }));
    assert.ok(!existsSync(d.worktree));
    assert.equal(read(rig.workspace, 'notes.md'), 'from the session\n', 'applied work stays in the folder');
  });
});
