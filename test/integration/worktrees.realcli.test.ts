/**
 * Sessions in worktrees of their own, with the real CLI against the fake API and real git: the
 * session's file edits land only in its worktree, the user's repository stays as it was until
 * they merge or apply, conflicts refuse with the file named, discard removes worktree and branch,
 * two sessions in one folder edit the same file without seeing each other, and resume, fork and
 * checkpoints work in the worktree.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isShannonError } from '../../src/core/errors.js';
import { openShannonCore, type ShannonCore } from '../../src/core/shannon.js';
import { MergeConflictError } from '../../src/core/worktrees/bringBack.js';
import type { SessionChanges } from '../../src/core/worktrees/types.js';
import { FakeAnthropicApi } from '../support/fakeAnthropic.js';
import { fileWriter } from '../support/fileWriter.js';
import { commitCount, git, initRepo, read, repoState, write } from '../support/gitRepos.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace, type HermeticClaudeEnv } from '../support/realCli.js';

describe('sessions in worktrees, with the real CLI', { timeout: 300_000 }, () => {
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let dataDir: string;
  let core: ShannonCore;
  const repos: Array<{ dispose(): Promise<void> }> = [];

  async function repo(files?: Record<string, string>): Promise<string> {
    const ws = await tempWorkspace();
    repos.push(ws);
    initRepo(ws.dir, files ?? { 'README.md': '# project\n', 'shared.txt': 'one\ntwo\nthree\n' });
    return ws.dir;
  }

  async function turn(prompt: string, folder: string, isolation: 'worktree' | 'none' | 'auto' = 'worktree') {
    const started = await core.worktrees.createSession({ prompt, workspaceFolder: folder, isolation });
    await core.manager.waitForTurn(started.session.id, undefined, started.session.promptUuid);
    return { ...started, record: core.manager.get(started.session.id)! };
  }

  before(async () => {
    api = await FakeAnthropicApi.start(fileWriter);
    claude = await hermeticClaudeEnv(api);
    dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-data-'));
    core = await openShannonCore({
      dataDir,
      resolveBinary: async () => CLAUDE_BIN,
      environment: () => claude.env,
      claudeConfigDir: claude.configDir,
      stop: { stdinGraceMs: 500, termGraceMs: 1500 },
    });
    // The person at the keyboard says yes to every file write.
    core.manager.onDidRequestPermission((ask) => core.manager.respondToPermission(ask.sessionId, ask.requestId, { behavior: 'allow' }));
  });

  after(async () => {
    await core?.close();
    await api?.close();
    await claude?.dispose();
    for (const r of repos) await r.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("an isolated session's file exists only in its worktree; squash merge makes one commit with it", async () => {
    const folder = await repo();
    const before = repoState(folder);
    const { session, isolated, note, record } = await turn('write feature.txt: made in a worktree', folder);
    assert.equal(isolated, true);
    assert.match(note, /new worktree on branch shannon\/write-feature-txt-made-in-a-worktree-[0-9a-f]{6}, from main at/);
    const w = record.worktree!;
    assert.equal(record.cwd, w.root, 'the session runs in its worktree');
    assert.ok(w.root.startsWith(dataDir), 'the worktree is in Shannon storage');
    const init = (await core.store.readTranscript(session.id)).find((e) => e.type === 'system' && e.subtype === 'init');
    assert.equal((init?.raw as { cwd?: string }).cwd, w.root, 'the CLI reports the worktree as its cwd');

    assert.equal(await readFile(path.join(w.root, 'feature.txt'), 'utf8'), 'made in a worktree\n');
    assert.ok(!existsSync(path.join(folder, 'feature.txt')), 'not in the folder');
    assert.deepEqual(repoState(folder), before, "the user's HEAD, status and index are untouched");
    assert.equal(git(folder, 'status', '--porcelain'), '');

    const changes = await core.worktrees.changes(session.id);
    assert.deepEqual(changes.files, [{ path: 'feature.txt', status: 'added', additions: 1, deletions: 0 }]);
    assert.equal(changes.branch, w.branch);

    const message = await core.worktrees.draftMessage(session.id);
    assert.match(message, /^write feature\.txt: made in a worktree\n\n.*squashed from shannon\//s);
    const result = await core.worktrees.bringBack(session.id, { strategy: 'squash' });
    assert.deepEqual(result.files, ['feature.txt']);
    assert.equal(commitCount(folder), commitCount(folder, before.head) + 1, 'exactly one new commit');
    assert.equal(git(folder, 'rev-parse', 'HEAD^').trim(), before.head);
    assert.deepEqual(git(folder, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n'), ['feature.txt']);
    assert.equal(git(folder, 'status', '--porcelain'), '');
    assert.equal(read(folder, 'feature.txt'), 'made in a worktree\n');
    assert.equal(core.manager.get(session.id)!.worktree!.broughtBack?.how, 'squash');
    assert.deepEqual(await core.worktrees.workNotBroughtBack(session.id), [], 'nothing left to bring back');
  });

  test('apply leaves the work uncommitted; a conflicting edit in the folder refuses, naming the file, nothing changed; discard removes worktree and branch', async () => {
    const folder = await repo();
    const { session, record } = await turn('write shared.txt: the session wrote this', folder);
    const w = record.worktree!;

    // A conflicting commit in the folder: the merge (and the apply) refuse.
    write(folder, 'shared.txt', 'the user wrote this\n');
    git(folder, 'commit', '-q', '-am', 'user edit');
    const before = repoState(folder);
    for (const strategy of ['squash', 'apply'] as const) {
      await assert.rejects(core.worktrees.bringBack(session.id, { strategy }), (err: unknown) => {
        assert.ok(err instanceof MergeConflictError, String(err));
        assert.deepEqual(err.conflicts.map((c) => c.path), ['shared.txt']);
        assert.match(err.toUserString(), /shared\.txt.*Nothing was changed/);
        return true;
      });
      assert.deepEqual(repoState(folder), before, `${strategy}: nothing changed`);
      assert.equal(read(folder, 'shared.txt'), 'the user wrote this\n');
    }

    // Once the folder is back where the session started, apply leaves the work uncommitted.
    git(folder, 'reset', '-q', '--hard', 'HEAD^');
    const head = git(folder, 'rev-parse', 'HEAD').trim();
    const applied = await core.worktrees.bringBack(session.id, { strategy: 'apply' });
    assert.deepEqual(applied.files, ['shared.txt']);
    assert.equal(git(folder, 'rev-parse', 'HEAD').trim(), head, 'no commit');
    assert.equal(git(folder, 'status', '--porcelain'), ' M shared.txt\n');
    assert.equal(git(folder, 'diff', '--cached'), '', 'nothing staged');
    assert.equal(read(folder, 'shared.txt'), 'the session wrote this\n');

    const discarded = await core.worktrees.discard(session.id);
    assert.equal(discarded.worktree, w.root);
    assert.ok(!existsSync(w.root), 'the worktree is gone');
    assert.equal(git(folder, 'branch', '--list', w.branch!), '', 'the branch is gone');
    assert.ok(!git(folder, 'worktree', 'list').includes(w.root));
    assert.ok(core.manager.get(session.id)!.worktree!.removedAt, 'the session knows');
    assert.match((await core.worktrees.changes(session.id)).problem ?? '', /discarded/);
  });

  test('two isolated sessions in one folder edit the same file at the same time; each diff holds only its own change', async () => {
    const folder = await repo();
    const [a, b] = await Promise.all([turn('write shared.txt: version A', folder), turn('write shared.txt: version B', folder)]);
    assert.notEqual(a.record.worktree!.root, b.record.worktree!.root);
    assert.equal(read(a.record.worktree!.root, 'shared.txt'), 'version A\n');
    assert.equal(read(b.record.worktree!.root, 'shared.txt'), 'version B\n');
    const [da, db] = await Promise.all([core.worktrees.diff(a.session.id, 100_000), core.worktrees.diff(b.session.id, 100_000)]);
    assert.match(da.diff, /^\+version A$/m);
    assert.doesNotMatch(da.diff, /version B/);
    assert.match(db.diff, /^\+version B$/m);
    assert.doesNotMatch(db.diff, /version A/);
    assert.equal(git(folder, 'status', '--porcelain'), '');

    // Best of two: merge one, the other now conflicts and is discarded.
    await core.worktrees.bringBack(a.session.id, { strategy: 'squash' });
    await assert.rejects(core.worktrees.bringBack(b.session.id, { strategy: 'squash' }), (err: unknown) => isShannonError(err, 'MERGE_CONFLICT'));
    await core.worktrees.discard(b.session.id);
    assert.equal(read(folder, 'shared.txt'), 'version A\n');
  });

  test('auto: the first session works in the folder, a second one beside it gets a worktree', async () => {
    const folder = await repo();
    const first = await turn('hello', folder, 'auto');
    assert.equal(first.isolated, false);
    assert.equal(first.record.cwd, folder);
    assert.equal(first.record.worktree?.isolation, 'folder', 'a folder session still has a base for its changes');
    const second = await turn('write b.txt: beside the first', folder, 'auto');
    assert.equal(second.isolated, true, 'another live session works in the folder');
    assert.ok(!existsSync(path.join(folder, 'b.txt')));

    // The folder session's own changes are measured from its base too.
    write(folder, 'by-hand.txt', 'x\n');
    assert.deepEqual((await core.worktrees.changes(first.session.id)).files.map((f) => f.path), ['by-hand.txt']);
    await assert.rejects(core.worktrees.bringBack(first.session.id, { strategy: 'squash' }), (err: unknown) => isShannonError(err, 'INVALID_ARGUMENT'));
  });

  test('a folder that cannot have a worktree: worktree is refused with the offer of the folder; auto runs in the folder', async () => {
    const plain = await tempWorkspace();
    repos.push(plain);
    await assert.rejects(core.worktrees.createSession({ prompt: 'hi', workspaceFolder: plain.dir, isolation: 'worktree' }), (err: unknown) => {
      assert.ok(isShannonError(err, 'WORKTREE_UNAVAILABLE'));
      assert.match(err.hint ?? '', /in the folder/);
      return true;
    });
    assert.equal(core.manager.list({ workspaceFolder: plain.dir }).length, 0, 'no session was made');
    const one = await turn('hello', plain.dir, 'none');
    const two = await turn('hello again', plain.dir, 'auto');
    assert.equal(two.isolated, false);
    assert.match(two.note, /No worktree .*not in a git repository.*works in the folder/);
    void one;
  });

  test('resume, fork and checkpoints work in the worktree; live changes follow the session', async () => {
    const folder = await repo();
    const { session, record } = await turn('write notes.txt: first', folder);
    const w = record.worktree!;
    const seen: SessionChanges[] = [];
    const sub = core.worktrees.onDidChangeChanges((c) => c.sessionId === session.id && seen.push(c));
    const watch = core.worktrees.watch(session.id);
    try {
      const checkpoint = await core.checkpoints.create(session.id, 'after first');
      assert.equal(core.checkpoints.folderOf(checkpoint), w.root, 'the checkpoint snapshots the worktree');
      const next = core.manager.waitForTurn(session.id);
      await core.manager.send(session.id, 'write notes.txt: second');
      await next;
      assert.equal(read(w.root, 'notes.txt'), 'second\n');
      const deadline = Date.now() + 10_000;
      while (!seen.some((c) => c.files.some((f) => f.path === 'notes.txt')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(seen.some((c) => c.files.some((f) => f.path === 'notes.txt')), 'a live reading came after the edit');

      const preview = await core.checkpoints.preview(checkpoint.id);
      assert.deepEqual(preview.changes, [{ path: 'notes.txt', change: 'modified' }]);
      assert.ok(!existsSync(path.join(folder, 'notes.txt')));

      await core.manager.end(session.id);
      const resumed = await core.manager.resume(session.id, 'write notes.txt: third', undefined);
      await core.manager.waitForTurn(session.id, undefined, resumed.promptUuid);
      assert.equal(read(w.root, 'notes.txt'), 'third\n', 'the resumed session works in the same worktree');
      assert.ok(api.mainTurns.at(-1)!.allUserTexts.includes('write notes.txt: first'), 'with its conversation');

      const fork = await core.manager.fork(session.id, { prompt: 'write notes.txt: forked' });
      await core.manager.waitForTurn(fork.id, undefined, fork.promptUuid);
      assert.equal(core.manager.get(fork.id)!.worktree?.root, w.root, 'a fork works in its parent\'s worktree');
      assert.equal(read(w.root, 'notes.txt'), 'forked\n');
      assert.equal(git(folder, 'status', '--porcelain'), '');
    } finally {
      watch.dispose();
      sub.dispose();
    }
  });

  test('deleting a session takes its worktree; a leftover no session uses is listed and pruned', async () => {
    const folder = await repo();
    const { session, record } = await turn('write gone.txt: soon gone', folder);
    const w = record.worktree!;
    await core.deleteSession(session.id);
    assert.ok(!existsSync(w.root));
    assert.equal(git(folder, 'branch', '--list', w.branch!), '');

    const kept = await turn('write kept.txt: stays', folder);
    // As after a crash: the record is gone, the worktree is not.
    await core.manager.end(kept.session.id);
    await core.store.deleteSession(kept.session.id);
    core.manager.forget(kept.session.id);
    const leftovers = await core.worktrees.leftovers();
    const mine = leftovers.filter((l) => l.repoRoot === folder);
    assert.deepEqual(mine.map((l) => l.path), [kept.record.worktree!.root]);
    await core.worktrees.prune(mine.map((l) => l.path));
    assert.ok(!existsSync(kept.record.worktree!.root));
    assert.deepEqual((await core.worktrees.leftovers()).filter((l) => l.repoRoot === folder), []);
  });
});
