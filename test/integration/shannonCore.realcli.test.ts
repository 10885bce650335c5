/**
 * The core as the extension opens it (store + manager + checkpoints), with the real CLI.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inheritedHistory } from '../../src/core/checkpoints/forkPoint.js';
import type { Checkpoint } from '../../src/core/checkpoints/types.js';
import { messageText } from '../../src/core/transcript/blocks.js';
import { openShannonCore, type ShannonCore, type ShannonCoreOptions } from '../../src/core/shannon.js';
import { FakeAnthropicApi, script, type Reply } from '../support/fakeAnthropic.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace, type HermeticClaudeEnv } from '../support/realCli.js';
import { groupAlive, waitUntil } from '../support/engine.js';
import { execa } from 'execa';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });
const bash = (command: string): Reply => ({ blocks: [{ type: 'tool_use', name: 'Bash', input: { command, description: 'edit' } }] });

describe('the core with the real CLI', { timeout: 180_000 }, () => {
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let ws: { dir: string; dispose(): Promise<void> };
  let dataDir: string;
  const open = (extra: Partial<ShannonCoreOptions> = {}) =>
    openShannonCore({
      dataDir,
      resolveBinary: async () => CLAUDE_BIN,
      environment: () => claude.env,
      claudeConfigDir: claude.configDir,
      stop: { stdinGraceMs: 500, termGraceMs: 1500 },
      ...extra,
    });

  before(async () => {
    api = await FakeAnthropicApi.start();
    claude = await hermeticClaudeEnv(api);
    ws = await tempWorkspace();
    dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-data-'));
  });
  after(async () => {
    await api.close();
    await claude.dispose();
    await ws.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a checkpoint restores the files byte for byte and the fork continues from that point', async () => {
    const core = await open();
    try {
      const file = path.join(ws.dir, 'notes.txt');
      const original = Buffer.from('line one\nünïcödé ✓\n\0binary-ish\n');
      await writeFile(file, original);
      api.setResponder(script(text('I read your notes.'), bash(`echo overwritten | tee ${file}`), text('Changed it.'), text('Back at the checkpoint.')));
      core.manager.onDidRequestPermission((ask) => core.manager.respondToPermission(ask.sessionId, ask.requestId, { behavior: 'allow' }));

      const s = await core.manager.create({ prompt: 'read my notes', workspaceFolder: ws.dir });
      await core.manager.waitForTurn(s.id, undefined, s.promptUuid);
      const checkpoint = await core.checkpoints.create(s.id, 'before the edit');
      assert.equal(core.checkpoints.folderOf(checkpoint), ws.dir);
      assert.ok(checkpoint.messageUuid, 'the conversation point is the last assistant message');

      const edited = core.manager.waitForTurn(s.id);
      await core.manager.send(s.id, 'now change them');
      await edited;
      assert.equal(await readFile(file, 'utf8'), 'overwritten\n');

      const preview = await core.checkpoints.preview(checkpoint.id);
      assert.deepEqual(preview.changes, [{ path: 'notes.txt', change: 'modified' }]);
      const restored = await core.checkpoints.restore(checkpoint.id);
      assert.deepEqual(await readFile(file), original);
      assert.deepEqual(restored.restored, ['notes.txt']);

      const fork = core.manager.get(restored.sessionId)!;
      assert.equal(fork.parentId, s.id);
      const turn = core.manager.waitForTurn(fork.id);
      await core.manager.send(fork.id, 'where are we?');
      await turn;
      const last = api.mainTurns.at(-1)!;
      assert.ok(last.allUserTexts.includes('read my notes'), 'the fork keeps the conversation before the checkpoint');
      assert.ok(!last.allUserTexts.includes('now change them'), 'and not what came after it');
    } finally {
      await core.close();
    }
  });

  test('a checkpoint taken while a tool call waits for its result forks before that call, never between it and its result', async () => {
    api.setResponder(script(text('Hi there.'), bash(`touch ${path.join(ws.dir, 'made-by-tool.txt')}`), text('Made it.'), text('We are before the file was made.')));
    const core = await open();
    try {
      const s = await core.manager.create({ prompt: 'say hi', workspaceFolder: ws.dir });
      await core.manager.waitForTurn(s.id, undefined, s.promptUuid);
      let checkpoint: Checkpoint | undefined;
      core.manager.onDidRequestPermission(async (ask) => {
        // The CLI has printed the tool call and waits: its result is not in the transcript yet.
        checkpoint = await core.checkpoints.create(s.id, 'mid-call');
        core.manager.respondToPermission(ask.sessionId, ask.requestId, { behavior: 'allow' });
      });
      const turn = core.manager.waitForTurn(s.id);
      await core.manager.send(s.id, 'make the file');
      await turn;
      assert.ok(checkpoint);

      const restored = await core.checkpoints.restore(checkpoint.id);
      const forked = core.manager.waitForTurn(restored.sessionId);
      await core.manager.send(restored.sessionId, 'where are we?');
      await forked;
      const request = api.mainTurns.at(-1)!;
      assert.equal(request.latestUserText, 'where are we?');
      const sent = JSON.stringify(request.body.messages);
      assert.ok(!sent.includes('Tool result missing'), `the fork sent a tool call without its result: ${sent.slice(-600)}`);
      assert.ok(!sent.includes('"tool_use"'), 'the call made after the checkpoint is not in the fork');
      assert.ok(request.allUserTexts.includes('say hi'), 'the conversation before the checkpoint is');

      // The fork's panel shows that same history above its own messages.
      const inherited = await inheritedHistory(core.store, core.manager.get(restored.sessionId)!, { limit: 100 });
      const said = inherited!.entries.map((e) => messageText(e.raw)).filter(Boolean);
      assert.equal(inherited!.parentId, s.id);
      assert.ok(said.includes('say hi') && said.includes('Hi there.'), `inherited: ${JSON.stringify(said)}`);
      assert.ok(!said.includes('make the file'), 'nothing after the fork point');
      // A plain fork inherits all its parent had said.
      const plain = await core.manager.fork(s.id);
      const all = (await inheritedHistory(core.store, plain, { limit: 100 }))!.entries.map((e) => messageText(e.raw));
      assert.ok(all.includes('make the file') && all.includes('Made it.'));
    } finally {
      await core.close();
    }
  });

  test("a checkpoint's file count survives a restart of the core", async () => {
    await writeFile(path.join(ws.dir, 'counted.txt'), 'one\n');
    api.setResponder(script(text('Noted.')));
    let core = await open();
    let checkpoint: Checkpoint;
    let sessionId: string;
    try {
      const s = await core.manager.create({ prompt: 'note this', workspaceFolder: ws.dir });
      sessionId = s.id;
      await core.manager.waitForTurn(s.id, undefined, s.promptUuid);
      checkpoint = await core.checkpoints.create(s.id, 'counted');
      assert.ok(checkpoint.files! >= 1, 'the snapshot holds the folder’s files');
    } finally {
      await core.close();
    }
    core = await open();
    try {
      assert.equal(core.checkpoints.get(checkpoint.id)?.files, checkpoint.files);
      assert.deepEqual((await core.checkpoints.list(sessionId)).map((c) => [c.label, c.files]), [['counted', checkpoint.files]]);
    } finally {
      await core.close();
    }
  });

  test('automatic checkpoints: one per turn that changed a file, named from its prompt, listing its files', async () => {
    const file = path.join(ws.dir, 'auto.txt');
    await writeFile(file, 'before\n');
    api.setResponder(script(text('Hello.'), bash(`echo after | tee ${file}`), text('Changed it.'), text('Just talking.')));
    const core = await open({ autoCheckpoint: () => true });
    try {
      core.manager.onDidRequestPermission((ask) => core.manager.respondToPermission(ask.sessionId, ask.requestId, { behavior: 'allow' }));
      const s = await core.manager.create({ prompt: 'say hello', workspaceFolder: ws.dir });
      await core.manager.waitForTurn(s.id, undefined, s.promptUuid);
      for (const prompt of ['please   rewrite\nauto.txt', 'and now just chat']) {
        const turn = core.manager.waitForTurn(s.id);
        await core.manager.send(s.id, prompt);
        await turn;
      }
      await waitUntil(() => core.store.listCheckpoints(s.id).length > 0);
      const list = await core.checkpoints.list(s.id);
      assert.deepEqual(
        list.map((c) => [c.label, c.changedFiles]),
        [['please rewrite auto.txt', ['auto.txt']]],
        'the chat-only turns leave no checkpoint',
      );
      assert.equal(await readFile(file, 'utf8'), 'after\n');
      // The same checkpoint is the turn's review: where the panel offers it, and what it changed.
      const [edited] = core.checkpoints.editedTurns(s.id);
      assert.equal(edited?.id, list[0]!.id);
      const result = await core.store.readTranscriptEntry(s.id, edited!.endSeq!);
      assert.equal(result?.type, 'result');
      assert.equal((result?.raw as { result?: string }).result, 'Changed it.', 'the result of that turn, not of another');
      assert.deepEqual((await core.checkpoints.reviewTurn(edited!.id)).files, [{ path: 'auto.txt', change: 'modified', reverted: false, changedSince: false }]);
      await core.checkpoints.restore(list[0]!.id);
      assert.equal(await readFile(file, 'utf8'), 'before\n', 'it holds the files as they were before that turn');
    } finally {
      await core.close();
    }
  });

  test('after the host is killed, its session comes back interrupted, with its messages, and resumes', async () => {
    api.setResponder(script(text('remember: blue'), text('It was blue.')));
    const host = execa('node', ['--import', 'tsx', path.join(import.meta.dirname, '..', 'support', 'coreHost.ts'), dataDir, ws.dir], {
      env: { ...claude.env, SHANNON_TEST_CLAUDE: CLAUDE_BIN, PATH: process.env.PATH },
      buffer: false,
      reject: false,
    });
    const ready = await new Promise<string[]>((resolve, reject) => {
      let out = '';
      host.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\S+) (\d+)/.exec(out);
        if (m) resolve([m[1]!, m[2]!]);
      });
      void host.then(() => reject(new Error(`the host exited early: ${out}`)));
    });
    const [id, claudePid] = ready as [string, string];
    host.kill('SIGKILL');
    await host;
    // The orphaned CLI sees stdin close and exits by itself, leaving its transcript complete.
    await waitUntil(() => !groupAlive(Number(claudePid)), 10_000, 'the orphaned claude to exit');

    const core = await open();
    try {
      const record = core.manager.get(id)!;
      assert.equal(record.state, 'interrupted');
      const transcript = await core.store.readTranscript(id);
      assert.ok(transcript.some((e) => e.type === 'result'), 'the flushed turn is there');
      await core.manager.resume(id);
      const turn = core.manager.waitForTurn(id);
      await core.manager.send(id, 'what colour?');
      await turn;
      assert.ok(api.mainTurns.at(-1)!.allUserTexts.includes('the colour is blue'));
    } finally {
      await core.close();
    }
  });

  test('sessions run with the CLI outside Shannon are imported as past sessions, once', async () => {
    const other = await tempWorkspace();
    try {
      api.setResponder(script(text('hello from outside')));
      await execa(CLAUDE_BIN, ['-p', '--output-format', 'json', 'an outside prompt'], { cwd: other.dir, env: claude.env });
      const core = await open();
      try {
        const first = await core.importHistory(other.dir);
        assert.equal(first.imported, 1);
        const [session] = core.manager.list({ workspaceFolder: other.dir });
        assert.equal(session!.origin, 'imported');
        assert.equal(session!.title, 'an outside prompt');
        const entries = await core.store.readTranscript(session!.id);
        assert.ok(entries.some((e) => JSON.stringify(e.raw).includes('hello from outside')));
        assert.equal((await core.importHistory(other.dir)).imported, 0, 'unchanged files are not read again');
      } finally {
        await core.close();
      }
    } finally {
      await other.dispose();
    }
  });
});

describe('retention', { timeout: 60_000 }, () => {
  test('pruning old history removes those sessions and frees their checkpoints, keeps pinned ones; delete removes one', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-data-'));
    const ws = await tempWorkspace();
    let now = Date.UTC(2026, 0, 1);
    const core = await openShannonCore({ dataDir, resolveBinary: async () => CLAUDE_BIN, now: () => now });
    try {
      await writeFile(path.join(ws.dir, 'a.txt'), 'a');
      const base = { workspaceFolder: ws.dir, cwd: ws.dir, options: {}, metrics: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0, durationMs: 0, turns: 0, toolCalls: 0 }, origin: 'imported' as const };
      core.store.upsertSession({ ...base, id: 'old-1', title: 'old', state: 'completed', createdAt: now, updatedAt: now });
      core.store.upsertSession({ ...base, id: 'old-pinned', title: 'pinned', state: 'completed', createdAt: now, updatedAt: now, pinned: true });
      const checkpoint = await core.checkpoints.create('old-1', 'kept files');
      now += 40 * 86_400_000;
      core.store.upsertSession({ ...base, id: 'recent', title: 'recent', state: 'completed', createdAt: now, updatedAt: now });
      const { removed } = await core.prune({ maxAgeDays: 30 });
      assert.deepEqual(removed, ['old-1']);
      assert.deepEqual(core.manager.list().map((s) => s.id).sort(), ['old-pinned', 'recent']);
      assert.equal(core.store.getCheckpoint(checkpoint.id), undefined);

      const doomed = await core.checkpoints.create('recent', 'to be deleted');
      await core.deleteSession('recent');
      assert.equal(core.manager.get('recent'), undefined, 'a deleted session is gone from every list');
      assert.equal(core.store.getCheckpoint(doomed.id), undefined);
    } finally {
      await core.close();
      await ws.dispose();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
