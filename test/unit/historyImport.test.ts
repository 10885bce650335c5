import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HistoryImporter } from '../../src/core/history/historyImporter';
import { estimateCostUsd } from '../../src/core/history/pricing';
import { claudeConfigDir, encodeProjectDir, findTranscripts } from '../../src/core/history/projectDirs';
import { importTranscript, importedSessionId, parseTranscript } from '../../src/core/history/transcript';
import { tempDir } from '../support/tempDirs';

const SID = '0b5a8f9e-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
const CWD = '/home/dev/project';

const line = (o: unknown) => JSON.stringify(o) + '\n';
const user = (text: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'user',
  uuid: `u-${Math.random()}`,
  sessionId: SID,
  cwd: CWD,
  timestamp: '2025-03-01T10:00:00.000Z',
  message: { role: 'user', content: text },
  ...extra,
});
const assistant = (id: string, content: unknown[], usage: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'assistant',
  uuid: `a-${id}-${Math.random()}`,
  sessionId: SID,
  cwd: CWD,
  timestamp: '2025-03-01T10:00:05.000Z',
  message: { id, role: 'assistant', model: 'claude-sonnet-4-5-20250929', content, usage },
  ...extra,
});

/** A transcript with most of what real ones hold, and a few things they should not. */
function oddTranscript(): string {
  return [
    line({ type: 'queue-operation', operation: 'enqueue', timestamp: '2025-03-01T09:59:59.000Z', sessionId: SID, content: 'hello' }),
    '\n',
    line(user('<system-reminder>context the CLI adds</system-reminder>', { isMeta: true, timestamp: '2025-03-01T10:00:00.000Z' })),
    line(user('<command-name>/clear</command-name>', { timestamp: '2025-03-01T10:00:00.500Z' })),
    line(user('Fix the\nlogin bug', { timestamp: '2025-03-01T10:00:01.000Z', someNewField: { nested: true } })),
    'this is not json at all\n',
    '   \n',
    line([1, 2, 3]),
    // One reply streamed as two lines (text, then tool_use), usage repeated on each.
    line(assistant('msg_1', [{ type: 'text', text: 'Looking.' }], { input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 2000, cache_creation_input_tokens: 100 }, { timestamp: '2025-03-01T10:00:03.000Z' })),
    line(assistant('msg_1', [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: 'a.ts' } }], { input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 2000, cache_creation_input_tokens: 100 }, { timestamp: '2025-03-01T10:00:04.000Z' })),
    line(user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'file text' }], { timestamp: '2025-03-01T10:00:05.000Z', toolUseResult: { stdout: '' } })),
    line(assistant('msg_2', [{ type: 'text', text: 'Fixed.' }], { input_tokens: 500, output_tokens: 20 }, { timestamp: '2025-03-01T10:00:09.000Z' })),
    line(assistant('msg_err', [{ type: 'text', text: 'API Error' }], { input_tokens: 0, output_tokens: 0 }, { message: { id: 'msg_err', model: '<synthetic>', role: 'assistant', content: [], usage: {} } })),
    line({ type: 'brand-new-line-type', whatever: 1, sessionId: SID }),
    line(user('[Request interrupted by user]', { timestamp: '2025-03-01T10:00:10.000Z' })),
    line(user([{ type: 'text', text: 'Now add a test' }], { timestamp: '2025-03-01T10:06:00.000Z' })),
    line(assistant('msg_3', [{ type: 'text', text: 'Added.' }], { input_tokens: 10, output_tokens: 5 }, { timestamp: '2025-03-01T10:06:02.000Z' })),
    line({ type: 'last-prompt', lastPrompt: 'Now add a test', sessionId: SID }),
    '{"type":"user","truncated mid-write',
  ].join('');
}

describe('project directories', () => {
  it('encodes a cwd the way the CLI names its project directory', () => {
    // Verified against a transcript the real CLI (2.1.197) wrote for this cwd.
    assert.equal(encodeProjectDir('/tmp/hexp/My Proj.v2_ü-€😀 x'), '-tmp-hexp-My-Proj-v2-------x');
    assert.equal(encodeProjectDir('/home/dev/project'), '-home-dev-project');
    assert.equal(encodeProjectDir('C:\\Users\\dev\\app'), 'C--Users-dev-app');
    const long = '/' + 'a'.repeat(250);
    assert.match(encodeProjectDir(long), new RegExp(`^-a{199}-[0-9a-z]+$`));
  });

  it('uses CLAUDE_CONFIG_DIR, else ~/.claude', () => {
    assert.equal(claudeConfigDir({ CLAUDE_CONFIG_DIR: '/cfg' }, '/home/u'), '/cfg');
    assert.equal(claudeConfigDir({}, '/home/u'), path.join('/home/u', '.claude'));
  });

  it('finds the transcripts of a folder and its subfolders, and not of look-alike folders', async () => {
    const config = tempDir('shannon-claude-');
    const root = tempDir('shannon-ws-');
    const folder = path.join(root, 'my-app');
    mkdirSync(folder);
    const put = (cwd: string, id: string, extraLines = '') => {
      const dir = path.join(config, 'projects', encodeProjectDir(cwd));
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${id}.jsonl`), extraLines + line(user('hi', { cwd, sessionId: id })));
    };
    const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    put(folder, id(1), line({ type: 'queue-operation', operation: 'enqueue', sessionId: id(1) }));
    put(path.join(folder, 'packages', 'web'), id(2));
    put(path.join(root, 'my_app'), id(3)); // same directory name as my-app: told apart by cwd
    put(path.join(root, 'my-app-old'), id(4)); // a sibling whose name starts the same
    put(root, id(5)); // the parent
    const dir = path.join(config, 'projects', encodeProjectDir(folder));
    writeFileSync(path.join(dir, 'not-a-session.jsonl'), line(user('x')));
    writeFileSync(path.join(dir, `${id(6)}.jsonl`), '');
    mkdirSync(path.join(dir, id(1), 'subagents'), { recursive: true });
    writeFileSync(path.join(dir, id(1), 'subagents', 'agent-1.jsonl'), line(user('sub', { cwd: folder })));

    const found = await findTranscripts(config, folder);
    assert.deepEqual(found.map((f) => f.cliSessionId).sort(), [id(1), id(2)]);
    assert.deepEqual(found.find((f) => f.cliSessionId === id(2))?.cwd, path.join(folder, 'packages', 'web'));
    assert.deepEqual(await findTranscripts(path.join(config, 'missing'), folder), []);
  });
});

describe('importTranscript', () => {
  it('reads a transcript with odd lines into a completed past session', async () => {
    const dir = tempDir('shannon-tr-');
    const file = path.join(dir, `${SID}.jsonl`);
    writeFileSync(file, oddTranscript());
    const { record, entries, stats } = await importTranscript(file, { workspaceFolder: '/home/dev' });

    assert.equal(record.id, importedSessionId(SID));
    assert.equal(record.cliSessionId, SID);
    assert.equal(record.origin, 'imported');
    assert.equal(record.state, 'completed');
    assert.equal(record.workspaceFolder, '/home/dev');
    assert.equal(record.cwd, CWD);
    assert.equal(record.title, 'Fix the login bug');
    assert.equal(record.model, 'claude-sonnet-4-5-20250929');
    assert.equal(record.createdAt, Date.parse('2025-03-01T09:59:59.000Z'));
    assert.equal(record.updatedAt, Date.parse('2025-03-01T10:06:02.000Z'));
    // msg_1 counted once although written twice; the synthetic error reply costs nothing.
    assert.equal(record.metrics.inputTokens, 1510);
    assert.equal(record.metrics.outputTokens, 75);
    assert.equal(record.metrics.cacheReadInputTokens, 2000);
    assert.equal(record.metrics.cacheCreationInputTokens, 100);
    assert.equal(record.metrics.toolCalls, 1);
    assert.equal(record.metrics.turns, 3); // /clear, the bug, the test (not the interruption)
    const expectedCost = (1510 * 3 + 75 * 15 + 2000 * 0.3 + 100 * 3.75) / 1e6;
    assert.ok(Math.abs(record.metrics.costUsd - expectedCost) < 1e-12, `${record.metrics.costUsd} vs ${expectedCost}`);
    assert.equal(record.metrics.durationMs, 9_000 + 2_000); // 10:00:01→10:00:10 (interrupted), 10:06:00→10:06:02

    assert.deepEqual(stats, { entries: 14, blank: 2, invalid: 3, tooLong: 0, unknownTypes: { 'brand-new-line-type': 1 } });
    assert.equal(entries.length, 14);
    assert.deepEqual(entries.map((e) => e.seq), [...Array(14).keys()]);
    assert.ok(entries.every((e) => e.sessionId === record.id));
    const prompt = entries.find((e) => (e.raw as { someNewField?: unknown }).someNewField)!;
    assert.equal(prompt.direction, 'out');
    assert.deepEqual((prompt.raw as { someNewField: unknown }).someNewField, { nested: true }, 'unknown fields are kept');
    assert.equal(entries.filter((e) => e.direction === 'out').length, 3);
    assert.equal(entries.find((e) => e.type === 'brand-new-line-type')?.direction, 'in');
    assert.equal(entries[0]!.at, Date.parse('2025-03-01T09:59:59.000Z'));
  });

  it('prefers the title the CLI gave the session', async () => {
    const dir = tempDir('shannon-tr-');
    const file = path.join(dir, `${SID}.jsonl`);
    writeFileSync(file, line({ type: 'summary', summary: 'Login bug fix', leafUuid: 'x' }) + oddTranscript());
    assert.equal((await importTranscript(file)).record.title, 'Login bug fix');
    appendFileSync(file, '\n' + line({ type: 'custom-title', customTitle: 'My rename', sessionId: SID }));
    assert.equal((await importTranscript(file)).record.title, 'My rename');
    writeFileSync(file, line(user('x'.repeat(500))));
    assert.equal((await importTranscript(file)).record.title.length, 201);
    writeFileSync(file, line({ type: 'queue-operation', sessionId: SID }));
    assert.equal((await importTranscript(file)).record.title, `Imported session ${SID.slice(0, 8)}`);
  });

  it('streams large files and skips lines over the cap without holding them', async () => {
    const dir = tempDir('shannon-tr-');
    const file = path.join(dir, `${SID}.jsonl`);
    const big = 'x'.repeat(8 * 1024 * 1024);
    writeFileSync(file, line(user('start')));
    appendFileSync(file, line(user([{ type: 'tool_result', tool_use_id: 't', content: big }])));
    for (let i = 0; i < 2000; i++) appendFileSync(file, line(assistant(`m${i}`, [{ type: 'text', text: `reply ${i}` }], { input_tokens: 1, output_tokens: 1 })));
    const capped = await importTranscript(file, { maxLineBytes: 1024 * 1024 });
    assert.equal(capped.stats.tooLong, 1);
    assert.equal(capped.entries.length, 2001);
    assert.equal(capped.record.metrics.outputTokens, 2000);

    let streamed = 0;
    const whole = await importTranscript(file, { onEntry: () => void streamed++ });
    assert.equal(streamed, 2002);
    assert.equal(whole.entries.length, 0);
    assert.equal(whole.stats.tooLong, 0);
  });

  it('parseTranscript yields entries and skipped lines with their line numbers', async () => {
    const dir = tempDir('shannon-tr-');
    const file = path.join(dir, 'x.jsonl');
    writeFileSync(file, '{"type":"a"}\n\nnope\n{"type":"b"}');
    const items = [];
    for await (const item of parseTranscript(file)) items.push(item);
    assert.deepEqual(
      items.map((i) => [i.kind, i.line]),
      [
        ['entry', 1],
        ['skipped', 3],
        ['entry', 4],
      ],
    );
  });

  it('takes the session id from the lines when the file is not named by it', async () => {
    const dir = tempDir('shannon-tr-');
    const file = path.join(dir, 'renamed.jsonl');
    writeFileSync(file, line({ type: 'queue-operation' }) + line(user('hi')));
    const { record, entries } = await importTranscript(file);
    assert.equal(record.cliSessionId, SID);
    assert.equal(record.id, importedSessionId(SID));
    assert.deepEqual(entries.map((e) => e.type), ['queue-operation', 'user']);
  });
});

describe('HistoryImporter', () => {
  it('imports each transcript once, again only when it changed, and remembers across runs', async () => {
    const config = tempDir('shannon-claude-');
    const folder = tempDir('shannon-ws-');
    const dir = path.join(config, 'projects', encodeProjectDir(folder));
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${SID}.jsonl`);
    writeFileSync(file, line(user('first', { cwd: folder })));
    const other = '11111111-2222-4333-8444-555555555555';
    writeFileSync(path.join(dir, `${other}.jsonl`), line(user('mine', { cwd: folder, sessionId: other })));

    const importer = new HistoryImporter({ configDir: config });
    const drain = async (i: HistoryImporter) => {
      const out = [];
      for await (const t of i.importFolder(folder, { skip: (id) => id === other })) out.push(t);
      return out;
    };
    const first = await drain(importer);
    assert.deepEqual(first.map((t) => t.record.title), ['first']);
    assert.deepEqual(await drain(importer), []);

    appendFileSync(file, line(user('second', { cwd: folder })));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const again = await drain(importer);
    assert.equal(again.length, 1);
    assert.equal(again[0]!.record.id, first[0]!.record.id, 'same session, updated in place');
    assert.equal(again[0]!.entries.length, 2);

    const restarted = new HistoryImporter({ configDir: config, marks: JSON.parse(JSON.stringify(importer.marks())) });
    assert.deepEqual(await drain(restarted), []);
  });

  it('stops when cancelled', async () => {
    const config = tempDir('shannon-claude-');
    const folder = tempDir('shannon-ws-');
    const dir = path.join(config, 'projects', encodeProjectDir(folder));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${SID}.jsonl`), line(user('first', { cwd: folder })));
    const importer = new HistoryImporter({ configDir: config });
    await assert.rejects(async () => {
      for await (const _ of importer.importFolder(folder, { signal: AbortSignal.abort() })) assert.fail('nothing imported');
    }, (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'CANCELLED');
  });

  it('imports a transcript again when storing it failed', async () => {
    const config = tempDir('shannon-claude-');
    const folder = tempDir('shannon-ws-');
    const dir = path.join(config, 'projects', encodeProjectDir(folder));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${SID}.jsonl`), line(user('first', { cwd: folder })));
    const importer = new HistoryImporter({ configDir: config });
    await assert.rejects(async () => {
      for await (const _ of importer.importFolder(folder)) throw new Error('disk full');
    }, /disk full/);
    assert.equal((await importer.pending(folder)).length, 1);
  });
});

describe('pricing', () => {
  it('prices usage with the CLI table and gives 0 for unknown models', () => {
    assert.equal(estimateCostUsd('claude-opus-4-8', { input_tokens: 200, output_tokens: 40 }), 0.002); // what the CLI reported
    assert.equal(estimateCostUsd('claude-opus-4-1-20250805', { input_tokens: 1e6 }), 15);
    assert.equal(estimateCostUsd('claude-3-5-haiku-20241022', { output_tokens: 1e6 }), 4);
    assert.equal(estimateCostUsd('claude-haiku-4-5', { cache_read_input_tokens: 1e6 }), 0.1);
    assert.equal(estimateCostUsd('claude-sonnet-4-5', { cache_creation_input_tokens: 2e6, cache_creation: { ephemeral_1h_input_tokens: 1e6 } }), 3.75 + 6);
    assert.equal(estimateCostUsd('gpt-4o', { input_tokens: 1e6 }), 0);
    assert.equal(estimateCostUsd(undefined, { input_tokens: 1e6 }), 0);
  });
});
