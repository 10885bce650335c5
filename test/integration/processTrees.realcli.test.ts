/**
 * Ending a session ends everything it started, with the real CLI: its Bash tool runs each
 * command in a session of its own (setsid), out of reach of the CLI's process group. Every
 * assertion reads /proc (test/support/procfs.ts), never Shannon's own bookkeeping: a test's
 * processes are found by the CLAUDE_CONFIG_DIR of its hermetic environment, which every process
 * its claude starts inherits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ShannonError } from '../../src/core/errors.js';
import { SessionManager } from '../../src/core/session/manager.js';
import { openShannonCore } from '../../src/core/shannon.js';
import { FakeAnthropicApi, type Reply, type Responder } from '../support/fakeAnthropic.js';
import { buildBundles, startMcpStdioRig, structured } from '../support/mcpHarness.js';
import { allGone, HAS_PROCFS, proc, remember, running, threadNiceness, withEnv, type Proc } from '../support/procfs.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace, type HermeticClaudeEnv } from '../support/realCli.js';

const skip = HAS_PROCFS ? false : 'reads /proc (Linux)';
const bash = (command: string): Reply => ({ blocks: [{ type: 'tool_use', name: 'Bash', input: { command, description: 'run it' } }] });
const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });
/** Every main turn: run `sleep 300` (it never returns, so no later turn comes). */
const sleeper: Responder = (req) => (req.isMainTurn ? bash('sleep 300') : text('Test session'));
const ALLOW_BASH = { allowedTools: ['Bash'] };
/** The promise: nothing of the tree runs 10 s after the session was ended. */
const WITHIN_MS = 10_000;

/**
 * What runs with this environment's CLAUDE_CONFIG_DIR, once a `sleep` is among it; but the host
 * `hostPid` and its own helpers (tsx's esbuild), which get that environment too.
 */
async function treeOnceSleeping(env: HermeticClaudeEnv, hostPid?: number, timeoutMs = 60_000): Promise<Proc[]> {
  const entry = `CLAUDE_CONFIG_DIR=${env.configDir}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const procs = withEnv(entry).filter((p) => p.pid !== hostPid && (p.ppid !== hostPid || p.comm === 'claude.exe'));
    remember(procs);
    if (procs.some((p) => p.comm === 'sleep')) return procs;
    if (Date.now() > deadline) throw new Error(`no sleep ran within ${timeoutMs} ms; running: ${procs.map((p) => p.comm).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function assertShape(tree: Proc[]): void {
  const names = tree.map((p) => p.comm);
  assert.ok(names.includes('claude.exe') && names.includes('bash') && names.includes('sleep'), `claude, bash and sleep run: ${names.join(', ')}`);
  const claude = tree.find((p) => p.comm === 'claude.exe')!;
  const bashProc = tree.find((p) => p.comm === 'bash')!;
  assert.notEqual(bashProc.sid, claude.sid, 'the Bash command runs in a session of its own (what made the group kill miss it)');
}

async function assertNothingRuns(env: HermeticClaudeEnv, tree: Proc[], t: TestContext, what: string): Promise<void> {
  const ms = await allGone(tree, WITHIN_MS, what);
  assert.deepEqual(withEnv(`CLAUDE_CONFIG_DIR=${env.configDir}`).map((p) => `${p.comm} ${p.pid}`), [], 'no process of the session runs');
  t.diagnostic(`${what}: ${tree.length} processes (${tree.map((p) => p.comm).join(', ')}) gone ${ms} ms after it returned`);
}

describe('ending a session ends its whole process tree (real CLI)', { skip }, () => {
  let api: FakeAnthropicApi;
  let ws: { dir: string; dispose(): Promise<void> };
  const envs: HermeticClaudeEnv[] = [];
  const managers: SessionManager[] = [];
  before(async () => {
    api = await FakeAnthropicApi.start(sleeper);
    ws = await tempWorkspace();
  });
  after(async () => {
    for (const m of managers) m.dispose();
    await api?.close();
    for (const e of envs) await e.dispose();
    await ws?.dispose();
  });

  async function engine(options: Partial<ConstructorParameters<typeof SessionManager>[0]> = {}) {
    const env = await hermeticClaudeEnv(api);
    envs.push(env);
    const manager = new SessionManager({ resolveBinary: async () => CLAUDE_BIN, environment: () => env.env, stop: { stdinGraceMs: 500, termGraceMs: 1500 }, ...options });
    managers.push(manager);
    return { env, manager };
  }

  test('cancel ends claude, its Bash command (in a session of its own) and the command\'s child', async (t) => {
    const { env, manager } = await engine();
    api.setResponder(sleeper);
    const s = await manager.create({ prompt: 'sleep', workspaceFolder: ws.dir, options: ALLOW_BASH });
    const tree = await treeOnceSleeping(env);
    assertShape(tree);
    const started = performance.now();
    await manager.cancel(s.id);
    t.diagnostic(`cancel() took ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(manager.get(s.id)!.state, 'cancelled');
    await assertNothingRuns(env, tree, t, 'after cancel');
  });

  test('claude, every thread of it and the commands it runs work below normal priority by default; "normal" keeps the host\'s', async (t) => {
    const niceness = async (options: Partial<ConstructorParameters<typeof SessionManager>[0]>) => {
      const { env, manager } = await engine(options);
      api.setResponder(sleeper);
      const s = await manager.create({ prompt: 'sleep', workspaceFolder: ws.dir, options: ALLOW_BASH });
      const tree = await treeOnceSleeping(env);
      const claude = tree.find((p) => p.comm === 'claude.exe')!;
      const seen = { claudeThreads: [...new Set(threadNiceness(claude.pid))], commands: [...new Set(tree.filter((p) => p.comm === 'bash' || p.comm === 'sleep').map((p) => p.nice))] };
      t.diagnostic(`${options.processPriority?.() ?? 'default'}: claude's ${threadNiceness(claude.pid).length} threads at ${seen.claudeThreads.join(',')}, its commands at ${seen.commands.join(',')}`);
      await manager.cancel(s.id);
      await assertNothingRuns(env, tree, t, 'after cancel');
      return seen;
    };
    assert.deepEqual(await niceness({}), { claudeThreads: [10], commands: [10] });
    assert.deepEqual(await niceness({ processPriority: () => 'normal' }), { claudeThreads: [getPriority()], commands: [getPriority()] });
  });

  test('manager.dispose() (synchronous) has ended the whole tree when it returns', async (t) => {
    const { env, manager } = await engine();
    await manager.create({ prompt: 'sleep', workspaceFolder: ws.dir, options: ALLOW_BASH });
    const tree = await treeOnceSleeping(env);
    const started = performance.now();
    manager.dispose();
    t.diagnostic(`dispose() took ${(performance.now() - started).toFixed(0)} ms`);
    assert.deepEqual(tree.filter(running).map((p) => p.comm), [], 'nothing runs right after dispose() returns');
    await assertNothingRuns(env, tree, t, 'after dispose');
  });

  test('a session idle past its idle timeout is suspended and its whole tree ends, background commands too', async (t) => {
    // The idle timeout starts only once the turn is over, so a slow start cannot race it.
    const { env, manager } = await engine({ idleTimeoutMs: 3000 });
    let calls = 0;
    api.setResponder((req) =>
      !req.isMainTurn
        ? text('Test session')
        : calls++ === 0
          ? { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'sleep 300', description: 'in the background', run_in_background: true } }] }
          : text('It runs in the background.'),
    );
    const s = await manager.create({ prompt: 'sleep in the background', workspaceFolder: ws.dir, options: ALLOW_BASH });
    const tree = await treeOnceSleeping(env);
    assertShape(tree);
    await new Promise<void>((resolve) => {
      if (manager.get(s.id)?.state === 'suspended') return resolve();
      const sub = manager.onDidChangeSession((r) => {
        if (r.id !== s.id || r.state !== 'suspended') return;
        sub.dispose();
        resolve();
      });
    });
    await assertNothingRuns(env, tree, t, 'after the idle timeout');
    api.setResponder(sleeper);
  });

  test('a command that daemonized itself is ended when its session ends', async (t) => {
    const { env, manager } = await engine();
    // setsid + background + redirected output: no parent link and no session link is left.
    let calls = 0;
    api.setResponder((req) => (!req.isMainTurn ? text('Test session') : calls++ === 0 ? bash('setsid sleep 300 > /dev/null 2>&1 < /dev/null &') : text('started it')));
    const s = await manager.create({ prompt: 'start a daemon', workspaceFolder: ws.dir, options: ALLOW_BASH });
    await manager.waitForTurn(s.id, undefined, s.promptUuid);
    const tree = await treeOnceSleeping(env);
    const daemon = tree.find((p) => p.comm === 'sleep')!;
    assert.equal(daemon.sid, daemon.pid, 'the daemon leads a session of its own');
    assert.notEqual(daemon.ppid, manager.liveSession(s.id)!.pid, 'and is no child of claude');
    await manager.end(s.id);
    await assertNothingRuns(env, tree, t, 'after the session ended');
    api.setResponder(sleeper);
  });

  test('core.close() ends every tree and leaves no record of running processes', async (t) => {
    const env = await hermeticClaudeEnv(api);
    envs.push(env);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-trees-'));
    try {
      const core = await openShannonCore({ dataDir, resolveBinary: async () => CLAUDE_BIN, environment: () => env.env, stop: { stdinGraceMs: 500, termGraceMs: 1500 } });
      await core.manager.create({ prompt: 'sleep', workspaceFolder: ws.dir, options: ALLOW_BASH });
      const tree = await treeOnceSleeping(env);
      const started = performance.now();
      await core.close();
      t.diagnostic(`close() took ${(performance.now() - started).toFixed(0)} ms`);
      await assertNothingRuns(env, tree, t, 'after core.close()');
      assert.deepEqual((await readdir(path.join(dataDir, 'processes')).catch(() => [])).filter((n) => n.endsWith('.json')), []);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('after the host is SIGKILLed, its launcher ends the CLI, and the next start on its data dir ends the tools it left running and says so', async (t) => {
    const env = await hermeticClaudeEnv(api);
    envs.push(env);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-trees-'));
    try {
      const host = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'support', 'treeHost.ts'), dataDir, ws.dir], {
        env: { ...env.env, SHANNON_TEST_CLAUDE: CLAUDE_BIN, PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const claudePid = await new Promise<number>((resolve, reject) => {
        let out = '';
        host.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /READY \S+ (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        host.once('exit', (code) => reject(new Error(`the host exited (${code}) before READY: ${out}`)));
      });
      const tree = await treeOnceSleeping(env, host.pid);
      assertShape(tree);
      host.kill('SIGKILL');
      await new Promise((r) => host.once('exit', r));
      await new Promise((r) => setTimeout(r, 1000));
      // The launcher (launcher.ts) saw its channel close and ended the CLI; the CLI's tools run
      // in sessions of their own, out of its reach: those are the leftovers.
      const leftovers = tree.filter((p) => p.pid !== claudePid);
      await allGone(tree.filter((p) => p.pid === claudePid), WITHIN_MS, 'the CLI, ended by its launcher');
      assert.deepEqual(leftovers.filter(running).map((p) => p.comm).sort(), ['bash', 'sleep'], 'with the host gone, bash and sleep still run');

      const started = performance.now();
      const core = await openShannonCore({ dataDir, resolveBinary: async () => CLAUDE_BIN, environment: () => env.env });
      try {
        const warning = await new Promise<ShannonError>((resolve) => {
          core.onDidWarn((w) => {
            if (w.code === 'LEFTOVER_PROCESSES_ENDED') resolve(w);
          });
        });
        t.diagnostic(`restart → leftovers ended and reported in ${(performance.now() - started).toFixed(0)} ms: ${warning.message}`);
        await assertNothingRuns(env, tree, t, 'after the restart');
        for (const p of leftovers) assert.match(warning.message, new RegExp(`${p.comm} ${p.pid}\\b`), `the warning names ${p.comm} ${p.pid}`);
        assert.match(warning.message, /"sleep"/, 'and the session, by its title');
      } finally {
        await core.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('shannon-mcp over stdio ends the trees of its sessions (real CLI)', { skip }, () => {
  before(() => buildBundles());

  const cases = [
    { how: 'SIGTERM to the server', command: 'sleep 300' },
    { how: 'the client disconnecting', command: 'sleep 300' },
    // Ignored SIGTERM is inherited: bash and sleep both wait out the grace. The SDK's client
    // SIGKILLs the server 4 s after closing its stdin, before that grace would end.
    { how: 'the client disconnecting, with a command that ignores SIGTERM', command: 'trap "" TERM; sleep 300' },
  ] as const;
  for (const { how, command } of cases) {
    test(`${how}: no process of a running session is left`, async (t) => {
      const rig = await startMcpStdioRig((req) => (req.isMainTurn ? bash(command) : text('Test session')), ['--allow-tools', 'Bash']);
      try {
        const created = structured(await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'sleep', cwd: rig.workspace, allowed_tools: ['Bash'] } }));
        assert.ok(created.session_id);
        const serverPid = (rig.client.transport as StdioClientTransport).pid!;
        const server = proc(serverPid)!;
        const tree = await treeOnceSleeping(rig.claude, serverPid);
        assertShape(tree);
        const started = performance.now();
        if (how.startsWith('SIGTERM')) {
          process.kill(serverPid, 'SIGTERM');
        } else {
          // As an MCP client does: stdin closed (the SDK then waits 2 s, SIGTERMs, and SIGKILLs 2 s later).
          await rig.client.close();
        }
        await allGone(tree, WITHIN_MS, how);
        t.diagnostic(`${how}: ${tree.length} processes (${tree.map((p) => p.comm).join(', ')}) gone ${Math.round(performance.now() - started)} ms after`);
        // The server itself goes too: then nothing with the session's environment is left.
        await allGone([server], WITHIN_MS, 'the server');
        assert.deepEqual(withEnv(`CLAUDE_CONFIG_DIR=${rig.claude.configDir}`), []);
      } finally {
        await rig.dispose();
      }
    });
  }
});
