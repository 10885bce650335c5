/**
 * A large Shannon history for the activation measurement: 1,000 sessions (600 in the test's
 * workspace folder) and 150,000 messages, written once through the real SessionStore into a
 * cache in the temp folder and copied for each run (the extension writes to its store).
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { emptyMetrics, type SessionRecord } from '../../../src/core/session/types';
import { SCHEMA_VERSION, SessionStore } from '../../../src/core/store/index';

export const LARGE_HISTORY = { sessions: 1000, messagesPerSession: 150, inFolder: 600 } as const;

export interface LargeHistory {
  /** A fresh copy of the store directory, for SHANNON_DATA_DIR. */
  dir: string;
  figures: { sessions: number; messages: number; sessionsInFolder: number };
}

const DAY = 86_400_000;

/** `folder` must be the workspace the e2e run opens: 600 of the sessions belong to it. */
export async function ensureLargeHistory(folder: string): Promise<LargeHistory> {
  const { sessions, messagesPerSession, inFolder } = LARGE_HISTORY;
  // Keyed by the folder too: records name their workspace folder.
  const key = `${SCHEMA_VERSION}-${sessions}-${messagesPerSession}-${Buffer.from(folder).toString('base64url').slice(-24)}`;
  const cache = path.join(tmpdir(), `shannon-e2e-large-history-${key}`);
  if (!existsSync(path.join(cache, 'complete'))) {
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    const store = await SessionStore.open({ dir: cache });
    const now = Date.now();
    for (let i = 0; i < sessions; i++) {
      const workspaceFolder = i < inFolder ? folder : `/home/dev/project-${i % 7}`;
      const createdAt = now - 60 * DAY + Math.floor((i / sessions) * 59 * DAY);
      const record: SessionRecord = {
        id: `large-${String(i).padStart(4, '0')}`,
        cliSessionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        workspaceFolder,
        cwd: workspaceFolder,
        title: `Past session ${i}: ${['fix the parser', 'add tests', 'refactor the store', 'update docs'][i % 4]}`,
        model: ['claude-sonnet-4-5', 'claude-opus-4-1'][i % 2],
        options: {},
        state: 'completed',
        createdAt,
        updatedAt: createdAt + 600_000,
        endedAt: createdAt + 600_000,
        metrics: { ...emptyMetrics(), costUsd: 0.01 * (i % 9), turns: 3 },
        origin: 'shannon',
      };
      store.upsertSession(record);
      for (let m = 0; m < messagesPerSession; m++) {
        const assistant = m % 2 === 1;
        const raw = assistant
          ? { type: 'assistant', uuid: `${record.id}-${m}`, message: { role: 'assistant', content: [{ type: 'text', text: `Reply ${m} about ${record.title}: the change touches files, tests and docs.` }] } }
          : { type: 'user', message: { role: 'user', content: `Prompt ${m} for ${record.title}` } };
        store.appendMessage({ sessionId: record.id, at: createdAt + m * 1000, direction: assistant ? 'in' : 'out', type: raw.type, raw });
      }
      if (i % 50 === 49) await store.flush();
    }
    await store.settleIndex();
    store.dispose();
    writeFileSync(path.join(cache, 'complete'), new Date().toISOString());
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'shannon-e2e-large-store-'));
  cpSync(cache, dir, { recursive: true });
  rmSync(path.join(dir, 'owners'), { recursive: true, force: true });
  return { dir, figures: { sessions, messages: sessions * messagesPerSession, sessionsInFolder: inFolder } };
}
