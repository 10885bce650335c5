/**
 * The usage dashboard's report on a heavy history: how long opening the dashboard (or a new
 * turn's refresh) keeps the extension host busy, for each range the picker offers. The report is
 * built synchronously on the host's thread from the store's turns, so this is the stall a user
 * could feel. 1,000 sessions, 40,000 turns over 90 days (≈ 440 a day), five models, eight folders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { emptyMetrics } from '../src/core/session/types';
import { SessionStore } from '../src/core/store';
import { buildUsageReport } from '../src/core/usage/report';
import { compare, createRandom, formatMs, printTable, type BenchContext } from './lib';

const SESSIONS = 1_000;
const TURNS = 40_000;
const DAY = 86_400_000;
const MODELS = ['claude-opus-4-8', 'claude-opus-4-8[1m]', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'opus'];

export default async function usageBench(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shannon-bench-usage-'));
  const now = Date.now();
  const store = await SessionStore.open({ dir, now: () => now });
  try {
    const rnd = createRandom(7);
    for (let s = 0; s < SESSIONS; s++) {
      store.upsertSession({ id: `s${s}`, workspaceFolder: `/work/project-${s % 8}`, cwd: `/work/project-${s % 8}`, title: `Session ${s}`, options: {}, state: 'completed', createdAt: 1, updatedAt: 2, metrics: emptyMetrics(), origin: 'shannon' });
    }
    const turnOf = new Map<string, number>();
    for (let t = 0; t < TURNS; t++) {
      const sessionId = `s${rnd.int(0, SESSIONS - 1)}`;
      const turn = (turnOf.get(sessionId) ?? 0) + 1;
      turnOf.set(sessionId, turn);
      store.recordTurn({
        sessionId,
        turn,
        endedAt: now - Math.floor(rnd.next() * 89 * DAY),
        model: MODELS[rnd.int(0, MODELS.length - 1)]!,
        inputTokens: rnd.int(100, 5000),
        outputTokens: rnd.int(50, 2000),
        cacheReadInputTokens: rnd.int(0, 80_000),
        cacheCreationInputTokens: rnd.int(0, 10_000),
        costUsd: rnd.next() * 0.5,
        durationMs: rnd.int(5_000, 120_000),
        durationApiMs: 1000,
        numTurns: 1,
        isError: false,
        subtype: 'success',
      });
    }
    await store.flush();
    const rounds = ctx.args.iterations ?? 7;
    const results = await compare(
      ([7, 30, 90] as const).map((days) => ({ name: `report, ${days} days`, run: () => void buildUsageReport(store, { days, now }) })),
      { rounds, warmupRounds: 1 },
    );
    const queries = await compare(
      [
        { name: 'query: turns of 90 days', run: () => void store.turnsBetween(now - 90 * DAY, now + 1) },
      ],
      { rounds, warmupRounds: 1 },
    );
    ctx.log(`${SESSIONS} sessions, ${TURNS.toLocaleString('en')} turns over 90 days`);
    printTable(
      ctx,
      ['', 'median', 'min', 'max', 'CPU median'],
      [...results.values(), ...queries.values()].map((t) => [t.name, formatMs(t.median), formatMs(t.min), formatMs(t.max), formatMs(t.cpuMedian)]),
    );
  } finally {
    store.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
