/**
 * A second process writing the store, for the two-window and kill -9 tests:
 *
 *   node --import tsx test/support/storeWriter.ts <dir> interleave <prefix> <writes>
 *     <writes> changes alternating between new sessions (`<prefix>-s<i>`) and messages to
 *     them, yielding between writes so two such processes interleave; prints "done".
 *
 *   node --import tsx test/support/storeWriter.ts <dir> stream <sessionId> [--wait]
 *     appends messages to one running session without end, flushing every few; after each
 *     flush resolves prints "flushed <last seq>". Meant to be killed.
 *
 *   node --import tsx test/support/storeWriter.ts <dir> append <sessionId> <count>
 *     appends <count> messages ("second writer line <i>") to a session another process may be
 *     running, flushing as it goes; prints "warnings <codes>" and "done".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { emptyMetrics, type SessionRecord } from '../../src/core/session/types';
import { SessionStore } from '../../src/core/store';
import { loadSqlJs } from '../../src/core/store/schema';

const [dir, mode, name, countArg] = process.argv.slice(2);
if (!dir || !mode || !name) throw new Error('usage: storeWriter.ts <dir> interleave|stream <name> [writes]');

function session(id: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    workspaceFolder: '/w',
    cwd: '/w',
    title: id,
    options: {},
    state: 'running',
    createdAt: Date.now(),
    updatedAt: Date.now(),
    metrics: emptyMetrics(),
    origin: 'shannon',
    ...over,
  };
}

function message(sessionId: string, text: string) {
  return { sessionId, at: Date.now(), direction: 'out' as const, type: 'assistant', raw: { type: 'assistant', message: { content: [{ type: 'text', text }] } } };
}

async function interleave(store: SessionStore, prefix: string, writes: number): Promise<void> {
  const mine: string[] = [];
  for (let i = 0; i < writes; i++) {
    if (i % 2 === 0 || mine.length === 0) {
      const id = `${prefix}-s${i}`;
      store.upsertSession(session(id, { state: 'completed' }));
      mine.push(id);
    } else {
      const id = mine[Math.floor(Math.random() * mine.length)]!;
      store.appendMessage(message(id, `${prefix} write ${i}`));
    }
    if (Math.random() < 0.05) await store.flush();
    else await sleep(Math.random() < 0.5 ? 0 : 1);
  }
  await store.flush();
}

async function stream(store: SessionStore, sessionId: string): Promise<void> {
  store.upsertSession(session(sessionId, { createdAt: 1 }));
  for (let round = 0; ; round++) {
    let last = -1;
    const n = 1 + Math.floor(Math.random() * 8);
    for (let k = 0; k < n; k++) last = store.appendMessage(message(sessionId, `streamed round ${round} part ${k} ${'w'.repeat(Math.floor(Math.random() * 400))}`)).seq;
    if (round % 5 === 0) store.upsertSession(session(sessionId, { createdAt: 1, title: `round ${round}` }));
    if (round % 3 === 0) store.recordTurn({ sessionId, turn: round, endedAt: Date.now(), inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.001, durationMs: 1, durationApiMs: 1, numTurns: 1, isError: false, subtype: 'success' });
    await store.flush();
    process.stdout.write(`flushed ${last}\n`);
    if (round === 0) process.stdout.write('ready\n');
  }
}

async function append(store: SessionStore, sessionId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    store.appendMessage(message(sessionId, `second writer line ${i}`));
    if (i % 10 === 9) await store.flush();
  }
  await store.flush().catch(() => undefined);
  process.stdout.write(`warnings ${store.warnings.map((w) => w.code).join(',')}\n`);
}

async function main(): Promise<void> {
  // `--wait`: load everything, then start on a line from stdin (tests spawn the next writer
  // while the previous one runs, so Node's start-up is not on the clock).
  if (process.argv.includes('--wait')) {
    await loadSqlJs();
    process.stdout.write('loaded\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  }
  const store = await SessionStore.open({ dir: dir!, flushDelayMs: 5, pollMs: 50 });
  if (mode === 'interleave') {
    await interleave(store, name!, Number(countArg ?? 1000));
    store.dispose();
    process.stdout.write('done\n');
  } else if (mode === 'stream') {
    await stream(store, name!);
  } else if (mode === 'append') {
    await append(store, name!, Number(countArg ?? 100));
    store.dispose();
    process.stdout.write('done\n');
  } else throw new Error(`unknown mode ${mode}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
