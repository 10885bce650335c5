/**
 * The launcher (src/core/process/launcher.ts) with real processes: what a child started through
 * it gets and reports is what a child started directly gets, and a host that dies takes its
 * launched children with it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { LAUNCHER_LOST, launch, type ChildPipes, type LaunchedChild, type SpawnVia } from '../../src/core/process/launcher';

const skip = process.platform === 'win32' ? 'no launcher on Windows' : false;

function collect(pipes: ChildPipes): Promise<string> {
  let out = '';
  pipes.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => pipes.stdout.once('close', () => resolve(out)));
}

async function running(child: LaunchedChild): Promise<ChildPipes> {
  const pipes = await child.started;
  assert.ok(pipes, 'the child runs');
  return pipes;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('starting processes through the launcher', { skip }, () => {
  for (const via of ['launcher', 'direct'] as SpawnVia[]) {
    test(`${via}: stdin, stdout, stderr, the environment and the exit code reach the host`, async () => {
      const child = launch({ file: '/bin/sh', args: ['-c', 'cat; echo "$GREETING" >&2; exit 3'], cwd: '/', env: { PATH: process.env.PATH, GREETING: 'hello from env' } }, via);
      const pipes = await running(child);
      assert.ok(pipes.pid > 0);
      const out = collect(pipes);
      let err = '';
      pipes.stderr.on('data', (d: Buffer) => (err += d.toString()));
      pipes.stdin.end('line one\nline two\n');
      assert.equal(await out, 'line one\nline two\n', 'closing stdin here is the EOF there');
      const end = await child.ended;
      assert.equal(end.exitCode, 3);
      assert.equal(err.trim(), 'hello from env');
    });

    test(`${via}: a child that writes and exits at once loses nothing of what it wrote`, async () => {
      const child = launch({ file: '/bin/sh', args: ['-c', 'echo early >&2; seq 1 50000; exit 7'], cwd: '/', env: { PATH: process.env.PATH } }, via);
      const pipes = await running(child);
      let err = '';
      pipes.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const out = (await collect(pipes)).trim().split('\n');
      assert.equal(out.length, 50000);
      assert.equal(out.at(-1), '50000');
      assert.equal((await child.ended).exitCode, 7);
      assert.equal(err.trim(), 'early');
    });

    test(`${via}: a missing binary never runs and says ENOENT`, async () => {
      const child = launch({ file: '/no/such/claude', args: [], cwd: '/', env: {} }, via);
      assert.equal(await child.started, undefined);
      const end = await child.ended;
      assert.equal(end.failed, true);
      assert.equal(end.code, 'ENOENT');
    });

    test(`${via}: a child asked to run below normal does, and so do its children; none asked keeps the host's priority`, async () => {
      // `nice` with no command prints the niceness it runs at; the inner `sh` is a child of the child.
      const niceOf = async (niceness?: number) => {
        const child = launch({ file: '/bin/sh', args: ['-c', 'sleep 0.2; nice; sh -c nice'], cwd: '/', env: { PATH: process.env.PATH }, niceness }, via);
        const out = await collect(await running(child));
        await child.ended;
        return out.trim().split('\n').map(Number);
      };
      assert.deepEqual(await niceOf(10), [10, 10]);
      assert.deepEqual(await niceOf(undefined), [getPriority(), getPriority()]);
    });

    test(`${via}: a signal asked for at once ends the child as soon as it runs`, async () => {
      const child = launch({ file: '/bin/sleep', args: ['30'], cwd: '/', env: { PATH: process.env.PATH } }, via);
      child.kill('SIGTERM');
      const end = await child.ended;
      assert.equal(end.signal, 'SIGTERM');
    });
  }

  test('the child leads its own session, as a directly started one does', async () => {
    const child = launch({ file: '/bin/sh', args: ['-c', 'ps -o sid= -p $$'], cwd: '/', env: { PATH: process.env.PATH } }, 'launcher');
    const pipes = await running(child);
    assert.equal(Number((await collect(pipes)).trim()), pipes.pid);
    await child.ended;
  });

  test('a launcher that dies: a running child ends as cut off, and the next start gets a new launcher', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const child = launch({ file: '/bin/sleep', args: ['300'], cwd: '/', env: { PATH: process.env.PATH } }, 'launcher');
    const { pid } = await running(child);
    // /proc/<pid>/stat: "pid (comm) state ppid …": the launcher is the parent.
    const launcherPid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    assert.notEqual(launcherPid, process.pid, 'the host is not the parent');
    process.kill(launcherPid, 'SIGKILL');
    const end = await child.ended;
    assert.equal(end.code, LAUNCHER_LOST);
    process.kill(pid, 'SIGKILL');
    const next = launch({ file: '/bin/echo', args: ['again'], cwd: '/', env: { PATH: process.env.PATH } }, 'launcher');
    const pipes = await running(next);
    assert.equal((await collect(pipes)).trim(), 'again');
    assert.equal((await next.ended).exitCode, 0);
  });

  test('a host that is SIGKILLed takes what it launched with it', async () => {
    const script = `
      import { launch } from ${JSON.stringify(new URL('../../src/core/process/launcher.ts', import.meta.url).pathname)};
      const child = launch({ file: '/bin/sleep', args: ['300'], cwd: '/', env: { PATH: process.env.PATH } }, 'launcher');
      const pipes = await child.started;
      console.log('PID ' + pipes.pid);
    `;
    const host = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /PID (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      host.once('exit', (code) => reject(new Error(`the host exited (${code}) first: ${out}`)));
    });
    assert.ok(alive(pid), 'sleep runs while its host does');
    host.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false, 'sleep ended once its host was gone');
  });
});
