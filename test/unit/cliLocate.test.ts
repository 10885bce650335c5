import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { ClaudeLocateError, ClaudeLocator, defaultRun, type ClaudeLocatorDeps, type LocatorFileSystem, type RunFunction } from '../../src/core/cli/locate.js';
import { compareSemVer, formatSemVer, meetsMinimum, MIN_CLAUDE_VERSION, parseClaudeVersion, parseSemVer } from '../../src/core/cli/version.js';
import { isShannonError, type ShannonErrorCode } from '../../src/core/errors.js';
import { CLAUDE_BIN } from '../support/realCli.js';

const FAKE = path.resolve(import.meta.dirname, '..', 'support', 'fakeClaude.mjs');

let root: string;
let n = 0;
before(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(tmpdir(), 'shannon-locate-')));
});
after(() => fs.rm(root, { recursive: true, force: true }));

/** A fresh folder under the test root. */
async function dir(...parts: string[]): Promise<string> {
  const d = path.join(root, `t${++n}`, ...parts);
  await fs.mkdir(d, { recursive: true });
  return d;
}

/** A `claude` in `folder` that runs fakeClaude.mjs with the given FAKE_CLAUDE_* settings. */
async function fakeClaude(folder: string, env: Record<string, string> = {}, name = 'claude'): Promise<string> {
  await fs.mkdir(folder, { recursive: true });
  const file = path.join(folder, name);
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v}'\n`).join('');
  await fs.writeFile(file, `#!/bin/sh\n${exports}exec '${FAKE}' "$@"\n`, { mode: 0o755 });
  return file;
}

/** The real file system, but only under the test root: this machine's own installs stay out of the tests. */
const sandboxFs: LocatorFileSystem = {
  stat: (p) => inside(p, () => fs.stat(p)),
  lstat: (p) => inside(p, () => fs.lstat(p)),
  access: (p, mode) => inside(p, () => fs.access(p, mode)),
  readdir: (p) => inside(p, () => fs.readdir(p)),
  readFile: (p) => inside(p, () => fs.readFile(p, 'utf8')),
};
function inside<T>(p: string, fn: () => Promise<T>): Promise<T> {
  if (p === root || p.startsWith(root + path.sep)) return fn();
  return Promise.reject(Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' }));
}

/** A locator on this machine's real processes, with a home and PATH of the test's choosing. */
async function locator(deps: ClaudeLocatorDeps & { pathDirs?: string[] } = {}): Promise<ClaudeLocator> {
  const home = deps.homedir ?? (await dir('home'));
  const PATH = (deps.pathDirs ?? [await dir('empty-path')]).join(path.delimiter);
  return new ClaudeLocator({ fs: sandboxFs, platform: 'linux', explicitPathName: 'shannon.claudePath', ...deps, homedir: home, env: { PATH, ...deps.env } });
}

/** Counts `--version` runs. */
function countingRun(): { run: RunFunction; count: () => number } {
  let count = 0;
  return {
    run: (file, args, timeoutMs, signal) => {
      count++;
      return defaultRun(file, args, timeoutMs, signal);
    },
    count: () => count,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: ShannonErrorCode, message?: RegExp, hint?: RegExp): Promise<ClaudeLocateError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isShannonError(err, code), `expected ${code}, got ${String(err)}`);
    if (message) assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    return err as ClaudeLocateError;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

describe('claude --version parsing', () => {
  test('reads the version the CLI prints, with prefixes, suffixes and warnings around it', () => {
    const v = (s: string) => {
      const parsed = parseClaudeVersion(s);
      return parsed && formatSemVer(parsed);
    };
    assert.equal(v('2.1.197 (Claude Code)\n'), '2.1.197');
    assert.equal(v('v2.1.197'), '2.1.197');
    assert.equal(v('claude-code 2.2.0-beta.3+build.7 (Claude Code)'), '2.2.0-beta.3');
    assert.equal(v('Warning: Node 18.19.0 is deprecated\n2.1.197 (Claude Code)'), '2.1.197');
    assert.equal(v('\u001b[33mnote\u001b[0m\r\n2.0.5 (Claude Code)\r\n'), '2.0.5');
    assert.equal(v('command not found'), undefined);
    assert.equal(v('1.2.3.4'), undefined);
    assert.equal(v(''), undefined);
  });

  test('orders versions like semver, pre-releases before their release', () => {
    const order = ['1.0.0-1', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta.2', '1.0.0-beta.10', '1.0.0', '1.0.1', '1.10.0', '2.0.0'];
    for (let i = 1; i < order.length; i++) {
      const a = parseSemVer(order[i - 1]!)!;
      const b = parseSemVer(order[i]!)!;
      assert.ok(compareSemVer(a, b) < 0, `${order[i - 1]} < ${order[i]}`);
      assert.ok(compareSemVer(b, a) > 0, `${order[i]} > ${order[i - 1]}`);
    }
    assert.equal(compareSemVer(parseSemVer('v2.1.197')!, parseSemVer('2.1.197+x')!), 0);
  });

  test('the pinned CLI meets the minimum, and a pre-release of the minimum does not', () => {
    assert.ok(parseSemVer(MIN_CLAUDE_VERSION));
    assert.ok(meetsMinimum('2.1.197'));
    assert.ok(meetsMinimum(MIN_CLAUDE_VERSION));
    assert.ok(!meetsMinimum(`${MIN_CLAUDE_VERSION}-rc.1`));
    assert.ok(!meetsMinimum('1.0.128'));
    assert.ok(!meetsMinimum('garbage'));
  });
});

describe('ClaudeLocator', () => {
  test('finds the real pinned CLI at the configured path and reads its version', async () => {
    const found = await new ClaudeLocator().locate({ explicitPath: CLAUDE_BIN });
    assert.deepEqual(found, { path: CLAUDE_BIN, version: '2.1.197', source: 'setting', place: 'claude path' });
  });

  test('finds claude on PATH', async () => {
    const bin = await dir('bin');
    const claude = await fakeClaude(bin);
    const l = await locator({ pathDirs: [await dir('nothing-here'), bin] });
    assert.deepEqual(await l.locate(), { path: claude, version: '2.1.197', source: 'path', place: 'PATH' });
  });

  test('finds claude where the native installer puts it when PATH has none', async () => {
    const home = await dir('home');
    const claude = await fakeClaude(path.join(home, '.local', 'bin'));
    const l = await locator({ homedir: home });
    assert.deepEqual(await l.locate(), { path: claude, version: '2.1.197', source: 'known-location', place: '~/.local/bin' });
  });

  test("finds claude in nvm's newest Node first", async () => {
    const home = await dir('home');
    const versions = path.join(home, '.nvm', 'versions', 'node');
    await fakeClaude(path.join(versions, 'v20.11.1', 'bin'));
    const newest = await fakeClaude(path.join(versions, 'v22.3.0', 'bin'));
    await fakeClaude(path.join(versions, 'v9.0.0', 'bin'));
    const l = await locator({ homedir: home });
    assert.equal((await l.locate()).path, newest);
    const nvmCandidates = (await l.candidates()).filter((c) => c.place.includes('.nvm'));
    assert.deepEqual(nvmCandidates.map((c) => path.basename(path.dirname(path.dirname(c.path)))), ['v22.3.0', 'v20.11.1', 'v9.0.0']);
    assert.equal(nvmCandidates[0]?.place, '~/.nvm/versions/node/*/bin');
  });

  test('finds claude under the npm prefix from ~/.npmrc, without running npm', async () => {
    const home = await dir('home');
    await fs.writeFile(path.join(home, '.npmrc'), 'registry=https://registry.npmjs.org/\nprefix = ~/.npm-packages\n');
    const claude = await fakeClaude(path.join(home, '.npm-packages', 'bin'));
    const l = await locator({ homedir: home });
    assert.deepEqual(await l.locate(), { path: claude, version: '2.1.197', source: 'known-location', place: '~/.npm-packages/bin' });
  });

  test('looks in every usual install place, in order', async () => {
    const home = '/home/u';
    const l = new ClaudeLocator({
      platform: 'linux',
      homedir: home,
      env: { PATH: '/usr/bin:relative/bin::/opt/tools', npm_config_prefix: '/opt/npm', VOLTA_HOME: '/opt/volta' },
      fs: { ...sandboxFs, readdir: async (p) => (p === '/home/u/.local/share/fnm/node-versions' ? ['v18.0.0', 'v21.1.0'] : Promise.reject(new Error('ENOENT'))) },
    });
    const paths = (await l.candidates()).map((c) => `${c.source} ${c.path}`);
    assert.deepEqual(paths, [
      'path /usr/bin/claude', // relative and empty PATH entries are skipped: they would run a claude from the current folder
      'path /opt/tools/claude',
      'known-location /home/u/.claude/local/claude',
      'known-location /home/u/.local/bin/claude',
      'known-location /opt/npm/bin/claude',
      'known-location /home/u/.npm-global/bin/claude',
      'known-location /opt/homebrew/bin/claude',
      'known-location /usr/local/bin/claude',
      'known-location /opt/volta/bin/claude',
      'known-location /home/u/.asdf/shims/claude',
      'known-location /home/u/.local/share/mise/shims/claude',
      'known-location /home/u/.local/share/fnm/node-versions/v21.1.0/installation/bin/claude',
      'known-location /home/u/.local/share/fnm/node-versions/v18.0.0/installation/bin/claude',
      'known-location /home/u/.bun/bin/claude',
      'known-location /home/u/.local/share/pnpm/claude',
      'known-location /home/u/.yarn/bin/claude',
    ]);
  });

  test("on Windows, looks for PATHEXT variants and npm's claude.cmd in %APPDATA%", async () => {
    const appData = 'C:\\Users\\u\\AppData\\Roaming';
    const cmd = `${appData}\\npm\\claude.cmd`;
    const winFs: LocatorFileSystem = {
      stat: async (p) => (p === cmd ? { isFile: () => true, isDirectory: () => false } : Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }))),
      lstat: async () => Promise.reject(new Error('ENOENT')),
      access: async () => Promise.reject(new Error('no X_OK on Windows')),
      readdir: async () => Promise.reject(new Error('ENOENT')),
      readFile: async () => Promise.reject(new Error('ENOENT')),
    };
    const ran: string[] = [];
    const l = new ClaudeLocator({
      platform: 'win32',
      homedir: 'C:\\Users\\u',
      env: { Path: 'C:\\tools;"C:\\Program Files\\x"', PATHEXT: '.EXE;.CMD', APPDATA: appData },
      fs: winFs,
      run: async (file) => {
        ran.push(file);
        return { exitCode: 0, stdout: '2.1.197 (Claude Code)\r\n', stderr: '', timedOut: false };
      },
    });
    const candidates = (await l.candidates()).map((c) => c.path);
    assert.deepEqual(candidates.slice(0, 6), [
      'C:\\tools\\claude.exe',
      'C:\\tools\\claude.cmd',
      'C:\\Program Files\\x\\claude.exe',
      'C:\\Program Files\\x\\claude.cmd',
      `${appData}\\npm\\claude.exe`,
      cmd,
    ]);
    assert.ok(candidates.includes('C:\\Users\\u\\.local\\bin\\claude.exe'));
    assert.deepEqual(await l.locate(), { path: cmd, version: '2.1.197', source: 'known-location', place: '~\\AppData\\Roaming\\npm' });
    assert.deepEqual(ran, [cmd]);
  });

  test('says where it looked and how to install when there is no claude anywhere', async () => {
    const l = await locator();
    const err = await rejectsWith(l.locate(), 'CLAUDE_NOT_FOUND', /not found on PATH or in the usual install places: ~\/\.claude\/local, ~\/\.local\/bin, .*\/usr\/local\/bin/, /npm install -g @anthropic-ai\/claude-code.*shannon\.claudePath/);
    assert.ok(err instanceof ClaudeLocateError);
    assert.ok(err.searched.length > 10);
    assert.ok(err.attempts.every((a) => a.outcome === 'missing'));
    assert.deepEqual(l.lastSearch, err.attempts);
  });

  test('reports a claude that is too old, with how to update it', async () => {
    const claude = await fakeClaude(await dir('bin'), { FAKE_CLAUDE_VERSION: '1.0.44 (Claude Code)' });
    const l = await locator();
    await rejectsWith(l.locate({ explicitPath: claude }), 'CLAUDE_TOO_OLD', new RegExp(`Claude Code 1\\.0\\.44 at "${claude}" is too old: Shannon needs ${MIN_CLAUDE_VERSION.replaceAll('.', '\\.')} or later`), /claude update/);
  });

  test('reports a claude whose --version fails, with what it printed', async () => {
    const claude = await fakeClaude(await dir('bin'), { FAKE_CLAUDE_MODE: 'version-broken' });
    const l = await locator();
    await rejectsWith(l.locate({ explicitPath: claude }), 'CLAUDE_BROKEN', /`--version` exited with code 2: claude: cannot load the native module: libfake\.so: not found/, /--version` in a terminal/);
  });

  test('gives up on a claude that hangs, after the timeout', async () => {
    const claude = await fakeClaude(await dir('bin'), { FAKE_CLAUDE_MODE: 'hang' });
    const l = await locator({ timeoutMs: 400 });
    const started = Date.now();
    await rejectsWith(l.locate({ explicitPath: claude }), 'CLAUDE_BROKEN', /did not answer within 0\.4 s/);
    assert.ok(Date.now() - started < 5_000);
  });

  test('reports a program that answers --version with something else', async () => {
    const claude = await fakeClaude(await dir('bin'), { FAKE_CLAUDE_VERSION: 'Usage: claude [FILE]' });
    await rejectsWith((await locator()).locate({ explicitPath: claude }), 'CLAUDE_BROKEN', /printed "Usage: claude \[FILE\]", which is not a Claude Code version/);
  });

  test('reports a script whose interpreter is missing', async () => {
    const folder = await dir('bin');
    const claude = path.join(folder, 'claude');
    await fs.writeFile(claude, '#!/nonexistent/node\n', { mode: 0o755 });
    await rejectsWith((await locator()).locate({ explicitPath: claude }), 'CLAUDE_BROKEN', /could not be started: .*ENOENT.*the program on its first line/);
  });

  test('reports a claude without execute permission, with the chmod that fixes it', async () => {
    const claude = path.join(await dir('bin'), 'claude');
    await fs.writeFile(claude, '#!/bin/sh\necho 2.1.197\n', { mode: 0o644 });
    await rejectsWith((await locator()).locate({ explicitPath: claude }), 'CLAUDE_NOT_EXECUTABLE', /is not executable/, new RegExp(`chmod \\+x "${claude}"`));
  });

  test('a setting that names a folder points at the claude inside it', async () => {
    const folder = await dir('bin');
    const claude = await fakeClaude(folder);
    await rejectsWith((await locator()).locate({ explicitPath: folder }), 'CLAUDE_NOT_EXECUTABLE', /which is a folder, not the claude program/, new RegExp(`Use "${claude}" instead`));
  });

  test('a configured path that does not work is reported, never swapped for the claude on PATH', async () => {
    const bin = await dir('bin');
    await fakeClaude(bin);
    const old = await fakeClaude(await dir('old'), { FAKE_CLAUDE_VERSION: '1.0.0 (Claude Code)' });
    const run = countingRun();
    const l = await locator({ pathDirs: [bin], run: run.run });
    await rejectsWith(l.locate({ explicitPath: path.join(root, 'no', 'such', 'claude') }), 'CLAUDE_NOT_FOUND', /`shannon\.claudePath` is ".*no\/such\/claude", but there is no file there/, /clear `shannon\.claudePath`/);
    await rejectsWith(l.locate({ explicitPath: old }), 'CLAUDE_TOO_OLD');
    assert.equal(run.count(), 1, 'only the configured binary was run');
    assert.deepEqual(l.lastSearch.map((r) => r.path), [old]);
  });

  test('SHANNON_CLAUDE_PATH is used like the setting, and the setting wins over it', async () => {
    const viaEnv = await fakeClaude(await dir('env'));
    const viaSetting = await fakeClaude(await dir('setting'));
    const bin = await dir('bin');
    await fakeClaude(bin);
    const l = await locator({ pathDirs: [bin], env: { SHANNON_CLAUDE_PATH: viaEnv } });
    assert.deepEqual(await l.locate(), { path: viaEnv, version: '2.1.197', source: 'env', place: 'SHANNON_CLAUDE_PATH' });
    assert.deepEqual(await l.locate({ explicitPath: viaSetting }), { path: viaSetting, version: '2.1.197', source: 'setting', place: 'shannon.claudePath' });
    const broken = await locator({ pathDirs: [bin], env: { SHANNON_CLAUDE_PATH: path.join(root, 'missing') } });
    await rejectsWith(broken.locate(), 'CLAUDE_NOT_FOUND', /SHANNON_CLAUDE_PATH is/);
  });

  test('the setting may be ~/… or a command name on PATH', async () => {
    const home = await dir('home');
    const inHome = await fakeClaude(path.join(home, 'tools'));
    const bin = await dir('bin');
    const beta = await fakeClaude(bin, {}, 'claude-beta');
    const l = await locator({ homedir: home, pathDirs: [bin] });
    assert.equal((await l.locate({ explicitPath: '~/tools/claude' })).path, inHome);
    assert.deepEqual(await l.locate({ explicitPath: 'claude-beta' }), { path: beta, version: '2.1.197', source: 'setting', place: 'PATH' });
    await rejectsWith(l.locate({ explicitPath: 'claude-nightly' }), 'CLAUDE_NOT_FOUND', /no command of that name is on PATH/);
    await rejectsWith(l.locate({ explicitPath: 'bin/claude' }), 'CLAUDE_NOT_FOUND', /a relative path/);
  });

  test('a dangling symbolic link is reported as such', async () => {
    const folder = await dir('bin');
    const link = path.join(folder, 'claude');
    await fs.symlink(path.join(folder, 'removed-node-version', 'claude'), link);
    await rejectsWith((await locator()).locate({ explicitPath: link }), 'CLAUDE_NOT_FOUND', /symbolic link to a file that no longer exists/);
  });

  test('a broken claude on PATH does not hide a working one in an install place', async () => {
    const home = await dir('home');
    const bin = await dir('bin');
    await fakeClaude(bin, { FAKE_CLAUDE_VERSION: '0.2.9 (Claude Code)' });
    const good = await fakeClaude(path.join(home, '.claude', 'local'));
    const l = await locator({ homedir: home, pathDirs: [bin] });
    assert.deepEqual(await l.locate(), { path: good, version: '2.1.197', source: 'known-location', place: '~/.claude/local' });
    assert.deepEqual(
      l.lastSearch.map((r) => r.outcome),
      ['too-old', 'ok'],
    );
  });

  test('when every claude found is unusable, the first problem is reported with the whole search', async () => {
    const home = await dir('home');
    const bin = await dir('bin');
    await fakeClaude(bin, { FAKE_CLAUDE_VERSION: '0.2.9 (Claude Code)' });
    await fakeClaude(path.join(home, '.local', 'bin'), { FAKE_CLAUDE_MODE: 'version-broken' });
    const err = await rejectsWith((await locator({ homedir: home, pathDirs: [bin] })).locate(), 'CLAUDE_TOO_OLD', /0\.2\.9 at ".*" is too old/);
    assert.ok(err.searched.some((line) => line.includes('.local/bin/claude') && line.includes('broken')));
  });

  test('remembers the binary until asked to look again', async () => {
    const bin = await dir('bin');
    const claude = await fakeClaude(bin);
    const run = countingRun();
    const l = await locator({ pathDirs: [bin], run: run.run });
    await l.locate();
    await l.locate();
    assert.equal(run.count(), 1);
    await l.locate({ refresh: true });
    assert.equal(run.count(), 2);
    l.invalidate();
    await l.locate();
    assert.equal(run.count(), 3);
    await l.locate({ explicitPath: claude }); // another setting is another answer
    assert.equal(run.count(), 4);
    // A binary that disappeared (uninstalled, a removed Node version) is not handed out again.
    await fs.rm(claude);
    await rejectsWith(l.locate(), 'CLAUDE_NOT_FOUND');
  });

  test('stops looking when cancelled', async () => {
    const claude = await fakeClaude(await dir('bin'), { FAKE_CLAUDE_MODE: 'hang' });
    const l = await locator({ timeoutMs: 30_000 });
    await rejectsWith(l.locate({ explicitPath: claude, signal: AbortSignal.abort() }), 'CANCELLED');
    const started = Date.now();
    await rejectsWith(l.locate({ explicitPath: claude, signal: AbortSignal.timeout(300) }), 'CANCELLED');
    assert.ok(Date.now() - started < 5_000);
  });
});

/** The fake itself: other suites lean on its modes doing exactly what they say. */
describe('fakeClaude.mjs, the fault-injection claude', () => {
  const run = (mode: string, input: string, env: Record<string, string> = {}, args: string[] = []) =>
    execa(FAKE, ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', ...args], {
      input,
      reject: false,
      encoding: 'buffer',
      stripFinalNewline: false,
      timeout: 20_000,
      env: { FAKE_CLAUDE_MODE: mode, ...env },
    });
  const lines = (out: Uint8Array) => Buffer.from(out).toString('utf8').split('\n').filter(Boolean);
  const userLine = (text: string) => `${JSON.stringify({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: '' })}\n`;

  test('ok: answers initialize, then each user line with init, assistant and result, and ends at stdin EOF', async () => {
    const r = await run('ok', `{"type":"control_request","request_id":"r1","request":{"subtype":"initialize"}}\n${userLine('hello')}`, {}, ['--session-id', '0b6f7b3e-9d1c-4c55-8f0e-3a2b1c4d5e6f']);
    assert.equal(r.exitCode, 0);
    const msgs = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, any>);
    assert.deepEqual(msgs.map((m) => m.subtype ?? m.type), ['control_response', 'init', 'assistant', 'success']);
    assert.equal(msgs[0]!.response.request_id, 'r1');
    assert.ok(msgs.slice(1).every((m) => m.session_id === '0b6f7b3e-9d1c-4c55-8f0e-3a2b1c4d5e6f'));
    assert.equal(msgs[2]!.message.content[0].text, 'echo: hello');
    assert.equal(msgs[3]!.result, 'echo: hello');
  });

  test('crash-mid-line: half a JSON line, then exit 3', async () => {
    const r = await run('crash-mid-line', '');
    assert.equal(r.exitCode, 3);
    const out = Buffer.from(r.stdout).toString('utf8');
    assert.ok(out.length > 0 && !out.endsWith('\n'));
    assert.throws(() => JSON.parse(out));
  });

  test('garbage: non-JSON lines between the real messages', async () => {
    const r = await run('garbage', userLine('x'));
    const all = lines(r.stdout);
    const json = all.filter((l) => {
      try {
        return typeof JSON.parse(l) === 'object' && !Array.isArray(JSON.parse(l));
      } catch {
        return false;
      }
    });
    assert.deepEqual(json.map((l) => JSON.parse(l).type), ['system', 'assistant', 'result']);
    assert.ok(all.length > json.length + 6);
  });

  test('huge-line: one line of exactly FAKE_CLAUDE_HUGE_BYTES, then a normal result', async () => {
    const r = await run('huge-line', '', { FAKE_CLAUDE_HUGE_BYTES: '3000000' });
    const out = Buffer.from(r.stdout);
    const parts: Buffer[] = [];
    for (let start = 0; start < out.length; ) {
      const end = out.indexOf(0x0a, start);
      const stop = end === -1 ? out.length : end + 1;
      parts.push(out.subarray(start, stop));
      start = stop;
    }
    assert.deepEqual(parts.map((p) => JSON.parse(p.toString()).type), ['system', 'assistant', 'result']);
    assert.equal(parts[1]!.length, 3_000_000);
  });

  test('invalid-utf8: a line that is not UTF-8, between valid ones', async () => {
    const r = await run('invalid-utf8', '');
    const [init, bad, result] = Buffer.from(r.stdout).toString('latin1').split('\n').map((l) => Buffer.from(l, 'latin1'));
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(init));
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bad));
    assert.equal(JSON.parse(result!.toString()).type, 'result');
  });

  test('exit-error: a message on stderr, exit 1', async () => {
    const r = await run('exit-error', '');
    assert.equal(r.exitCode, 1);
    assert.match(Buffer.from(r.stderr).toString(), /Invalid API key/);
  });

  test('hang: silent until SIGTERM; with FAKE_CLAUDE_IGNORE_SIGTERM=1 only SIGKILL ends it', async () => {
    for (const ignore of [false, true]) {
      const ready = path.join(await fs.mkdtemp(path.join(tmpdir(), 'fake-hang-')), 'ready');
      const child = spawn(FAKE, [], { env: { ...process.env, FAKE_CLAUDE_MODE: 'hang', FAKE_CLAUDE_IGNORE_SIGTERM: ignore ? '1' : '0', FAKE_CLAUDE_READY_FILE: ready }, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      // Started, and (with ignore) its SIGTERM handler in place.
      await untilExists(ready);
      child.kill('SIGTERM');
      const first = await Promise.race([exited, delay(500).then(() => 'still running' as const)]);
      if (ignore) {
        assert.equal(first, 'still running');
        child.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL');
      } else {
        assert.equal(first, 'SIGTERM');
      }
      assert.equal(output, '');
    }
  });

  test('spawn-child: starts a long-lived grandchild and writes its pid', async (t) => {
    const pidFile = path.join(await dir('pid'), 'grandchild.pid');
    const r = await run('spawn-child', userLine('x'), { FAKE_CLAUDE_PID_FILE: pidFile });
    const pid = Number(await fs.readFile(pidFile, 'utf8'));
    t.after(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    assert.equal(r.exitCode, 0);
    assert.doesNotThrow(() => process.kill(pid, 0), 'the grandchild outlives a fake that exited on its own');
    assert.match(await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => 'sleep\u0000300'), /^sleep\u0000300/);
  });
});

/** Resolves once the file exists (the fake writes it when it is ready). */
async function untilExists(file: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await fs.stat(file).then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await delay(50);
  }
}
