/**
 * The store's index of the files sessions edited, against the real file system and sql.js:
 * "which sessions touched this file" must find a session from the file the user has open,
 * whatever path the CLI was given, after a reopen, and for history stored before the index.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import initSqlJs from 'sql.js';
import { importTranscript } from '../../src/core/history/transcript';
import { emptyMetrics, type SessionRecord } from '../../src/core/session/types';
import { SessionStore } from '../../src/core/store';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = fs.realpathSync(await mkdtemp(path.join(tmpdir(), 'shannon-touched-')));
  dirs.push(d);
  return d;
}

function record(id: string, cwd: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    workspaceFolder: cwd,
    cwd,
    title: `session ${id}`,
    options: {},
    state: 'completed',
    createdAt: 1_000,
    updatedAt: 2_000,
    metrics: emptyMetrics(),
    origin: 'shannon',
    ...over,
  };
}

let toolIds = 0;
function callTool(store: SessionStore, sessionId: string, name: string, input: Record<string, unknown>, at: number) {
  return store.appendMessage({
    sessionId,
    at,
    direction: 'in',
    type: 'assistant',
    raw: { type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${++toolIds}`, name, input }] } },
  });
}

describe('files touched by sessions', () => {
  it('finds every session whose edit calls touched a file, newest first, at its latest call, whatever path the CLI was given', async () => {
    const work = await tempDir();
    fs.mkdirSync(path.join(work, 'src'));
    fs.writeFileSync(path.join(work, 'src', 'a.ts'), 'a');
    fs.symlinkSync(path.join(work, 'src'), path.join(work, 'linked'));
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    store.upsertSession(record('old', work));
    store.upsertSession(record('new', work));
    store.upsertSession(record('reader', work));
    const first = callTool(store, 'old', 'Edit', { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' }, 10);
    const second = callTool(store, 'old', 'MultiEdit', { file_path: path.join(work, 'linked', 'a.ts'), edits: [] }, 20);
    const third = callTool(store, 'new', 'Write', { file_path: path.join(work, 'src', 'a.ts'), content: 'c' }, 30);
    callTool(store, 'reader', 'Read', { file_path: path.join(work, 'src', 'a.ts') }, 40);
    callTool(store, 'new', 'Write', { file_path: 'src/new-file.ts', content: 'created by the call' }, 50);

    const found = store.sessionsTouching(path.join(work, 'src', 'a.ts'));
    assert.deepEqual(
      found.map((t) => [t.sessionId, t.seq, t.tool, t.edits]),
      [
        ['new', third.seq, 'Write', 1],
        ['old', second.seq, 'MultiEdit', 2],
      ],
    );
    assert.ok(first.seq < second.seq);
    // Asked through the link, the same file.
    assert.deepEqual(store.sessionsTouching(path.join(work, 'linked', 'a.ts')).map((t) => t.sessionId), ['new', 'old']);
    // A file the call was about to create is found once it exists.
    fs.writeFileSync(path.join(work, 'src', 'new-file.ts'), 'created by the call');
    assert.deepEqual(store.sessionsTouching(path.join(work, 'src', 'new-file.ts')).map((t) => [t.sessionId, t.tool]), [['new', 'Write']]);
    assert.deepEqual(store.filesTouchedBy('new'), [path.join(work, 'src', 'a.ts'), path.join(work, 'src', 'new-file.ts')]);
    assert.deepEqual(store.sessionsTouching(path.join(work, 'src', 'a.ts'), { workspaceFolder: '/elsewhere' }), []);
    await store.flush();
    store.dispose();

    const again = await SessionStore.open({ dir });
    try {
      assert.deepEqual(again.sessionsTouching(path.join(work, 'src', 'a.ts')).map((t) => t.sessionId), ['new', 'old']);
      await again.deleteSession('new');
      assert.deepEqual(again.sessionsTouching(path.join(work, 'src', 'a.ts')).map((t) => t.sessionId), ['old']);
      assert.deepEqual(again.filesTouchedBy('new'), []);
    } finally {
      again.dispose();
    }
  });

  it('finds a session that edited its own worktree from the same file in the repository the user has open', async () => {
    const repo = await tempDir();
    const tree = await tempDir();
    fs.writeFileSync(path.join(repo, 'main.py'), 'x');
    fs.writeFileSync(path.join(tree, 'main.py'), 'x');
    const store = await SessionStore.open({ dir: await tempDir() });
    try {
      store.upsertSession(record('isolated', repo, { cwd: tree, worktree: { isolation: 'worktree', repoRoot: repo, root: tree, base: 'abc', branch: 'shannon/x' } }));
      const call = callTool(store, 'isolated', 'Edit', { file_path: 'main.py', old_string: 'x', new_string: 'y' }, 10);
      assert.deepEqual(
        store.sessionsTouching(path.join(repo, 'main.py')).map((t) => [t.sessionId, t.seq]),
        [['isolated', call.seq]],
      );
    } finally {
      store.dispose();
    }
  });

  it("finds a session imported from the CLI's own history by the file its Edit changed (a path relative to the session's cwd)", async () => {
    const work = await tempDir();
    fs.writeFileSync(path.join(work, 'app.ts'), 'old');
    const cliSession = '0b5a8f9e-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
    const transcript = path.join(await tempDir(), `${cliSession}.jsonl`);
    const line = (o: unknown) => `${JSON.stringify(o)}\n`;
    const base = { sessionId: cliSession, cwd: work };
    fs.writeFileSync(
      transcript,
      line({ ...base, type: 'user', uuid: 'u1', timestamp: '2025-03-01T10:00:00.000Z', message: { role: 'user', content: 'Fix the app' } }) +
        line({ ...base, type: 'assistant', uuid: 'a1', timestamp: '2025-03-01T10:00:04.000Z', message: { id: 'msg_1', role: 'assistant', model: 'claude-sonnet-4-5', usage: { input_tokens: 1, output_tokens: 1 }, content: [{ type: 'tool_use', id: 'toolu_1', name: 'Edit', input: { file_path: 'app.ts', old_string: 'old', new_string: 'new' } }] } }),
    );
    const { record, entries } = await importTranscript(transcript, { workspaceFolder: work });
    const store = await SessionStore.open({ dir: await tempDir() });
    try {
      // As the core stores an import (shannon.ts): the record, then its lines.
      store.upsertSession(record);
      for (const entry of entries) store.appendMessage(entry);
      const [touch] = store.sessionsTouching(path.join(work, 'app.ts'));
      assert.equal(touch?.sessionId, record.id);
      assert.equal(touch?.tool, 'Edit');
      assert.equal(touch?.at, Date.parse('2025-03-01T10:00:04.000Z'));
      assert.equal(entries.find((e) => e.seq === touch?.seq)?.type, 'assistant');
    } finally {
      store.dispose();
    }
  });

  it('indexes transcripts stored before the index existed when the store is first opened by this version', async () => {
    const work = await tempDir();
    fs.writeFileSync(path.join(work, 'notes.ipynb'), '{}');
    const dir = await tempDir();
    const store = await SessionStore.open({ dir });
    store.upsertSession(record('past', work, { origin: 'imported' }));
    for (let i = 0; i < 3; i++) store.appendMessage({ sessionId: 'past', at: i, direction: 'out', type: 'user', raw: { type: 'user', message: { role: 'user', content: `prompt ${i}` } } });
    const call = callTool(store, 'past', 'NotebookEdit', { notebook_path: path.join(work, 'notes.ipynb'), new_source: '' }, 5);
    await store.flush();
    store.dispose();
    // The file as schema 3 left it: no index of touched files.
    const file = path.join(dir, 'store.sqlite');
    const SQL = await initSqlJs();
    const db = new SQL.Database(await readFile(file));
    db.run("DROP TABLE touched_files; DELETE FROM meta WHERE key = 'touched_files_backfill'; PRAGMA user_version = 3");
    await writeFile(file, db.export());

    const again = await SessionStore.open({ dir });
    try {
      const deadline = Date.now() + 5000;
      while (again.sessionsTouching(path.join(work, 'notes.ipynb')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        again.sessionsTouching(path.join(work, 'notes.ipynb')).map((t) => [t.sessionId, t.seq, t.tool]),
        [['past', call.seq, 'NotebookEdit']],
      );
      await again.flush();
    } finally {
      again.dispose();
    }
    const check = new SQL.Database(await readFile(file));
    assert.deepEqual(check.exec("SELECT value FROM meta WHERE key = 'touched_files_backfill'")[0]?.values, [['done']]);
  });
});
