/**
 * A generated usage history for the dashboard's e2e test: 90 days of sessions and turns in three
 * workspace folders (one of them the test's), on the models the CLI reports — `claude-opus-4-8`
 * and its `[1m]` variant, a dated Sonnet, Haiku — with cache reads and writes, a burst of turns
 * in the last two hours (a running five-hour block), and a day of plan-limit samples. Written
 * through the real SessionStore; deterministic (seeded), with `now` as given.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { estimateCostUsd } from '../../../src/core/history/pricing';
import { emptyMetrics, type SessionRecord } from '../../../src/core/session/types';
import { SessionStore } from '../../../src/core/store/index';
import { createRandom } from '../../../bench/lib';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;

export const USAGE_TITLES = ['Fix the flaky parser test', 'Add CSV export to reports', 'Refactor the session store', 'Explain the build pipeline', 'Update the README', 'Review the auth middleware', 'Speed up the search index', 'Migrate to Node 24'];

export interface UsageHistory {
  dir: string;
  sessions: number;
  turns: number;
}

export async function writeUsageHistory(folder: string, now = Date.now()): Promise<UsageHistory> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shannon-e2e-usage-store-'));
  const store = await SessionStore.open({ dir, now: () => now });
  const random = createRandom(12).next;
  const folders = [folder, '/home/dev/api-server', '/home/dev/website'];
  const models = ['claude-opus-4-8', 'claude-opus-4-8[1m]', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001'];
  let sessions = 0;
  let turns = 0;
  const addSession = (startAt: number, turnCount: number, model: string, workspaceFolder: string, title: string, gapMin: number) => {
    const id = `usage-${String(sessions).padStart(3, '0')}`;
    sessions++;
    const record: SessionRecord = {
      id,
      cliSessionId: `00000000-0000-4000-9000-${String(sessions).padStart(12, '0')}`,
      workspaceFolder,
      cwd: workspaceFolder,
      title,
      model,
      options: {},
      state: 'completed',
      createdAt: startAt,
      updatedAt: startAt + turnCount * gapMin * MIN,
      endedAt: startAt + turnCount * gapMin * MIN,
      metrics: emptyMetrics(),
      origin: 'shannon',
    };
    store.upsertSession(record);
    for (let t = 1; t <= turnCount; t++) {
      const input = Math.round(800 + random() * 4000);
      const output = Math.round(150 + random() * 1800);
      const cacheRead = Math.round(t * (15_000 + random() * 40_000));
      const cacheWrite = t === 1 ? Math.round(8_000 + random() * 12_000) : Math.round(random() * 3000);
      const costUsd = estimateCostUsd(model, { input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite });
      const durationMs = Math.round((20 + random() * 140) * 1000);
      const endedAt = startAt + (t - 1) * gapMin * MIN + durationMs;
      store.recordTurn({
        sessionId: id,
        turn: t,
        endedAt,
        model,
        inputTokens: input,
        outputTokens: output,
        cacheReadInputTokens: cacheRead,
        cacheCreationInputTokens: cacheWrite,
        costUsd,
        durationMs,
        durationApiMs: durationMs - 2000,
        numTurns: 1 + Math.floor(random() * 4),
        isError: false,
        subtype: 'success',
      });
      turns++;
    }
  };

  for (let daysBack = 89; daysBack >= 1; daysBack--) {
    // Weekdays busier than weekends; some quiet days.
    const day = new Date(now - daysBack * DAY);
    const weekend = day.getDay() === 0 || day.getDay() === 6;
    const count = weekend ? (random() < 0.6 ? 0 : 1) : random() < 0.1 ? 0 : 1 + Math.floor(random() * 3);
    for (let k = 0; k < count; k++) {
      const start = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 9 + Math.floor(random() * 9), Math.floor(random() * 60)).getTime();
      const model = models[Math.floor(random() ** 1.6 * models.length)]!;
      const workspaceFolder = folders[Math.floor(random() ** 1.3 * folders.length)]!;
      addSession(start, 2 + Math.floor(random() * 8), model, workspaceFolder, USAGE_TITLES[Math.floor(random() * USAGE_TITLES.length)]!, 4 + Math.floor(random() * 12));
    }
  }
  // The running block: turns in the last two hours, in this folder.
  addSession(now - 2 * HOUR + 7 * MIN, 9, 'claude-opus-4-8[1m]', folder, 'Profile the dashboard queries', 12);
  await store.flush();
  store.dispose();

  // A day of plan-limit samples, as a claude.ai login would have left them: the five-hour
  // window filling, resetting, filling again; the weekly one creeping up.
  const samples: Array<{ at: number; fiveHour: number; sevenDay: number }> = [];
  for (let m = 24 * 60; m >= 10; m -= 20) {
    const at = now - m * MIN;
    const intoWindow = ((24 * 60 - m) % 300) / 300;
    samples.push({ at, fiveHour: Math.round(Math.min(100, intoWindow * 70 + random() * 8)), sevenDay: Math.round(30 + ((24 * 60 - m) / (24 * 60)) * 10) });
  }
  await writeFile(path.join(dir, 'plan-limits.json'), JSON.stringify({ version: 1, samples }));
  return { dir, sessions, turns };
}
