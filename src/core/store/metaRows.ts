/**
 * The plumbing under MetaDb (metaDb.ts): prepared statements kept per SQL text, and the named
 * mapping from result rows to Shannon's types.
 */
import type { Database, SqlValue, Statement } from 'sql.js';
import type { SessionRecord } from '../session/types';
import type { Checkpoint } from './types';

export type Row = Record<string, SqlValue>;

/** Statements prepared once per SQL text; free() before export() (sql.js frees them there). */
export class Statements {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  run(sql: string, params: SqlValue[]): void {
    const st = this.prepared(sql);
    try {
      st.run(params);
    } finally {
      st.reset();
    }
  }

  get(sql: string, params: SqlValue[]): Row | undefined {
    const st = this.prepared(sql);
    try {
      st.bind(params);
      return st.step() ? st.getAsObject() : undefined;
    } finally {
      st.reset();
    }
  }

  all(sql: string, params: SqlValue[]): Row[] {
    const st = this.prepared(sql);
    const rows: Row[] = [];
    try {
      st.bind(params);
      while (st.step()) rows.push(st.getAsObject());
    } finally {
      st.reset();
    }
    return rows;
  }

  free(): void {
    for (const st of this.cache.values()) st.free();
    this.cache.clear();
  }

  private prepared(sql: string): Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }
}

export const CHECKPOINT_SELECT = 'SELECT id, session_id, created_at, cli_session_id, message_uuid, seq, label, snapshot_ref, files, changed_files, forks, after_ref, end_seq FROM checkpoints';

export function toRecord(r: Row): SessionRecord {
  return JSON.parse(String(r.record)) as SessionRecord;
}

export function optional(v: SqlValue | undefined): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

export function toCheckpoint(r: Row): Checkpoint {
  const c: Checkpoint = { id: String(r.id), sessionId: String(r.session_id), createdAt: Number(r.created_at), seq: Number(r.seq), label: optional(r.label) ?? '' };
  if (r.cli_session_id !== null) c.cliSessionId = String(r.cli_session_id);
  if (r.message_uuid !== null) c.messageUuid = String(r.message_uuid);
  if (r.snapshot_ref !== null) c.snapshotRef = String(r.snapshot_ref);
  if (r.files !== null) c.files = Number(r.files);
  if (r.changed_files !== null) c.changedFiles = JSON.parse(String(r.changed_files)) as string[];
  if (r.forks !== null) c.forks = JSON.parse(String(r.forks)) as string[];
  if (r.after_ref !== null && r.after_ref !== undefined) c.afterRef = String(r.after_ref);
  if (r.end_seq !== null && r.end_seq !== undefined) c.endSeq = Number(r.end_seq);
  return c;
}

export function scalar(db: Database, sql: string): SqlValue | undefined {
  const res = db.exec(sql);
  return res[0]?.values[0]?.[0];
}

/** The token and cost columns every usage row has, by name. */
export function tokenColumns(r: Row): { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheCreationInputTokens: number; costUsd: number } {
  return {
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cacheReadInputTokens: Number(r.cache_read_input_tokens),
    cacheCreationInputTokens: Number(r.cache_creation_input_tokens),
    costUsd: Number(r.cost_usd),
  };
}
