import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isShannonError } from '../../src/core/errors';
import { WorkspaceSnapshots } from '../../src/core/checkpoints/workspaceSnapshots';
import { carryDown } from '../../src/core/checkpoints/ignoreRules';
import { CheckpointService, type CheckpointStore } from '../../src/core/checkpoints/checkpointService';
import type { Checkpoint } from '../../src/core/checkpoints/types';
import type { SessionStore } from '../../src/core/store/sessionStore';
import type { ClaudeRunOptions } from '../../src/core/session/types';
import { tempDir } from '../support/tempDirs';


function setup(options: Partial<ConstructorParameters<typeof WorkspaceSnapshots>[0]> = {}) {
  const storageDir = tempDir('shannon-storage-');
  const folder = tempDir('shannon-ws-');
  const snapshots = new WorkspaceSnapshots({ storageDir, ...options });
  return { storageDir, folder, snapshots };
}

function write(folder: string, rel: string, content: string | Buffer): void {
  const file = path.join(folder, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** Every entry under `dir`: type, mode bits, content hash (symlink: target). */
function treeState(dir: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const full = path.join(dir, r);
      const s = lstatSync(full);
      if (s.isSymbolicLink()) out.set(r, `link:${readlinkSync(full)}`);
      else if (s.isDirectory()) {
        out.set(r + '/', 'dir');
        walk(r);
      } else out.set(r, `file:${(s.mode & 0o777).toString(8)}:${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk('');
  return out;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=User', '-c', 'user.email=user@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BINARY = Buffer.concat([Buffer.from([0, 1, 2, 255, 254, 0, 13, 10, 13]), randomBytes(4096)]);
const UNICODE = 'dir with space/ünïcödé fïle 😀.txt';

describe('WorkspaceSnapshots', () => {
  it('restore puts every file back byte for byte and removes only the files added since', async () => {
    const { folder, snapshots } = setup();
    write(folder, 'a.txt', 'alpha\n');
    write(folder, 'bin.dat', BINARY);
    write(folder, UNICODE, 'unicode\n');
    write(folder, 'crlf.txt', 'one\r\ntwo\r\n');
    write(folder, '.gitattributes', '* text=auto eol=lf\n');
    write(folder, '.gitignore', '*.log\nbuild/\n');
    write(folder, 'keep.log', 'ignored, before\n');
    write(folder, 'build/out.js', 'ignored dir\n');
    write(folder, 'run.sh', '#!/bin/sh\necho hi\n');
    chmodSync(path.join(folder, 'run.sh'), 0o755);
    write(folder, 'weird [x] *?.txt', 'glob characters in a name\n');
    symlinkSync('a.txt', path.join(folder, 'link-to-a'));
    mkdirSync(path.join(folder, 'empty-dir'));
    const before = treeState(folder);

    const snap = await snapshots.snapshot(folder, 'before turn 1');
    assert.match(snap.ref, /^[0-9a-f]{40}$/);
    assert.equal(snap.files, 9); // a, bin, unicode, crlf, .gitattributes, .gitignore, run.sh, weird, link
    assert.deepEqual(treeState(folder), before, 'taking a snapshot writes nothing into the folder');

    write(folder, 'a.txt', 'alpha, edited\r\n');
    write(folder, 'crlf.txt', 'one\ntwo\n'); // .gitattributes asks for LF: must still come back CRLF
    write(folder, 'bin.dat', Buffer.concat([BINARY, Buffer.from([0])]));
    unlinkSync(path.join(folder, UNICODE));
    write(folder, 'new/deep/new.txt', 'added\n');
    write(folder, 'new.bin', randomBytes(100));
    write(folder, 'later.log', 'ignored, added\n');
    write(folder, 'keep.log', 'ignored, changed\n');
    chmodSync(path.join(folder, 'run.sh'), 0o644);
    mkdirSync(path.join(folder, 'another-empty-dir'));

    assert.deepEqual(await snapshots.diff(folder, snap.ref), [
      { path: 'a.txt', change: 'modified' },
      { path: 'bin.dat', change: 'modified' },
      { path: 'crlf.txt', change: 'modified' },
      { path: UNICODE, change: 'deleted' },
      { path: 'new.bin', change: 'added' },
      { path: 'new/deep/new.txt', change: 'added' },
      { path: 'run.sh', change: 'modified' },
    ]);

    const result = await snapshots.restore(folder, snap.ref);
    assert.deepEqual(result.removed, ['new.bin', 'new/deep/new.txt']);
    assert.deepEqual(result.restored, ['a.txt', 'bin.dat', 'crlf.txt', UNICODE, 'run.sh']);

    const after = treeState(folder);
    const expected = new Map(before);
    expected.set('keep.log', after.get('keep.log')!); // ignored: left as the user has it
    expected.set('later.log', after.get('later.log')!);
    expected.set('another-empty-dir/', 'dir'); // not a file: neither recorded nor removed
    assert.deepEqual(after, expected);
    assert.equal(readFileSync(path.join(folder, 'keep.log'), 'utf8'), 'ignored, changed\n');
    assert.deepEqual(readFileSync(path.join(folder, 'crlf.txt')), Buffer.from('one\r\ntwo\r\n'));
    assert.deepEqual(await snapshots.diff(folder, snap.ref), []);
    assert.equal((await snapshots.fileAt(folder, snap.ref, 'weird [x] *?.txt'))?.toString(), 'glob characters in a name\n');
    assert.equal((await snapshots.fileAt(folder, snap.ref, UNICODE))?.toString(), 'unicode\n');
    assert.deepEqual(await snapshots.fileAt(folder, snap.ref, 'bin.dat'), BINARY);
  });

  it('a file that became a directory, and a directory that became a file, come back', async () => {
    const { folder, snapshots } = setup();
    write(folder, 'was-file', 'file\n');
    write(folder, 'was-dir/inner.txt', 'inner\n');
    const before = treeState(folder);
    const snap = await snapshots.snapshot(folder, 'cp');
    rmSync(path.join(folder, 'was-file'));
    write(folder, 'was-file/now-inside.txt', 'x\n');
    rmSync(path.join(folder, 'was-dir'), { recursive: true });
    write(folder, 'was-dir', 'now a file\n');
    await snapshots.restore(folder, snap.ref);
    assert.deepEqual(treeState(folder), before);
  });

  it('ignored files are not in the snapshot', async () => {
    const { folder, snapshots } = setup();
    write(folder, '.gitignore', 'secret.env\n');
    write(folder, 'secret.env', 'TOKEN=1\n');
    write(folder, 'node_modules/pkg/index.js', 'dependency\n');
    write(folder, 'sub/.gitignore', '*.tmp\n');
    write(folder, 'sub/x.tmp', 'tmp\n');
    write(folder, 'sub/x.txt', 'kept\n');
    const snap = await snapshots.snapshot(folder, 'cp');
    assert.equal(await snapshots.fileAt(folder, snap.ref, 'secret.env'), null);
    assert.equal(await snapshots.fileAt(folder, snap.ref, 'node_modules/pkg/index.js'), null);
    assert.equal(await snapshots.fileAt(folder, snap.ref, 'sub/x.tmp'), null);
    assert.equal((await snapshots.fileAt(folder, snap.ref, 'sub/x.txt'))?.toString(), 'kept\n');
    assert.equal(snap.files, 3);
  });

  it("never touches the user's own repository: HEAD, staged changes, branches, stash, config", async () => {
    const { folder, snapshots } = setup();
    git(folder, 'init', '-q', '-b', 'main');
    write(folder, 'tracked.txt', 'v1\n');
    write(folder, '.gitignore', 'dist/\n');
    git(folder, 'add', '.');
    git(folder, 'commit', '-qm', 'first');
    git(folder, 'branch', 'feature');
    write(folder, 'tracked.txt', 'stashed\n');
    git(folder, 'stash', '-q');
    write(folder, 'tracked.txt', 'staged\n');
    git(folder, 'add', 'tracked.txt');
    write(folder, 'tracked.txt', 'staged, then edited\n');
    write(folder, 'untracked.txt', 'untracked\n');
    write(folder, 'dist/bundle.js', 'ignored\n');
    writeFileSync(path.join(folder, '.git', 'info', 'exclude'), 'local-only.txt\n');
    write(folder, 'local-only.txt', 'excluded by .git/info/exclude\n');

    const userRepo = () => ({
      status: git(folder, 'status', '--porcelain', '--untracked-files=all'),
      stash: git(folder, 'stash', 'list'),
      head: git(folder, 'rev-parse', 'HEAD'),
      branches: git(folder, 'branch', '--list'),
      index: readFileSync(path.join(folder, '.git', 'index')),
      dotGit: treeState(path.join(folder, '.git')),
    });
    const before = userRepo();

    // Even with the host's environment pointing git at the user's repository.
    const saved = { GIT_DIR: process.env.GIT_DIR, GIT_INDEX_FILE: process.env.GIT_INDEX_FILE };
    process.env.GIT_DIR = path.join(folder, '.git');
    process.env.GIT_INDEX_FILE = path.join(folder, '.git', 'index');
    try {
      const snap = await snapshots.snapshot(folder, 'cp');
      assert.equal(snap.files, 3); // .gitignore, tracked.txt, untracked.txt
      assert.equal(await snapshots.fileAt(folder, snap.ref, 'local-only.txt'), null);
      write(folder, 'tracked.txt', 'claude edited this\n');
      write(folder, 'claude-new.txt', 'new\n');
      await snapshots.restore(folder, snap.ref);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }

    const after = userRepo();
    assert.equal(after.status, before.status);
    assert.equal(after.stash, before.stash);
    assert.equal(after.head, before.head);
    assert.equal(after.branches, before.branches);
    assert.ok(after.index.equals(before.index), 'the raw .git/index bytes are unchanged');
    assert.deepEqual(after.dotGit, before.dotGit, 'nothing under .git changed');
    assert.equal(readFileSync(path.join(folder, 'tracked.txt'), 'utf8'), 'staged, then edited\n');
    assert.match(before.status, /^MM tracked\.txt$/m);
  });

  it('sees an edit made in the same second as the snapshot, at the same size (racy git)', async () => {
    const { folder, snapshots } = setup();
    for (let attempt = 0; ; attempt++) {
      while (Date.now() % 1000 > 100) await sleep(5); // start at the beginning of a second
      const second = Math.floor(Date.now() / 1000);
      write(folder, 'same-size.txt', 'v1\n');
      const snap = await snapshots.snapshot(folder, 'cp');
      write(folder, 'same-size.txt', 'v2\n');
      if (Math.floor(Date.now() / 1000) !== second) {
        assert.ok(attempt < 5, 'could not fit the scenario into one second');
        continue;
      }
      await sleep(1100 - (Date.now() % 1000)); // the next diff runs in a later second
      assert.deepEqual(await snapshots.diff(folder, snap.ref), [{ path: 'same-size.txt', change: 'modified' }]);
      return;
    }
  });

  it('keeps several snapshots of one folder apart', async () => {
    const { folder, snapshots } = setup();
    write(folder, 'f.txt', 'one\n');
    const s1 = await snapshots.snapshot(folder, 'one');
    write(folder, 'f.txt', 'two\n');
    write(folder, 'g.txt', 'g\n');
    const s2 = await snapshots.snapshot(folder, 'two');
    assert.notEqual(s1.ref, s2.ref);
    assert.deepEqual(await snapshots.diff(folder, s2.ref), []);
    assert.deepEqual(await snapshots.diff(folder, s1.ref), [
      { path: 'f.txt', change: 'modified' },
      { path: 'g.txt', change: 'added' },
    ]);
    await snapshots.restore(folder, s1.ref);
    assert.equal(readFileSync(path.join(folder, 'f.txt'), 'utf8'), 'one\n');
    assert.deepEqual(await snapshots.diff(folder, s2.ref), [
      { path: 'f.txt', change: 'modified' },
      { path: 'g.txt', change: 'deleted' },
    ]);
    await snapshots.restore(folder, s2.ref);
    assert.equal(readFileSync(path.join(folder, 'g.txt'), 'utf8'), 'g\n');
    assert.deepEqual(await snapshots.diffText(folder, s1.ref, 'f.txt'), { before: 'one\n', after: 'two\n', binary: false });
    assert.deepEqual(await snapshots.diffText(folder, s1.ref, 'g.txt'), { before: null, after: 'g\n', binary: false });
  });

  it('concurrent snapshots of one folder, from one or two instances, all succeed and leave a sound repository', async () => {
    const { storageDir, folder, snapshots } = setup();
    for (let i = 0; i < 50; i++) write(folder, `f${i}.txt`, `file ${i}\n`);
    const other = new WorkspaceSnapshots({ storageDir }); // a second VS Code window
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => snapshots.snapshot(folder, `a${i}`)),
      ...Array.from({ length: 4 }, (_, i) => other.snapshot(folder, `b${i}`)),
    ]);
    assert.equal(new Set(results.map((r) => r.ref)).size, 8);
    for (const r of results) {
      assert.equal(r.files, 50);
      assert.deepEqual(await snapshots.diff(folder, r.ref), []);
    }
    const gitDir = readdirSync(path.join(storageDir, 'checkpoints')).filter((n) => n.endsWith('.git'));
    assert.equal(gitDir.length, 1);
    execFileSync('git', ['--git-dir', path.join(storageDir, 'checkpoints', gitDir[0]!), 'fsck', '--strict', '--no-progress'], { stdio: 'pipe' });
  });

  it('leaves nested repositories alone and carries the parent repository rules into a subfolder', async () => {
    const { snapshots } = setup();
    const repo = tempDir('shannon-mono-');
    git(repo, 'init', '-q');
    write(repo, '.gitignore', 'dist/\n/packages/app/generated/\n/other/\n');
    const folder = path.join(repo, 'packages', 'app');
    write(folder, 'src/index.ts', 'code\n');
    write(folder, 'dist/out.js', 'built\n');
    write(folder, 'generated/types.ts', 'generated\n');
    mkdirSync(path.join(folder, 'vendor', 'lib'), { recursive: true });
    git(path.join(folder, 'vendor', 'lib'), 'init', '-q'); // a nested repository without commits
    write(folder, 'vendor/lib/file.c', 'vendored\n');

    const snap = await snapshots.snapshot(folder, 'cp');
    assert.equal(snap.files, 1);
    write(folder, 'vendor/lib/new.c', 'new in the nested repo\n');
    assert.deepEqual(await snapshots.diff(folder, snap.ref), []);
    await snapshots.restore(folder, snap.ref);
    assert.equal(readFileSync(path.join(folder, 'vendor/lib/new.c'), 'utf8'), 'new in the nested repo\n');
    assert.equal(readFileSync(path.join(folder, 'dist/out.js'), 'utf8'), 'built\n');
  });

  it('refuses a file over the size limit with a message naming it', async () => {
    const { folder, snapshots } = setup({ maxFileBytes: 1024 });
    write(folder, 'small.txt', 'ok\n');
    write(folder, 'big.bin', randomBytes(4096));
    await assert.rejects(snapshots.snapshot(folder, 'cp'), (err: unknown) => {
      assert.ok(isShannonError(err, 'CHECKPOINT_FAILED'));
      assert.match(err.message, /big\.bin \(4\.0 KiB\)/);
      assert.match(err.hint ?? '', /\.gitignore/);
      return true;
    });
    write(folder, '.gitignore', 'big.bin\n');
    assert.equal((await snapshots.snapshot(folder, 'cp')).files, 2);
  });

  it('says git is needed when it cannot be found', async () => {
    const { folder } = setup();
    const snapshots = new WorkspaceSnapshots({ storageDir: tempDir('shannon-storage-'), git: '/nonexistent/bin/git' });
    await assert.rejects(snapshots.snapshot(folder, 'cp'), (err: unknown) => {
      assert.ok(isShannonError(err, 'NOT_SUPPORTED'));
      assert.match(err.message, /Git/);
      assert.match(err.hint ?? '', /Install Git/);
      return true;
    });
  });

  it('rejects bad arguments and unknown snapshots clearly', async () => {
    const { folder, snapshots } = setup();
    write(folder, 'a.txt', 'a\n');
    const snap = await snapshots.snapshot(folder, 'cp');
    await assert.rejects(snapshots.fileAt(folder, snap.ref, '../outside'), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(snapshots.fileAt(folder, snap.ref, '.git/config'), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(snapshots.diff(folder, 'HEAD'), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(snapshots.diff(folder, 'f'.repeat(40)), (e: unknown) => isShannonError(e, 'CHECKPOINT_FAILED'));
    await assert.rejects(snapshots.snapshot('relative/path', 'cp'), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(snapshots.snapshot(path.join(folder, 'missing'), 'cp'), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT'));
    const aborted = AbortSignal.abort();
    await assert.rejects(snapshots.snapshot(folder, 'cp', aborted), (e: unknown) => isShannonError(e, 'CANCELLED'));
  });

  it('does not snapshot its own storage when that lies inside the folder', async () => {
    const folder = tempDir('shannon-ws-');
    const snapshots = new WorkspaceSnapshots({ storageDir: path.join(folder, '.shannon') });
    write(folder, 'a.txt', 'a\n');
    const s1 = await snapshots.snapshot(folder, 'one');
    const s2 = await snapshots.snapshot(folder, 'two');
    assert.equal(s2.files, 1);
    await snapshots.restore(folder, s1.ref);
    assert.deepEqual(await snapshots.diff(folder, s2.ref), []);
  });

  it('forget drops snapshots', async () => {
    const { folder, snapshots } = setup();
    write(folder, 'a.txt', 'a\n');
    const s1 = await snapshots.snapshot(folder, 'one');
    const s2 = await snapshots.snapshot(folder, 'two');
    await snapshots.forget(folder, [s1.ref]);
    await snapshots.forget(folder, [s1.ref]); // twice: nothing left to drop, no error
    await assert.rejects(snapshots.diff(folder, s1.ref), (e: unknown) => isShannonError(e, 'CHECKPOINT_FAILED'));
    assert.deepEqual(await snapshots.diff(folder, s2.ref), []);
  });
});

describe('CheckpointService', () => {
  it('restoring a checkpoint puts the files back and forks the conversation at its message', async () => {
    const { folder, snapshots } = setup();
    const rows = new Map<string, Checkpoint>();
    const started: Array<{ options: ClaudeRunOptions; parentId: string }> = [];
    const service = new CheckpointService({
      snapshots,
      store: {
        addCheckpoint: (c) => void rows.set(c.id, c),
        getCheckpoint: (id) => rows.get(id),
        listCheckpoints: (sessionId) => [...rows.values()].filter((c) => c.sessionId === sessionId),
        deleteCheckpoint: (id) => void rows.delete(id),
        getSession: (id) => (id === 's1' ? { workspaceFolder: folder } : undefined),
      },
      sessions: {
        startSession: async (req) => {
          started.push(req);
          return { sessionId: 'forked' };
        },
      },
    });
    write(folder, 'app.ts', 'v1\n');
    const { checkpoint: first } = await service.create({ sessionId: 's1', workspaceFolder: folder, seq: 0, label: 'before turn 1' });
    write(folder, 'app.ts', 'v2\n');
    const { checkpoint: cp } = await service.create({ sessionId: 's1', cliSessionId: 'cli-1', messageUuid: 'msg-7', workspaceFolder: folder, seq: 7, label: 'before turn 2' });
    write(folder, 'app.ts', 'v3\n');
    write(folder, 'extra.ts', 'new\n');

    assert.deepEqual((await service.list('s1')).map((c) => c.seq), [0, 7]);
    assert.deepEqual((await service.preview(cp.id)).changes, [
      { path: 'app.ts', change: 'modified' },
      { path: 'extra.ts', change: 'added' },
    ]);
    const result = await service.restore(cp.id);
    assert.equal(readFileSync(path.join(folder, 'app.ts'), 'utf8'), 'v2\n');
    assert.deepEqual(result.removed, ['extra.ts']);
    assert.equal(result.sessionId, 'forked');
    assert.deepEqual(started[0], {
      workspaceFolder: folder,
      options: { resume: 'cli-1', resumeAt: 'msg-7', forkSession: true },
      parentId: 's1',
      title: 'before turn 2',
    });
    // The restore itself can be undone.
    await snapshots.restore(folder, result.undo.ref);
    assert.equal(readFileSync(path.join(folder, 'extra.ts'), 'utf8'), 'new\n');
    // Before the first reply there is nothing to fork: a fresh session.
    await service.restore(first.id);
    assert.deepEqual(started[1]?.options, {});
    await assert.rejects(service.restore('nope'), (e: unknown) => isShannonError(e, 'INVALID_ARGUMENT'));
    await service.delete(first.id);
    assert.deepEqual((await service.list('s1')).map((c) => c.seq), [7]);
    await assert.rejects(snapshots.diff(folder, first.snapshotRef!), (e: unknown) => isShannonError(e, 'CHECKPOINT_FAILED'));
  });

  it('the store plugs in as it is', () => {
    // Compile-time: SessionStore satisfies CheckpointStore.
    const check = (store: SessionStore): CheckpointStore => store;
    assert.equal(typeof check, 'function');
  });
});

describe('carryDown', () => {
  it('keeps rules that apply anywhere and re-anchors those that point into the folder', () => {
    assert.deepEqual(carryDown(['# c', '', '*.log', 'dist/', '!keep.log', '/packages/app/gen/', '/other/', 'a/b', '**/tmp', '*'], 'packages/app'), [
      '*.log',
      'dist/',
      '!keep.log',
      '/gen/',
      '**/tmp',
    ]);
  });
});
