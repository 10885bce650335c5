/**
 * Session worktrees against real git in temp repositories: making them (what they start from,
 * which ignored files they get), reading a session's changes, bringing work back (squash, apply,
 * rebase) or refusing with the conflicting files named and nothing changed, removing them, and
 * finding what a crash left. The user's repository is compared before and after every step.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isShannonError } from '../../src/core/errors';
import { MergeConflictError, WorkMover } from '../../src/core/worktrees/bringBack';
import { fileAtBase, readChanges, restoreFromBase, unifiedDiff } from '../../src/core/worktrees/changes';
import { compilePatterns } from '../../src/core/worktrees/ignorePatterns';
import { WorktreeLayout } from '../../src/core/worktrees/layout';
import { RepoGit } from '../../src/core/worktrees/repoGit';
import { inspectRepository } from '../../src/core/worktrees/repository';
import { Worktrees } from '../../src/core/worktrees/worktrees';
import { commitCount, git, initRepo, listFiles, read, repoState, write } from '../support/gitRepos';
import { tempDir } from '../support/tempDirs';

const NO_RULES = { copy: [], symlink: [] };

function setup(files?: Record<string, string>) {
  const repo = tempDir('shannon-repo-');
  initRepo(repo, files);
  const storage = tempDir('shannon-storage-');
  const layout = new WorktreeLayout(storage);
  const repoGit = new RepoGit(layout.scratchDir);
  return { repo, storage, layout, repoGit, worktrees: new Worktrees(repoGit, layout), mover: new WorkMover(repoGit) };
}

const looseObjects = (repo: string) => readdirSync(path.join(repo, '.git', 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(path.join(repo, '.git', 'objects', d)));

describe('gitignore patterns as .worktreeinclude reads them', () => {
  it('anchor with a slash, match at any depth without one, select directories with a trailing slash, re-include with !', () => {
    const m = compilePatterns(['.env', '/config/local.json', 'secrets/', '*.pem', '!public.pem', 'docs/**/draft.md']);
    assert.equal(m('.env', false), true);
    assert.equal(m('packages/app/.env', false), true);
    assert.equal(m('config/local.json', false), true);
    assert.equal(m('packages/config/local.json', false), false);
    assert.equal(m('secrets', true), true);
    assert.equal(m('secrets', false), false);
    assert.equal(m('secrets/key.txt', false), true, 'a file inside a selected directory');
    assert.equal(m('certs/server.pem', false), true);
    assert.equal(m('certs/public.pem', false), false);
    assert.equal(m('docs/draft.md', false), true);
    assert.equal(m('docs/a/b/draft.md', false), true);
    assert.equal(m('README.md', false), false);
    assert.equal(compilePatterns(['# only a comment', '']).call(null, 'x', false), false);
  });
});

describe('making a worktree', () => {
  it('branches shannon/<slug>-<id> from HEAD into Shannon storage; the folder is untouched', async () => {
    const { repo, storage, worktrees } = setup({ 'src/a.ts': 'export const a = 1;\n', 'README.md': 'hi\n' });
    const before = repoState(repo);
    const wt = await worktrees.create(repo, 'Fix the parser: ünïcode & spaces!', { uncommitted: 'leave', rules: NO_RULES });
    assert.match(wt.branch, /^shannon\/fix-the-parser-unicode-spaces-[0-9a-f]{6}$/);
    assert.ok(wt.root.startsWith(path.join(storage, 'worktrees') + path.sep), wt.root);
    assert.equal(wt.base, before.head);
    assert.deepEqual(listFiles(wt.root), ['README.md', 'src/a.ts']);
    assert.equal(git(wt.root, 'symbolic-ref', '--short', 'HEAD').trim(), wt.branch);
    assert.equal(git(wt.root, 'status', '--porcelain'), '');
    assert.deepEqual(repoState(repo), before, "the user's HEAD, branch, status and index are as they were");
    assert.ok(!readdirSync(repo).some((n) => n === '.claude' || n === '.shannon'), 'nothing is written inside the repository');
  });

  it('with uncommitted changes: leaves them (starts from HEAD) or carries them, and the folder keeps them either way', async () => {
    const { repo, worktrees } = setup({ 'a.txt': 'one\n', 'b.txt': 'two\n' });
    write(repo, 'a.txt', 'one, edited\n');
    write(repo, 'new.txt', 'brand new\n');
    git(repo, 'rm', '-q', 'b.txt');
    const before = repoState(repo);
    const left = await worktrees.create(repo, 'leave', { uncommitted: 'leave', rules: NO_RULES });
    assert.equal(left.carried, false);
    assert.equal(left.uncommitted.length, 3);
    assert.equal(read(left.root, 'a.txt'), 'one\n');
    assert.deepEqual(listFiles(left.root), ['a.txt', 'b.txt']);
    const carried = await worktrees.create(repo, 'carry', { uncommitted: 'carry', rules: NO_RULES });
    assert.equal(carried.carried, true);
    assert.equal(read(carried.root, 'a.txt'), 'one, edited\n');
    assert.deepEqual(listFiles(carried.root), ['a.txt', 'new.txt']);
    assert.equal(git(carried.root, 'status', '--porcelain'), '', 'the carried changes are the base commit, not edits of the session');
    assert.equal(git(carried.root, 'rev-parse', 'HEAD^').trim(), before.head);
    assert.deepEqual(repoState(repo), before);
  });

  it('copies ignored files named by .worktreeinclude, never tracked or merely untracked ones; links ignored directories', async () => {
    const { repo, worktrees } = setup({ '.gitignore': 'node_modules/\n.env\n*.local\nbuild/\n.claude/settings.local.json\n', '.worktreeinclude': '.env\n*.local\nconfig.json\nnotes.txt\n', 'config.json': '{"tracked":true}\n' });
    write(repo, '.env', 'SECRET=1\n');
    write(repo, 'app/settings.local', 'x=1\n');
    write(repo, 'notes.txt', 'untracked, not ignored\n');
    write(repo, 'config.json', '{"tracked":"edited"}\n');
    write(repo, 'node_modules/left-pad/index.js', 'module.exports = 1;\n');
    write(repo, 'node_modules/.bin/tool', '#!/bin/sh\n');
    write(repo, 'build/out.js', 'built\n');
    write(repo, '.claude/settings.local.json', '{"permissions":{"allow":["Bash(npm test:*)"]}}\n');
    const before = repoState(repo);
    const wt = await worktrees.create(repo, 'files', { uncommitted: 'leave', rules: { copy: ['build/'], symlink: ['node_modules'] } });
    assert.deepEqual(wt.files.copied.sort(), ['.claude/settings.local.json', '.env', 'app/settings.local', 'build/out.js'], "the project's local settings come along, as with the CLI");
    assert.equal(read(wt.root, '.env'), 'SECRET=1\n');
    assert.equal(read(wt.root, 'config.json'), '{"tracked":true}\n', 'a tracked file comes from the commit, not the folder');
    assert.ok(!existsSync(path.join(wt.root, 'notes.txt')), 'an untracked file that is not ignored would become the session\'s change');
    assert.ok(lstatSync(path.join(wt.root, 'node_modules')).isDirectory(), 'a linked directory is a real directory of links');
    assert.equal(readlinkSync(path.join(wt.root, 'node_modules', 'left-pad')), path.join(repo, 'node_modules', 'left-pad'));
    assert.equal(read(wt.root, 'node_modules/left-pad/index.js'), 'module.exports = 1;\n');
    assert.equal(git(wt.root, 'status', '--porcelain', '--untracked-files=all'), '', 'git ignores what was copied and linked');

    await worktrees.remove(wt.root);
    assert.ok(!existsSync(wt.root));
    assert.equal(read(repo, 'node_modules/left-pad/index.js'), 'module.exports = 1;\n', 'removing the worktree never deletes through a link');
    assert.ok(existsSync(path.join(repo, 'node_modules', '.bin', 'tool')));
    assert.deepEqual(repoState(repo), before);
  });

  it('refuses folders that cannot have one, saying why and offering the folder', async () => {
    const plain = tempDir('shannon-plain-');
    const storage = tempDir('shannon-storage-');
    const layout = new WorktreeLayout(storage);
    const worktrees = new Worktrees(new RepoGit(layout.scratchDir), layout);
    const refused = async (folder: string, pattern: RegExp, repoGit?: RepoGit) => {
      const w = repoGit ? new Worktrees(repoGit, layout) : worktrees;
      await assert.rejects(w.create(folder, 't', { uncommitted: 'leave', rules: NO_RULES }), (err: unknown) => {
        assert.ok(isShannonError(err, 'WORKTREE_UNAVAILABLE'), String(err));
        assert.match(err.message, pattern);
        assert.match(err.hint ?? '', /in the folder/);
        return true;
      });
    };
    await refused(plain, /not in a git repository/);
    const empty = tempDir('shannon-empty-');
    git(empty, 'init', '-q');
    await refused(empty, /no commit yet/);
    const bare = tempDir('shannon-bare-');
    git(bare, 'init', '-q', '--bare');
    await refused(bare, /bare repository/);
    const detached = tempDir('shannon-detached-');
    initRepo(detached);
    git(detached, 'checkout', '-q', '--detach');
    await refused(detached, /HEAD is detached/);
    await refused(detached, /not installed|could not be run/, new RepoGit(layout.scratchDir, path.join(plain, 'no-such-git')));
  });

  it('a folder below the top of its repository: the repository is worked on, the folder located in it', async () => {
    const { repo, repoGit } = setup({ 'packages/app/index.ts': 'x\n', 'README.md': 'r\n' });
    const state = await inspectRepository(repoGit, path.join(repo, 'packages', 'app'));
    assert.equal(state.root, repo);
    assert.equal(state.folderInRepo, 'packages/app');
    assert.equal(state.branch, 'main');
  });
});

describe("a session's changes", () => {
  it('lists modified, added (tracked or not), deleted and binary files with line counts, and writes nothing to the repository', async () => {
    const { repo, worktrees, repoGit } = setup({ 'a.txt': '1\n2\n3\n', 'gone.txt': 'bye\n', 'img.bin': 'old' });
    const wt = await worktrees.create(repo, 'changes', { uncommitted: 'leave', rules: NO_RULES });
    write(wt.root, 'a.txt', '1\ntwo\n3\n4\n');
    unlinkSync(path.join(wt.root, 'gone.txt'));
    write(wt.root, 'new/file.ts', 'line 1\nline 2\nno newline');
    write(wt.root, 'staged.txt', 'staged\n');
    git(wt.root, 'add', 'staged.txt');
    write(wt.root, 'img.bin', Buffer.from([0, 1, 2, 3, 0]));
    const objects = looseObjects(repo).sort();
    const files = await readChanges(repoGit, wt.root, wt.base);
    assert.deepEqual(files, [
      { path: 'a.txt', status: 'modified', additions: 2, deletions: 1 },
      { path: 'gone.txt', status: 'deleted', additions: 0, deletions: 1 },
      { path: 'img.bin', status: 'modified', additions: null, deletions: null },
      { path: 'new/file.ts', status: 'added', additions: 3, deletions: 0 },
      { path: 'staged.txt', status: 'added', additions: 1, deletions: 0 },
    ]);
    const { diff, truncated } = await unifiedDiff(repoGit, wt.root, wt.base, files, 1_000_000);
    assert.deepEqual(looseObjects(repo).sort(), objects, 'reading changes and the diff writes no object');
    assert.equal(truncated, false);
    assert.match(diff, /^diff --git a\/a\.txt b\/a\.txt$/m);
    assert.match(diff, /^-2$/m);
    assert.match(diff, /^\+two$/m);
    assert.match(diff, /^diff --git a\/new\/file\.ts b\/new\/file\.ts\nnew file mode 100644\n--- \/dev\/null\n\+\+\+ b\/new\/file\.ts\n@@ -0,0 \+1,3 @@\n\+line 1\n\+line 2\n\+no newline\n\\ No newline at end of file\n/m);
    assert.match(diff, /Binary files .*img\.bin.* differ/);
    assert.equal((diff.match(/^diff --git a\/staged\.txt/gm) ?? []).length, 1, 'a tracked new file appears once');
    const cut = await unifiedDiff(repoGit, wt.root, wt.base, files, 120);
    assert.equal(cut.truncated, true);
    assert.ok(Buffer.byteLength(cut.diff) <= 120);

    assert.equal((await fileAtBase(repoGit, wt.root, wt.base, 'a.txt'))?.toString(), '1\n2\n3\n');
    assert.equal(await fileAtBase(repoGit, wt.root, wt.base, 'new/file.ts'), null);
    await restoreFromBase(repoGit, wt.root, wt.base, 'a.txt');
    await restoreFromBase(repoGit, wt.root, wt.base, 'gone.txt');
    await restoreFromBase(repoGit, wt.root, wt.base, 'new/file.ts');
    assert.deepEqual((await readChanges(repoGit, wt.root, wt.base)).map((f) => f.path), ['img.bin', 'staged.txt']);
    assert.ok(!existsSync(path.join(wt.root, 'new')), 'a discarded new file takes its emptied directory with it');
  });
});

describe('bringing work back', () => {
  async function sessionWork(options: { files?: Record<string, string>; uncommitted?: 'leave' | 'carry' } = {}) {
    const s = setup(options.files ?? { 'a.txt': 'a\n', 'shared.txt': 'line 1\nline 2\nline 3\n' });
    const wt = await s.worktrees.create(s.repo, 'Add b', { uncommitted: options.uncommitted ?? 'leave', rules: NO_RULES });
    write(wt.root, 'b.txt', 'made by the session\n');
    write(wt.root, 'shared.txt', 'line 1\nline 2 (session)\nline 3\n');
    return { ...s, wt, work: { root: wt.root, repoRoot: s.repo, base: wt.base, title: 'Add b' } };
  }

  it('squash: exactly one commit on the current branch holds the work; index and files follow; the base moves', async () => {
    const { repo, repoGit, mover, work, wt } = await sessionWork();
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const result = await mover.squash(work, { message: 'Add b\n\nThe first prompt.' });
    assert.equal(result.branch, 'main');
    assert.deepEqual(result.files.sort(), ['b.txt', 'shared.txt']);
    assert.equal(commitCount(repo), 2);
    assert.equal(git(repo, 'rev-parse', 'HEAD^').trim(), head);
    assert.equal(git(repo, 'rev-parse', 'HEAD').trim(), result.commit);
    assert.equal(git(repo, 'log', '-1', '--format=%B').trim(), 'Add b\n\nThe first prompt.');
    assert.equal(git(repo, 'log', '-1', '--format=%an <%ae>').trim(), 'Repo Owner <owner@example.com>');
    assert.deepEqual(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), ['b.txt', 'shared.txt']);
    assert.equal(git(repo, 'status', '--porcelain'), '');
    assert.equal(read(repo, 'b.txt'), 'made by the session\n');
    assert.equal(git(wt.root, 'status', '--porcelain'), '', "the session's branch holds what was merged");
    assert.deepEqual(await readChanges(repoGit, wt.root, result.newBase), [], 'measured from the merged work, nothing is left to bring back');
  });

  it('apply: the work lands as uncommitted edits; HEAD and the index stay', async () => {
    const { repo, mover, work } = await sessionWork();
    const before = repoState(repo);
    write(repo, 'a.txt', 'a, edited by the user\n');
    const result = await mover.apply(work);
    assert.deepEqual(result.files.sort(), ['b.txt', 'shared.txt']);
    assert.equal(git(repo, 'rev-parse', 'HEAD').trim(), before.head);
    assert.equal(git(repo, 'diff', '--cached', '--name-only'), '', 'nothing staged');
    assert.equal(git(repo, 'status', '--porcelain').split('\n').filter(Boolean).sort().join('\n'), [' M a.txt', ' M shared.txt', '?? b.txt'].join('\n'));
    assert.equal(read(repo, 'a.txt'), 'a, edited by the user\n', "the user's own edit stays");
    assert.equal(read(repo, 'shared.txt'), 'line 1\nline 2 (session)\nline 3\n');
  });

  it('a conflicting commit in the folder: refused, the file named, nothing changed', async () => {
    const { repo, mover, work } = await sessionWork();
    write(repo, 'shared.txt', 'line 1\nline 2 (user)\nline 3\n');
    git(repo, 'commit', '-q', '-am', 'user edit');
    const before = repoState(repo);
    for (const attempt of [() => mover.squash(work, { message: 'm' }), () => mover.apply(work), () => mover.rebase(work)]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof MergeConflictError, String(err));
        assert.equal(err.code, 'MERGE_CONFLICT');
        assert.deepEqual(err.conflicts, [{ path: 'shared.txt', reason: 'content' }]);
        assert.match(err.message, /shared\.txt/);
        assert.match(err.message, /Nothing was changed/);
        return true;
      });
      assert.deepEqual(repoState(repo), before);
      assert.equal(read(repo, 'shared.txt'), 'line 1\nline 2 (user)\nline 3\n');
    }
  });

  it('uncommitted edits or an untracked file where the squash writes: refused, nothing changed; apply merges the edit', async () => {
    const { repo, mover, work } = await sessionWork();
    write(repo, 'shared.txt', 'line 1\nline 2\nline 3\nline 4 (user, uncommitted)\n');
    write(repo, 'b.txt', 'the user has one too\n');
    const before = repoState(repo);
    await assert.rejects(mover.squash(work, { message: 'm' }), (err: unknown) => {
      assert.ok(err instanceof MergeConflictError);
      assert.deepEqual([...err.conflicts].sort((a, b) => a.path.localeCompare(b.path)), [
        { path: 'b.txt', reason: 'untracked' },
        { path: 'shared.txt', reason: 'uncommitted' },
      ]);
      return true;
    });
    assert.deepEqual(repoState(repo), before);
    rmSync(path.join(repo, 'b.txt'));
    await mover.apply(work);
    assert.equal(read(repo, 'shared.txt'), 'line 1\nline 2 (session)\nline 3\nline 4 (user, uncommitted)\n', 'both edits, three-way');
  });

  it('rebase first: the branch moves onto the new HEAD and the squash holds only the session\'s change', async () => {
    const { repo, mover, work, wt } = await sessionWork();
    write(repo, 'a.txt', 'a, changed upstream\n');
    git(repo, 'commit', '-q', '-am', 'upstream');
    const upstream = git(repo, 'rev-parse', 'HEAD').trim();
    const result = await mover.squash(work, { message: 'Add b', rebase: true });
    assert.equal(result.rebased, true);
    assert.equal(read(wt.root, 'a.txt'), 'a, changed upstream\n', 'the worktree has the new HEAD');
    assert.equal(git(wt.root, 'rev-parse', 'HEAD^').trim(), upstream, "the session's branch sits on the new HEAD");
    assert.equal(git(repo, 'rev-parse', 'HEAD^').trim(), upstream);
    assert.deepEqual(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), ['b.txt', 'shared.txt']);
  });

  it('carried changes are the base: bringing the work back brings only what the session did', async () => {
    const s = setup({ 'a.txt': 'a\n' });
    write(s.repo, 'a.txt', 'a, uncommitted by the user\n');
    const wt = await s.worktrees.create(s.repo, 'carry', { uncommitted: 'carry', rules: NO_RULES });
    write(wt.root, 'c.txt', 'session\n');
    const result = await s.mover.apply({ root: wt.root, repoRoot: s.repo, base: wt.base, title: 'carry' });
    assert.deepEqual(result.files, ['c.txt']);
    assert.equal(read(s.repo, 'a.txt'), 'a, uncommitted by the user\n');
  });
});

describe('removing and leftovers', () => {
  it('remove takes the worktree, its registration and its branch; the folder keeps everything else', async () => {
    const { repo, worktrees } = setup();
    const wt = await worktrees.create(repo, 'gone', { uncommitted: 'leave', rules: NO_RULES });
    write(wt.root, 'work.txt', 'lost on purpose\n');
    const before = repoState(repo);
    await worktrees.remove(wt.root);
    assert.ok(!existsSync(wt.root));
    assert.equal(git(repo, 'branch', '--list', wt.branch), '');
    assert.ok(!git(repo, 'worktree', 'list').includes(wt.root));
    assert.deepEqual(repoState(repo), before);
  });

  it('lists worktrees no session uses, including one whose directory a crash never made or deleted, and prunes them', async () => {
    const { repo, worktrees, layout } = setup();
    const used = await worktrees.create(repo, 'used', { uncommitted: 'leave', rules: NO_RULES });
    const orphan = await worktrees.create(repo, 'orphan', { uncommitted: 'leave', rules: NO_RULES });
    const vanished = await worktrees.create(repo, 'vanished', { uncommitted: 'leave', rules: NO_RULES });
    rmSync(vanished.root, { recursive: true, force: true });
    // A crash between the manifest and `git worktree add`.
    const half = layout.newSlot(repo, 'half');
    await layout.writeManifest(half, { repoRoot: repo, branch: half.branch, createdAt: 1, links: [] });
    const left = await worktrees.leftovers(new Set([used.root]), [repo]);
    assert.deepEqual(
      left.map((l) => [path.basename(l.path), l.branch, l.missing]).sort(),
      [
        [path.basename(half.path), half.branch, true],
        [path.basename(orphan.root), orphan.branch, false],
        [path.basename(vanished.root), vanished.branch, true],
      ].sort(),
    );
    for (const l of left) await worktrees.remove(l.path, { repoRoot: l.repoRoot, ...(l.branch ? { branch: l.branch } : {}) });
    assert.deepEqual(await worktrees.leftovers(new Set([used.root]), [repo]), []);
    assert.deepEqual(git(repo, 'branch', '--list', 'shannon/*').trim().split('\n').map((b) => b.replace(/^[+* ]+/, '')), [used.branch]);
    assert.equal(git(repo, 'worktree', 'list', '--porcelain').includes('prunable'), false);
    await assert.rejects(worktrees.remove(repo), (err: unknown) => isShannonError(err, 'INVALID_ARGUMENT'), 'never removes a directory outside its storage');
  });
});
