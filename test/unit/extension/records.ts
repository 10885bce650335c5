import { emptyMetrics, type SessionRecord } from '../../../src/core/session/types.js';

export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

let counter = 0;

/** A session record with sensible defaults; `over` wins. */
export function record(over: Partial<SessionRecord> = {}): SessionRecord {
  counter++;
  return {
    id: `s${counter}`,
    workspaceFolder: '/ws/a',
    cwd: '/ws/a',
    title: 'Fix the tests',
    options: {},
    state: 'running',
    createdAt: NOW - 60_000 + counter,
    updatedAt: NOW - 60_000,
    metrics: emptyMetrics(),
    origin: 'shannon',
    ...over,
  };
}
