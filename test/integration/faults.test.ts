/**
 * What Shannon does when `claude` misbehaves: a fault-injection fake (test/support/fakeClaude.mjs)
 * stands in for the CLI here only; the real CLI proves the happy paths elsewhere.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isShannonError } from '../../src/core/errors.js';
import type { DecodeErrorInfo } from '../../src/core/jsonl/decoder.js';
import { textOf } from '../../src/core/transcript/blocks.js';
import { SessionManager, type SessionManagerOptions } from '../../src/core/session/manager.js';
import { groupAlive, waitUntil } from '../support/engine.js';

const FAKE = path.join(import.meta.dirname, '..', 'support', 'fakeClaude.mjs');

describe('a misbehaving claude', { timeout: 120_000 }, () => {
  let dir: string;
  const managers: SessionManager[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shannon-faults-'));
  });
  after(async () => {
    for (const m of managers) m.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  function manager(mode: string, env: Record<string, string> = {}, options: Partial<SessionManagerOptions> = {}) {
    const m = new SessionManager({
      resolveBinary: async () => FAKE,
      environment: () => ({ FAKE_CLAUDE_MODE: mode, ...env }),
      stop: { stdinGraceMs: 200, termGraceMs: 500 },
      controlTimeoutMs: 5000,
      ...options,
    });
    managers.push(m);
    const decodeErrors: DecodeErrorInfo[] = [];
    const texts: string[] = [];
    m.onDidDecodeError((e) => decodeErrors.push(e.error));
    m.onDidMessage((e) => {
      if (e.message.kind === 'assistant') texts.push(textOf(e.message.message.message.content).text);
    });
    return { m, decodeErrors, texts };
  }

  test('a crash mid-line fails the session with the exit code, and the cut line is reported, not parsed', async () => {
    const { m, decodeErrors } = manager('crash-mid-line');
    await assert.rejects(m.create({ prompt: 'hi', workspaceFolder: dir }), (e: unknown) => isShannonError(e, 'PROCESS_EXITED') && /code 3/.test(e.message));
    const [session] = m.list();
    assert.equal(session!.state, 'failed');
    assert.equal(session!.error?.code, 'PROCESS_EXITED');
    assert.equal(decodeErrors.length, 1);
    assert.equal(decodeErrors[0]!.reason, 'invalid_json');
    assert.equal(decodeErrors[0]!.line, 1);
  });

  test('garbage lines are reported with their line numbers and the session carries on', async () => {
    const { m, decodeErrors, texts } = manager('garbage');
    const s = await m.create({ prompt: 'hello', workspaceFolder: dir });
    await m.waitForTurn(s.id, undefined, s.promptUuid);
    assert.deepEqual(texts, ['echo: hello']);
    assert.ok(decodeErrors.length >= 3, `decode errors: ${decodeErrors.length}`);
    assert.ok(decodeErrors.some((e) => e.reason === 'not_an_object'), 'a JSON array is not a message');
    assert.ok(decodeErrors.every((e) => e.line > 0 && e.excerpt.length > 0));
    const next = m.waitForTurn(s.id);
    await m.send(s.id, 'again');
    await next;
    assert.equal(m.get(s.id)!.state, 'idle');
  });

  test('a 50 MB line over the cap becomes one error, memory stays bounded, and later lines arrive', async () => {
    const { m, decodeErrors } = manager('huge-line', {}, { maxLineBytes: 1024 * 1024 });
    const turns: string[] = [];
    m.onDidEndTurn((e) => turns.push(e.result.subtype));
    const s = await m.create({ workspaceFolder: dir });
    await waitUntil(() => turns.length === 1, 30_000, 'the result after the huge line');
    assert.equal(decodeErrors.length, 1);
    assert.equal(decodeErrors[0]!.reason, 'line_too_long');
    assert.ok(decodeErrors[0]!.length >= 50_000_000, `reported length ${decodeErrors[0]!.length}`);
    assert.match(decodeErrors[0]!.excerpt, /^\{"type":"assistant"/);
    const next = m.waitForTurn(s.id);
    await m.send(s.id, 'still there?');
    await next;
  });

  test('a 50 MB line under the default 64 MB cap is decoded whole', async () => {
    const { m, decodeErrors, texts } = manager('huge-line');
    const s = await m.create({ workspaceFolder: dir });
    await waitUntil(() => texts.length === 1, 60_000, 'the huge assistant message');
    assert.equal(decodeErrors.length, 0);
    assert.ok(texts[0]!.length > 49 * 1024 * 1024);
    await m.cancel(s.id);
  });

  test('invalid UTF-8 inside a message keeps the message, with replacement characters', async () => {
    const { m, texts } = manager('invalid-utf8');
    await m.create({ workspaceFolder: dir });
    await waitUntil(() => texts.length === 1, 10_000, 'the message');
    assert.match(texts[0]!, /^bad: \uFFFD+ end$/);
  });

  test('exit 1 at start fails the session with the CLI\'s own words from stderr', async () => {
    const { m } = manager('exit-error');
    await assert.rejects(m.create({ prompt: 'hi', workspaceFolder: dir }), (e: unknown) => isShannonError(e) && /Invalid API key/.test(e.message) && !!e.hint);
    assert.equal(m.list()[0]!.state, 'failed');
    assert.match(m.list()[0]!.error!.message, /Invalid API key/);
  });

  test('a CLI that never answers and ignores SIGTERM is killed, and the session says why', async () => {
    const { m } = manager('hang', { FAKE_CLAUDE_IGNORE_SIGTERM: '1' }, { controlTimeoutMs: 800 });
    const started = m.create({ prompt: 'hi', workspaceFolder: dir });
    await waitUntil(() => m.list().length === 1 && m.liveSession(m.list()[0]!.id)?.pid !== undefined, 5000, 'spawn');
    const pid = m.liveSession(m.list()[0]!.id)!.pid!;
    await assert.rejects(started, (e: unknown) => isShannonError(e, 'CONTROL_TIMEOUT'));
    assert.equal(m.list()[0]!.state, 'failed');
    await waitUntil(() => !groupAlive(pid), 5000, 'SIGKILL to end it');
  });

  test('cancel reaches processes the CLI started in its group', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const { m } = manager('spawn-child', { FAKE_CLAUDE_PID_FILE: pidFile });
    const s = await m.create({ prompt: 'hi', workspaceFolder: dir });
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    assert.ok(alive(grandchild));
    await m.cancel(s.id);
    await waitUntil(() => !alive(grandchild), 5000, 'the grandchild to die');
    assert.equal(m.get(s.id)!.state, 'cancelled');
  });

  test('a missing binary is an actionable error and leaves no session behind', async () => {
    const m = new SessionManager({ resolveBinary: async () => path.join(dir, 'no-such-claude') });
    managers.push(m);
    await assert.rejects(m.create({ prompt: 'hi', workspaceFolder: dir }), (e: unknown) => isShannonError(e, 'SPAWN_FAILED') && /does not exist/.test(e.message) && e.fix === 'choose-claude');
    assert.equal(m.list()[0]!.state, 'failed');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
