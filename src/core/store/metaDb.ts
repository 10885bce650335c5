/**
 * The metadata database: sessions, per-turn metrics, checkpoint rows and tombstones, in one
 * sql.js (SQLite in WebAssembly) database held in memory and saved whole. It holds no message
 * text, so it stays small (kilobytes per session) and a whole-database export stays cheap.
 *
 * Every mutation here is idempotent and ordered by timestamps, so the store can replay a
 * window's pending changes on top of another window's newer file (see sessionStore.ts).
 */
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { ShannonError } from '../errors';
import { LIVE_STATES, type SessionRecord, type SessionState, type TurnMetrics } from '../session/types';
import type { CheckpointRecord, SessionFilter, UsageQuery, UsageRow } from './types';

/** The newest schema this code knows. Bump it with a new entry in MIGRATIONS. */
export const SCHEMA_VERSION = 1;

/** MIGRATIONS[n] takes a database from version n to n + 1. */
const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [
  (db) =>
    db.run(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        workspace_folder TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0,
        cli_session_id TEXT,
        origin TEXT NOT NULL,
        owner TEXT,
        record TEXT NOT NULL
      );
      CREATE INDEX sessions_by_folder ON sessions (workspace_folder, updated_at);
      CREATE INDEX sessions_by_updated ON sessions (updated_at);
      CREATE TABLE turns (
        session_id TEXT NOT NULL,
        turn INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        day TEXT NOT NULL,
        workspace_folder TEXT,
        model TEXT,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_read_input_tokens INTEGER NOT NULL,
        cache_creation_input_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        duration_ms INTEGER NOT NULL,
        duration_api_ms INTEGER NOT NULL,
        num_turns INTEGER NOT NULL,
        is_error INTEGER NOT NULL,
        subtype TEXT NOT NULL,
        PRIMARY KEY (session_id, turn)
      ) WITHOUT ROWID;
      CREATE INDEX turns_by_time ON turns (ended_at);
      -- Turns older than the detail window, summed per local day, folder and model: usage
      -- stays exact per day while the database stops growing with history.
      CREATE TABLE usage_daily (
        day TEXT NOT NULL,
        workspace_folder TEXT NOT NULL,
        model TEXT NOT NULL,
        first_ended_at INTEGER NOT NULL,
        last_ended_at INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_read_input_tokens INTEGER NOT NULL,
        cache_creation_input_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        turns INTEGER NOT NULL,
        PRIMARY KEY (day, workspace_folder, model)
      ) WITHOUT ROWID;
      -- The highest turn of each session already summed, so that recording it again (a
      -- re-import) does not count it twice.
      CREATE TABLE turns_rolled_up (session_id TEXT PRIMARY KEY, max_turn INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE checkpoints (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        cli_session_id TEXT,
        message_uuid TEXT,
        seq INTEGER NOT NULL,
        label TEXT,
        snapshot_ref TEXT
      );
      CREATE INDEX checkpoints_by_session ON checkpoints (session_id, created_at);
      -- What a deletion leaves behind, so that a merge with another window's older copy
      -- does not bring a deleted row back.
      CREATE TABLE tombstones (kind TEXT NOT NULL, id TEXT NOT NULL, deleted_at INTEGER NOT NULL, PRIMARY KEY (kind, id));
    `),
];

const sqlJsByWasm = new Map<string, Promise<SqlJsStatic>>();

/**
 * sql.js compiled once per process and wasm file: compiling is most of a cold open. Without a
 * path, `require.resolve` finds the package's own wasm; where there is no `require` (ESM),
 * sql.js looks beside its own script, which is the same file.
 */
export function loadSqlJs(wasmPath: string | undefined = defaultWasmPath()): Promise<SqlJsStatic> {
  const key = wasmPath ?? '';
  let loading = sqlJsByWasm.get(key);
  if (!loading) {
    loading = initSqlJs(wasmPath === undefined ? {} : { locateFile: () => wasmPath });
    loading.catch(() => sqlJsByWasm.delete(key));
    sqlJsByWasm.set(key, loading);
  }
  return loading;
}

function defaultWasmPath(): string | undefined {
  return typeof require === 'function' ? require.resolve('sql.js/dist/sql-wasm.wasm') : undefined;
}

/** The file is not a database this code can read: move it aside. */
export class CorruptDatabase extends Error {}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface SessionRow {
  record: SessionRecord;
  owner: string | undefined;
}

export class MetaDb {
  private readonly statements = new Map<string, Statement>();

  private constructor(private readonly db: Database) {}

  static empty(SQL: SqlJsStatic): MetaDb {
    const db = new SQL.Database();
    // Before any table exists (it cannot be switched on later without a VACUUM): pages freed
    // by deletions and the daily roll-up give the file back its size, instead of being
    // carried, exported and written with every save.
    db.run('PRAGMA auto_vacuum = FULL');
    migrate(db, 0);
    return new MetaDb(db);
  }

  /**
   * Opens saved bytes: throws CorruptDatabase for anything SQLite cannot read back whole, and
   * STORE_TOO_NEW for a schema newer than this code. `migrated` tells the caller to save.
   * `trusted`: Shannon wrote exactly these bytes (see the `.verified` note in sessionStore.ts),
   * so the header checks suffice and SQLite's page-by-page check (tens of ms) is skipped.
   */
  static fromBytes(SQL: SqlJsStatic, bytes: Uint8Array, file: string, trusted = false): { db: MetaDb; migrated: boolean } {
    checkHeader(bytes);
    let db: Database;
    try {
      db = new SQL.Database(bytes);
    } catch (err) {
      throw new CorruptDatabase(String(err));
    }
    try {
      const check = trusted ? 'ok' : scalar(db, 'PRAGMA quick_check');
      if (check !== 'ok') throw new CorruptDatabase(String(check));
      const version = Number(scalar(db, 'PRAGMA user_version'));
      if (version > SCHEMA_VERSION) {
        throw new ShannonError(
          'STORE_TOO_NEW',
          `The session store ${file} was written by a newer Shannon (schema ${version}; this one knows up to ${SCHEMA_VERSION}). It was left untouched.`,
          'Update Shannon, or run the newer version in every window.',
        );
      }
      if (version > 0 && scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sessions'") !== 1) {
        throw new CorruptDatabase('schema tables missing');
      }
      migrate(db, version);
      return { db: new MetaDb(db), migrated: version < SCHEMA_VERSION };
    } catch (err) {
      db.close();
      if (err instanceof ShannonError || err instanceof CorruptDatabase) throw err;
      // SQLite reports a truncated or scrambled file as "malformed"/"not a database".
      throw new CorruptDatabase(String(err));
    }
  }

  export(): Uint8Array {
    // export() closes and reopens the database inside sql.js, which frees our statements.
    this.freeStatements();
    return this.db.export();
  }

  close(): void {
    this.freeStatements();
    this.db.close();
  }

  // --- sessions -----------------------------------------------------------------------------

  /**
   * Writes `record` unless the stored copy is newer (by updatedAt; a tie goes to the incoming
   * record) or the session was deleted at or after `record.updatedAt`. Returns whether it wrote.
   */
  mergeSession(record: SessionRecord, owner: string | undefined): boolean {
    const existing = this.get('SELECT updated_at, state, owner FROM sessions WHERE id = ?', [record.id]);
    if (existing && Number(existing[0]) > record.updatedAt) return false;
    // A window that edits a session another window is running (pins it, renames it) does not
    // become its owner: the owner is whoever made it live.
    if (owner !== undefined && existing && existing[2] !== null && LIVE_STATES.includes(String(existing[1]) as SessionState)) owner = String(existing[2]);
    const tomb = this.get("SELECT deleted_at FROM tombstones WHERE kind = 'session' AND id = ?", [record.id]);
    if (tomb && Number(tomb[0]) >= record.updatedAt) return false;
    if (tomb) this.run("DELETE FROM tombstones WHERE kind = 'session' AND id = ?", [record.id]);
    this.run(
      `INSERT OR REPLACE INTO sessions (id, workspace_folder, state, created_at, updated_at, pinned, cli_session_id, origin, owner, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        record.id,
        record.workspaceFolder,
        record.state,
        record.createdAt,
        record.updatedAt,
        record.pinned ? 1 : 0,
        record.cliSessionId ?? null,
        record.origin,
        owner ?? null,
        JSON.stringify(record),
      ],
    );
    return true;
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.get('SELECT record FROM sessions WHERE id = ?', [id]);
    return row ? (JSON.parse(String(row[0])) as SessionRecord) : undefined;
  }

  hasSession(id: string): boolean {
    return this.get('SELECT 1 FROM sessions WHERE id = ?', [id]) !== undefined;
  }

  listSessions(filter: SessionFilter = {}): SessionRecord[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.workspaceFolder !== undefined) {
      where.push('workspace_folder = ?');
      params.push(filter.workspaceFolder);
    }
    if (filter.states && filter.states.length > 0) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    let sql = `SELECT record FROM sessions${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id`;
    if (filter.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(filter.limit);
    }
    return this.all(sql, params).map((r) => JSON.parse(String(r[0])) as SessionRecord);
  }

  /** Ids (and workspace folders) of every session, for the search filter. */
  sessionFolders(): Map<string, string> {
    return new Map(this.all('SELECT id, workspace_folder FROM sessions', []).map((r) => [String(r[0]), String(r[1])]));
  }

  /** Sessions recorded in a live state, with the store instance that owns them. */
  liveSessions(): SessionRow[] {
    const states = LIVE_STATES;
    return this.all(`SELECT record, owner FROM sessions WHERE state IN (${states.map(() => '?').join(', ')})`, [...states]).map((r) => ({
      record: JSON.parse(String(r[0])) as SessionRecord,
      owner: r[1] === null ? undefined : String(r[1]),
    }));
  }

  /** Sessions that retention may remove, oldest first. */
  prunable(liveStates: readonly SessionState[]): Array<{ id: string; updatedAt: number }> {
    return this.all(
      `SELECT id, updated_at FROM sessions WHERE pinned = 0 AND state NOT IN (${liveStates.map(() => '?').join(', ')}) ORDER BY updated_at, id`,
      [...liveStates],
    ).map((r) => ({ id: String(r[0]), updatedAt: Number(r[1]) }));
  }

  /** Removes the session, its checkpoint rows and (unless kept for usage totals) its turns. */
  deleteSession(id: string, deletedAt: number, keepUsage: boolean): void {
    this.run('DELETE FROM sessions WHERE id = ?', [id]);
    this.run('DELETE FROM checkpoints WHERE session_id = ?', [id]);
    if (!keepUsage) {
      this.run('DELETE FROM turns WHERE session_id = ?', [id]);
      this.run('DELETE FROM turns_rolled_up WHERE session_id = ?', [id]);
    }
    this.run("INSERT OR REPLACE INTO tombstones (kind, id, deleted_at) VALUES ('session', ?, max(?, coalesce((SELECT deleted_at FROM tombstones WHERE kind = 'session' AND id = ?), 0)))", [
      id,
      deletedAt,
      id,
    ]);
  }

  deletedSessions(): Set<string> {
    return new Set(this.all("SELECT id FROM tombstones WHERE kind = 'session'", []).map((r) => String(r[0])));
  }

  /** Tombstones only need to outlive every other window's unsaved copy. */
  forgetTombstones(before: number): void {
    this.run('DELETE FROM tombstones WHERE deleted_at < ?', [before]);
  }

  // --- turns and usage ----------------------------------------------------------------------

  recordTurn(m: TurnMetrics, day: string): void {
    const rolled = this.get('SELECT max_turn FROM turns_rolled_up WHERE session_id = ?', [m.sessionId]);
    if (rolled && m.turn <= Number(rolled[0])) return;
    const folder = this.get('SELECT workspace_folder FROM sessions WHERE id = ?', [m.sessionId]);
    this.run(
      `INSERT OR REPLACE INTO turns (session_id, turn, ended_at, day, workspace_folder, model, input_tokens, output_tokens,
         cache_read_input_tokens, cache_creation_input_tokens, cost_usd, duration_ms, duration_api_ms, num_turns, is_error, subtype)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        m.sessionId,
        m.turn,
        m.endedAt,
        day,
        folder ? String(folder[0]) : null,
        m.model ?? null,
        m.inputTokens,
        m.outputTokens,
        m.cacheReadInputTokens,
        m.cacheCreationInputTokens,
        m.costUsd,
        m.durationMs,
        m.durationApiMs,
        m.numTurns,
        m.isError ? 1 : 0,
        m.subtype,
      ],
    );
  }

  listTurns(sessionId: string): TurnMetrics[] {
    return this.all(
      `SELECT session_id, turn, ended_at, model, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens,
         cost_usd, duration_ms, duration_api_ms, num_turns, is_error, subtype FROM turns WHERE session_id = ? ORDER BY turn`,
      [sessionId],
    ).map((r) => ({
      sessionId: String(r[0]),
      turn: Number(r[1]),
      endedAt: Number(r[2]),
      ...(r[3] === null ? {} : { model: String(r[3]) }),
      inputTokens: Number(r[4]),
      outputTokens: Number(r[5]),
      cacheReadInputTokens: Number(r[6]),
      cacheCreationInputTokens: Number(r[7]),
      costUsd: Number(r[8]),
      durationMs: Number(r[9]),
      durationApiMs: Number(r[10]),
      numTurns: Number(r[11]),
      isError: r[12] === 1,
      subtype: String(r[13]),
    }));
  }

  usage(q: UsageQuery): UsageRow[] {
    const detailKey =
      q.groupBy === 'day'
        ? 't.day'
        : q.groupBy === 'model'
          ? "coalesce(t.model, '')"
          : "coalesce(t.workspace_folder, (SELECT s.workspace_folder FROM sessions s WHERE s.id = t.session_id), '')";
    const dailyKey = q.groupBy === 'day' ? 'day' : q.groupBy === 'model' ? 'model' : 'workspace_folder';
    const detailWhere: string[] = [];
    const dailyWhere: string[] = [];
    const params: SqlValue[] = [];
    const dailyParams: SqlValue[] = [];
    // Summed days count when they overlap [since, until): they are whole days.
    if (q.since !== undefined) {
      detailWhere.push('t.ended_at >= ?');
      params.push(q.since);
      dailyWhere.push('last_ended_at >= ?');
      dailyParams.push(q.since);
    }
    if (q.until !== undefined) {
      detailWhere.push('t.ended_at < ?');
      params.push(q.until);
      dailyWhere.push('first_ended_at < ?');
      dailyParams.push(q.until);
    }
    const where = (w: string[]) => (w.length ? ` WHERE ${w.join(' AND ')}` : '');
    return this.all(
      `SELECT k, sum(i), sum(o), sum(cr), sum(cc), sum(c), sum(n) FROM (
         SELECT ${detailKey} AS k, input_tokens AS i, output_tokens AS o, cache_read_input_tokens AS cr,
           cache_creation_input_tokens AS cc, cost_usd AS c, 1 AS n FROM turns t${where(detailWhere)}
         UNION ALL
         SELECT ${dailyKey}, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens, cost_usd, turns
           FROM usage_daily${where(dailyWhere)}
       ) GROUP BY k ORDER BY k`,
      [...params, ...dailyParams],
    ).map((r) => ({
      key: String(r[0]),
      inputTokens: Number(r[1]),
      outputTokens: Number(r[2]),
      cacheReadInputTokens: Number(r[3]),
      cacheCreationInputTokens: Number(r[4]),
      costUsd: Number(r[5]),
      turns: Number(r[6]),
    }));
  }

  /**
   * A time before which at most about `count` turns ended, and none at or after `before`:
   * rolling up to it is one bounded step. Undefined when no turn ended before `before`.
   */
  rollUpStep(before: number, count: number): number | undefined {
    if (this.get('SELECT 1 FROM turns WHERE ended_at < ? LIMIT 1', [before]) === undefined) return undefined;
    const nth = this.get('SELECT ended_at FROM turns WHERE ended_at < ? ORDER BY ended_at LIMIT 1 OFFSET ?', [before, count]);
    return nth === undefined ? before : Math.min(before, Number(nth[0]) + 1);
  }

  /**
   * Moves turns that ended before `at` into per-day sums. Idempotent: replayed on another
   * window's copy it moves only what that copy still holds in detail.
   */
  rollUpTurns(at: number): void {
    this.run('BEGIN', []);
    try {
      this.run(
        `INSERT INTO usage_daily (day, workspace_folder, model, first_ended_at, last_ended_at, input_tokens, output_tokens,
           cache_read_input_tokens, cache_creation_input_tokens, cost_usd, turns)
         SELECT t.day, coalesce(t.workspace_folder, (SELECT s.workspace_folder FROM sessions s WHERE s.id = t.session_id), ''),
           coalesce(t.model, ''), min(t.ended_at), max(t.ended_at), sum(t.input_tokens), sum(t.output_tokens),
           sum(t.cache_read_input_tokens), sum(t.cache_creation_input_tokens), sum(t.cost_usd), count(*)
         FROM turns t WHERE t.ended_at < ? GROUP BY 1, 2, 3
         ON CONFLICT (day, workspace_folder, model) DO UPDATE SET
           first_ended_at = min(first_ended_at, excluded.first_ended_at), last_ended_at = max(last_ended_at, excluded.last_ended_at),
           input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
           cache_read_input_tokens = cache_read_input_tokens + excluded.cache_read_input_tokens,
           cache_creation_input_tokens = cache_creation_input_tokens + excluded.cache_creation_input_tokens,
           cost_usd = cost_usd + excluded.cost_usd, turns = turns + excluded.turns`,
        [at],
      );
      this.run(
        `INSERT INTO turns_rolled_up (session_id, max_turn) SELECT session_id, max(turn) FROM turns WHERE ended_at < ? GROUP BY session_id
         ON CONFLICT (session_id) DO UPDATE SET max_turn = max(max_turn, excluded.max_turn)`,
        [at],
      );
      this.run('DELETE FROM turns WHERE ended_at < ?', [at]);
      this.run('COMMIT', []);
    } catch (err) {
      this.run('ROLLBACK', []);
      throw err;
    }
  }

  // --- checkpoints --------------------------------------------------------------------------

  /** Writes the row unless it was deleted (checkpoints are immutable once made, bar the label). */
  putCheckpoint(c: CheckpointRecord): boolean {
    if (this.get("SELECT 1 FROM tombstones WHERE kind = 'checkpoint' AND id = ?", [c.id])) return false;
    if (this.get("SELECT 1 FROM tombstones WHERE kind = 'session' AND id = ?", [c.sessionId])) return false;
    this.run(
      `INSERT OR REPLACE INTO checkpoints (id, session_id, created_at, cli_session_id, message_uuid, seq, label, snapshot_ref)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.id, c.sessionId, c.createdAt, c.cliSessionId ?? null, c.messageUuid ?? null, c.seq, c.label ?? null, c.snapshotRef ?? null],
    );
    return true;
  }

  getCheckpoint(id: string): CheckpointRecord | undefined {
    return this.all(`${CHECKPOINT_SELECT} WHERE id = ?`, [id]).map(toCheckpoint)[0];
  }

  listCheckpoints(sessionId?: string): CheckpointRecord[] {
    return sessionId === undefined
      ? this.all(`${CHECKPOINT_SELECT} ORDER BY created_at, id`, []).map(toCheckpoint)
      : this.all(`${CHECKPOINT_SELECT} WHERE session_id = ? ORDER BY created_at, id`, [sessionId]).map(toCheckpoint);
  }

  deleteCheckpoint(id: string, deletedAt: number): void {
    this.run('DELETE FROM checkpoints WHERE id = ?', [id]);
    this.run("INSERT OR REPLACE INTO tombstones (kind, id, deleted_at) VALUES ('checkpoint', ?, ?)", [id, deletedAt]);
  }

  /**
   * A value per session that changes whenever anything about it changes: diffing two of
   * these tells which sessions another window touched.
   */
  fingerprint(): Map<string, string> {
    const out = new Map<string, string>();
    const rows = this.all(
      `SELECT id, 's' || updated_at FROM sessions
       UNION ALL SELECT session_id, 'c' || count(*) || ':' || max(created_at) || ':' || group_concat(coalesce(label, ''), ',') FROM checkpoints GROUP BY session_id
       UNION ALL SELECT session_id, 't' || count(*) || ':' || max(ended_at) FROM turns GROUP BY session_id`,
      [],
    );
    for (const [id, part] of rows) out.set(String(id), (out.get(String(id)) ?? '') + String(part));
    return out;
  }

  // --- plumbing -----------------------------------------------------------------------------

  private prepared(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private run(sql: string, params: SqlValue[]): void {
    const st = this.prepared(sql);
    try {
      st.run(params);
    } finally {
      st.reset();
    }
  }

  private get(sql: string, params: SqlValue[]): SqlValue[] | undefined {
    const st = this.prepared(sql);
    try {
      st.bind(params);
      return st.step() ? st.get() : undefined;
    } finally {
      st.reset();
    }
  }

  private all(sql: string, params: SqlValue[]): SqlValue[][] {
    const st = this.prepared(sql);
    const rows: SqlValue[][] = [];
    try {
      st.bind(params);
      while (st.step()) rows.push(st.get());
    } finally {
      st.reset();
    }
    return rows;
  }

  private freeStatements(): void {
    for (const st of this.statements.values()) st.free();
    this.statements.clear();
  }
}

/** Garbage and truncation, from the file header alone (https://sqlite.org/fileformat.html). */
function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < 100 || !Buffer.from(bytes.buffer, bytes.byteOffset, 16).equals(SQLITE_HEADER)) {
    throw new CorruptDatabase(bytes.length === 0 ? 'empty file' : 'not an SQLite database');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 100);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pageCountValid = view.getUint32(92) === view.getUint32(24);
  const pageCount = view.getUint32(28);
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new CorruptDatabase(`bad page size ${rawPageSize}`);
  if (pageCountValid && pageCount > 0 && bytes.length < pageCount * pageSize) {
    throw new CorruptDatabase(`truncated: ${bytes.length} bytes of ${pageCount * pageSize}`);
  }
}

const CHECKPOINT_SELECT = 'SELECT id, session_id, created_at, cli_session_id, message_uuid, seq, label, snapshot_ref FROM checkpoints';

function toCheckpoint(r: SqlValue[]): CheckpointRecord {
  const c: CheckpointRecord = { id: String(r[0]), sessionId: String(r[1]), createdAt: Number(r[2]), seq: Number(r[5]) };
  if (r[3] !== null) c.cliSessionId = String(r[3]);
  if (r[4] !== null) c.messageUuid = String(r[4]);
  if (r[6] !== null) c.label = String(r[6]);
  if (r[7] !== null) c.snapshotRef = String(r[7]);
  return c;
}

function scalar(db: Database, sql: string): SqlValue | undefined {
  const res = db.exec(sql);
  return res[0]?.values[0]?.[0];
}

function migrate(db: Database, from: number): void {
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.run('BEGIN');
    try {
      MIGRATIONS[v]!(db);
      db.run(`PRAGMA user_version = ${v + 1}`);
      db.run('COMMIT');
    } catch (err) {
      db.run('ROLLBACK');
      throw err;
    }
  }
}
