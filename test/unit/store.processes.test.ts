/**
 * The store shared by real OS processes: two windows writing at once, and a window killed
 * (SIGKILL) at random moments mid-stream.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { SessionStore } from '../../src/core/store';

const WRITER = path.join(import.meta.dirname, '..', 'support', 'storeWriter.ts');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function writer(...args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | null>; waitFor: (line: string) => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.filter((x) => x.line === line)) w.resolve();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    exited,
    waitFor: (line) =>
      new Promise<void>((resolve, reject) => {
        if (lines.includes(line)) return resolve();
        waiters.push({ line, resolve });
        void exited.then((code) => reject(new Error(`writer exited (${code}) before "${line}": ${stderr}`)));
      }),
  };
}

describe('SessionStore across processes', () => {
  it('keeps every write of two processes writing 1,000 times each at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shannon-store-2w-'));
    dirs.push(dir);
    const a = writer(dir, 'interleave', 'A', '1000');
    const b = writer(dir, 'interleave', 'B', '1000');
    assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0]);

    const store = await SessionStore.open({ dir });
    try {
      const ids = new Set(store.listSessions().map((s) => s.id));
      for (const p of ['A', 'B']) for (let i = 0; i < 1000; i += 2) assert.ok(ids.has(`${p}-s${i}`), `session ${p}-s${i} lost`);
      assert.equal(ids.size, 1000);
      const texts = new Set<string>();
      for (const id of ids) {
        for (const e of await store.readTranscript(id)) texts.add((e.raw as { message: { content: Array<{ text: string }> } }).message.content[0]!.text);
      }
      for (const p of ['A', 'B']) for (let i = 1; i < 1000; i += 2) assert.ok(texts.has(`${p} write ${i}`), `message "${p} write ${i}" lost`);
      assert.deepEqual(store.warnings, []);
    } finally {
      store.dispose();
    }
  });

  it('opens after each of 50 kill -9s mid-stream with every message flushed before the kill', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shannon-store-kill-'));
    dirs.push(dir);
    let expected = -1;
    let next = writer(dir, 'stream', 'victim', '--wait');
    for (let round = 0; round < 50; round++) {
      const w = next;
      await w.waitFor('loaded');
      w.child.stdin!.end('go\n');
      if (round < 49) next = writer(dir, 'stream', 'victim', '--wait');
      await w.waitFor('ready');
      await new Promise((r) => setTimeout(r, Math.random() * 120));
      w.child.kill('SIGKILL');
      await w.exited;
      for (const line of w.lines) {
        const m = /^flushed (\d+)$/.exec(line);
        if (m) expected = Math.max(expected, Number(m[1]));
      }
      const store = await SessionStore.open({ dir });
      try {
        const seqs = (await store.readTranscript('victim')).map((e) => e.seq);
        assert.ok(seqs.length > expected, `round ${round}: ${seqs.length} messages, ${expected + 1} reported flushed`);
        assert.deepEqual(seqs, Array.from(seqs, (_, i) => i), `round ${round}: seqs run 0..n without gaps or repeats`);
        assert.equal(store.getSession('victim')?.state, 'interrupted', `round ${round}: the killed session is interrupted`);
        assert.deepEqual(
          store.warnings.filter((w) => w.code !== 'STORE_CORRUPT' || !/transcript/.test(w.message)),
          [],
          `round ${round}: no warning but a cut transcript line`,
        );
        expected = seqs.length - 1;
      } finally {
        store.dispose();
      }
    }
    const store = await SessionStore.open({ dir });
    try {
      await store.settleIndex();
      const hits = await store.search(`streamed round 0 part 0`, { limit: 500 });
      assert.ok(hits.length >= 50, `search finds the first message of every run (${hits.length})`);
    } finally {
      store.dispose();
    }
  });
});
