/**
 * The metadata database: sessions, per-turn metrics, checkpoint rows, the files sessions
 * touched and tombstones, in one sql.js (SQLite in WebAssembly) database held in memory and
 * saved whole. It holds no message text, so it stays small (kilobytes per session) and a whole-database export stays cheap.
 *
 * Every mutation here is idempotent and ordered by timestamps, so the store can replay a
 * window's pending changes on top of another window's newer file (see sessionStore.ts).
 */
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { ShannonError } from '../errors';
import { LIVE_STATES, type SessionRecord, type SessionState, type TurnMetrics } from '../session/types';
import { CHECKPOINT_SELECT, optional, scalar, Statements, toCheckpoint, tokenColumns, toRecord } from './metaRows';
import { checkHeader, CorruptDatabase, migrate, SCHEMA_VERSION } from './schema';
import type { FileTouch, SessionTouch, TouchQuery } from './touchedFiles';
import type { Checkpoint, SessionFilter, UsageQuery, UsageRow } from './types';
import type { UsageCell, UsageTurn } from './usageTypes';

/** A result row by column name (or alias). */
export interface SessionRow {
  record: SessionRecord;
  owner: string | undefined;
}

export class MetaDb {
  private readonly sql: Statements;

  private constructor(private readonly db: Database) {
    this.sql = new Statements(db);
    MetaDb.keepJournalInMemory(db);
  }

  /**
   * SQLite's rollback journal is a file by default, and in sql.js a file is a growable array
   * in Emscripten's in-memory file system: every autocommit statement created, grew and
   * deleted one, which made a session write cost 2-3× what it does with the journal in memory
   * (100-146 µs against 48 µs, side by side, for a 2 KB record). Durability is unchanged: the database lives in memory either way
   * and reaches disk only as a whole export. The setting belongs to the connection, and
   * export() reopens it, so it is set again there.
   */
  private static keepJournalInMemory(db: Database): void {
    db.run('PRAGMA journal_mode = MEMORY');
  }

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
    this.sql.free();
    const bytes = this.db.export();
    MetaDb.keepJournalInMemory(this.db);
    return bytes;
  }

  close(): void {
    this.sql.free();
    this.db.close();
  }

  // --- sessions -----------------------------------------------------------------------------

  /**
   * Writes `record` unless the stored copy is newer (by updatedAt; a tie goes to the incoming
   * record) or the session was deleted at or after `record.updatedAt`. Returns whether it wrote.
   */
  mergeSession(record: SessionRecord, owner: string | undefined): boolean {
    const existing = this.sql.get('SELECT updated_at, state, owner FROM sessions WHERE id = ?', [record.id]);
    if (existing && Number(existing.updated_at) > record.updatedAt) return false;
    // A window that edits a session another window is running (pins it, renames it) does not
    // become its owner: the owner is whoever made it live.
    if (owner !== undefined && existing && existing.owner !== null && LIVE_STATES.includes(String(existing.state) as SessionState)) owner = String(existing.owner);
    const tomb = this.sql.get("SELECT deleted_at FROM tombstones WHERE kind = 'session' AND id = ?", [record.id]);
    if (tomb && Number(tomb.deleted_at) >= record.updatedAt) return false;
    if (tomb) this.sql.run("DELETE FROM tombstones WHERE kind = 'session' AND id = ?", [record.id]);
    this.sql.run(
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
    const row = this.sql.get('SELECT record FROM sessions WHERE id = ?', [id]);
    return row ? toRecord(row) : undefined;
  }

  hasSession(id: string): boolean {
    return this.sql.get('SELECT 1 FROM sessions WHERE id = ?', [id]) !== undefined;
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
    return this.sql.all(sql, params).map(toRecord);
  }

  /** Ids (and workspace folders) of every session, for the search filter. */
  sessionFolders(): Map<string, string> {
    return new Map(this.sql.all('SELECT id, workspace_folder FROM sessions', []).map((r) => [String(r.id), String(r.workspace_folder)]));
  }

  /** Sessions recorded in a live state, with the store instance that owns them. */
  liveSessions(): SessionRow[] {
    const states = LIVE_STATES;
    return this.sql.all(`SELECT record, owner FROM sessions WHERE state IN (${states.map(() => '?').join(', ')})`, [...states]).map((r) => ({
      record: toRecord(r),
      owner: optional(r.owner),
    }));
  }

  /** Sessions that retention may remove, oldest first. */
  prunable(liveStates: readonly SessionState[]): Array<{ id: string; updatedAt: number }> {
    return this.sql.all(
      `SELECT id, updated_at FROM sessions WHERE pinned = 0 AND state NOT IN (${liveStates.map(() => '?').join(', ')}) ORDER BY updated_at, id`,
      [...liveStates],
    ).map((r) => ({ id: String(r.id), updatedAt: Number(r.updated_at) }));
  }

  /** Removes the session, its checkpoint rows and (unless kept for usage totals) its turns. */
  deleteSession(id: string, deletedAt: number, keepUsage: boolean): void {
    this.sql.run('DELETE FROM sessions WHERE id = ?', [id]);
    this.sql.run('DELETE FROM checkpoints WHERE session_id = ?', [id]);
    this.sql.run('DELETE FROM touched_files WHERE session_id = ?', [id]);
    if (!keepUsage) {
      this.sql.run('DELETE FROM turns WHERE session_id = ?', [id]);
      this.sql.run('DELETE FROM turns_rolled_up WHERE session_id = ?', [id]);
    }
    this.sql.run("INSERT OR REPLACE INTO tombstones (kind, id, deleted_at) VALUES ('session', ?, max(?, coalesce((SELECT deleted_at FROM tombstones WHERE kind = 'session' AND id = ?), 0)))", [
      id,
      deletedAt,
      id,
    ]);
  }

  deletedSessions(): Set<string> {
    return new Set(this.sql.all("SELECT id FROM tombstones WHERE kind = 'session'", []).map((r) => String(r.id)));
  }

  /** Tombstones only need to outlive every other window's unsaved copy. */
  forgetTombstones(before: number): void {
    this.sql.run('DELETE FROM tombstones WHERE deleted_at < ?', [before]);
  }

  // --- turns and usage ----------------------------------------------------------------------

  recordTurn(m: TurnMetrics, day: string): void {
    const rolled = this.sql.get('SELECT max_turn FROM turns_rolled_up WHERE session_id = ?', [m.sessionId]);
    if (rolled && m.turn <= Number(rolled.max_turn)) return;
    const folder = this.sql.get('SELECT workspace_folder FROM sessions WHERE id = ?', [m.sessionId]);
    this.sql.run(
      `INSERT OR REPLACE INTO turns (session_id, turn, ended_at, day, workspace_folder, model, input_tokens, output_tokens,
         cache_read_input_tokens, cache_creation_input_tokens, cost_usd, duration_ms, duration_api_ms, num_turns, is_error, subtype)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        m.sessionId,
        m.turn,
        m.endedAt,
        day,
        folder ? String(folder.workspace_folder) : null,
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
    return this.sql.all(
      `SELECT session_id, turn, ended_at, model, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens,
         cost_usd, duration_ms, duration_api_ms, num_turns, is_error, subtype FROM turns WHERE session_id = ? ORDER BY turn`,
      [sessionId],
    ).map((r) => ({
      sessionId: String(r.session_id),
      turn: Number(r.turn),
      endedAt: Number(r.ended_at),
      ...(r.model === null ? {} : { model: String(r.model) }),
      ...tokenColumns(r),
      durationMs: Number(r.duration_ms),
      durationApiMs: Number(r.duration_api_ms),
      numTurns: Number(r.num_turns),
      isError: r.is_error === 1,
      subtype: String(r.subtype),
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
    return this.sql.all(
      `SELECT k, sum(i) AS i, sum(o) AS o, sum(cr) AS cr, sum(cc) AS cc, sum(c) AS c, sum(n) AS n FROM (
         SELECT ${detailKey} AS k, input_tokens AS i, output_tokens AS o, cache_read_input_tokens AS cr,
           cache_creation_input_tokens AS cc, cost_usd AS c, 1 AS n FROM turns t${where(detailWhere)}
         UNION ALL
         SELECT ${dailyKey}, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens, cost_usd, turns
           FROM usage_daily${where(dailyWhere)}
       ) GROUP BY k ORDER BY k`,
      [...params, ...dailyParams],
    ).map((r) => ({
      key: String(r.k),
      inputTokens: Number(r.i),
      outputTokens: Number(r.o),
      cacheReadInputTokens: Number(r.cr),
      cacheCreationInputTokens: Number(r.cc),
      costUsd: Number(r.c),
      turns: Number(r.n),
    }));
  }

  /**
   * A time before which at most about `count` turns ended, and none at or after `before`:
   * rolling up to it is one bounded step. Undefined when no turn ended before `before`.
   */
  rollUpStep(before: number, count: number): number | undefined {
    if (this.sql.get('SELECT 1 FROM turns WHERE ended_at < ? LIMIT 1', [before]) === undefined) return undefined;
    const nth = this.sql.get('SELECT ended_at FROM turns WHERE ended_at < ? ORDER BY ended_at LIMIT 1 OFFSET ?', [before, count]);
    return nth === undefined ? before : Math.min(before, Number(nth.ended_at) + 1);
  }

  /**
   * Moves turns that ended before `at` into per-day sums. Idempotent: replayed on another
   * window's copy it moves only what that copy still holds in detail.
   */
  rollUpTurns(at: number): void {
    this.sql.run('BEGIN', []);
    try {
      this.sql.run(
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
      this.sql.run(
        `INSERT INTO turns_rolled_up (session_id, max_turn) SELECT session_id, max(turn) FROM turns WHERE ended_at < ? GROUP BY session_id
         ON CONFLICT (session_id) DO UPDATE SET max_turn = max(max_turn, excluded.max_turn)`,
        [at],
      );
      this.sql.run('DELETE FROM turns WHERE ended_at < ?', [at]);
      this.sql.run('COMMIT', []);
    } catch (err) {
      this.sql.run('ROLLBACK', []);
      throw err;
    }
  }

  // --- touched files (touchedFiles.ts) -----------------------------------------------------

  /** Records edit tool calls; one already recorded, or of a deleted session, is left as it is. */
  addTouches(touches: readonly FileTouch[]): void {
    for (const t of touches) {
      if (this.sql.get("SELECT 1 FROM tombstones WHERE kind = 'session' AND id = ?", [t.sessionId])) continue;
      this.sql.run('INSERT OR IGNORE INTO touched_files (path, session_id, seq, tool, at) VALUES (?, ?, ?, ?, ?)', [t.path, t.sessionId, t.seq, t.tool, t.at]);
    }
  }

  /** The stored sessions that touched `file` (a touchedFilePath), each by its newest touch, newest first. */
  sessionsTouching(file: string, q: TouchQuery = {}): SessionTouch[] {
    const params: SqlValue[] = [file];
    let folder = '';
    if (q.workspaceFolder !== undefined) {
      folder = ' AND s.workspace_folder = ?';
      params.push(q.workspaceFolder);
    }
    let limit = '';
    if (q.limit !== undefined) {
      limit = ' LIMIT ?';
      params.push(q.limit);
    }
    // SQLite takes the bare columns (seq, tool, at) from the row holding the max(): the newest
    // touch by time, then by seq (ms times × 10^6 stay far below 2^63).
    return this.sql.all(
      `SELECT t.session_id, t.path, t.seq, t.tool, max(t.at * 1000000 + t.seq) AS newest, t.at, count(*) AS edits
       FROM touched_files t JOIN sessions s ON s.id = t.session_id
       WHERE t.path = ?${folder} GROUP BY t.session_id ORDER BY newest DESC, t.session_id${limit}`,
      params,
    ).map((r) => ({ sessionId: String(r.session_id), path: String(r.path), seq: Number(r.seq), tool: String(r.tool), at: Number(r.at), edits: Number(r.edits) }));
  }

  /** The files a session touched, each once. */
  filesTouchedBy(sessionId: string): string[] {
    return this.sql.all('SELECT DISTINCT path FROM touched_files WHERE session_id = ? ORDER BY path', [sessionId]).map((r) => String(r.path));
  }

  /** A value of the `meta` table (marks of one-off work, see schema.ts). */
  metaValue(key: string): string | undefined {
    return optional(this.sql.get('SELECT value FROM meta WHERE key = ?', [key])?.value);
  }

  setMetaValue(key: string, value: string): void {
    this.sql.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, value]);
  }

  // --- checkpoints --------------------------------------------------------------------------

  /** Writes the row unless it was deleted (checkpoints are immutable once made, bar the label). */
  putCheckpoint(c: Checkpoint): boolean {
    if (this.sql.get("SELECT 1 FROM tombstones WHERE kind = 'checkpoint' AND id = ?", [c.id])) return false;
    if (this.sql.get("SELECT 1 FROM tombstones WHERE kind = 'session' AND id = ?", [c.sessionId])) return false;
    this.sql.run(
      `INSERT OR REPLACE INTO checkpoints (id, session_id, created_at, cli_session_id, message_uuid, seq, label, snapshot_ref, files, changed_files, forks, after_ref, end_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.id, c.sessionId, c.createdAt, c.cliSessionId ?? null, c.messageUuid ?? null, c.seq, c.label || null, c.snapshotRef ?? null, c.files ?? null, c.changedFiles ? JSON.stringify(c.changedFiles) : null, c.forks ? JSON.stringify(c.forks) : null, c.afterRef ?? null, c.endSeq ?? null],
    );
    return true;
  }

  getCheckpoint(id: string): Checkpoint | undefined {
    return this.sql.all(`${CHECKPOINT_SELECT} WHERE id = ?`, [id]).map(toCheckpoint)[0];
  }

  listCheckpoints(sessionId?: string): Checkpoint[] {
    return sessionId === undefined
      ? this.sql.all(`${CHECKPOINT_SELECT} ORDER BY created_at, id`, []).map(toCheckpoint)
      : this.sql.all(`${CHECKPOINT_SELECT} WHERE session_id = ? ORDER BY created_at, id`, [sessionId]).map(toCheckpoint);
  }

  deleteCheckpoint(id: string, deletedAt: number): void {
    this.sql.run('DELETE FROM checkpoints WHERE id = ?', [id]);
    this.sql.run("INSERT OR REPLACE INTO tombstones (kind, id, deleted_at) VALUES ('checkpoint', ?, ?)", [id, deletedAt]);
  }

  /**
   * A value per session that changes whenever anything about it changes: diffing two of
   * these tells which sessions another window touched.
   */
  fingerprint(): Map<string, string> {
    const out = new Map<string, string>();
    const rows = this.sql.all(
      `SELECT id, 's' || updated_at AS part FROM sessions
       UNION ALL SELECT session_id, 'c' || count(*) || ':' || max(created_at) || ':' || group_concat(coalesce(label, '') || '/' || coalesce(changed_files, ''), ',') FROM checkpoints GROUP BY session_id
       UNION ALL SELECT session_id, 't' || count(*) || ':' || max(ended_at) FROM turns GROUP BY session_id`,
      [],
    );
    for (const { id, part } of rows) out.set(String(id), (out.get(String(id)) ?? '') + String(part));
    return out;
  }

  // --- usage dashboard --------------------------------------------------------------------

  /**
   * The per-day sums older turns were rolled into (usage_daily), per (local day, model,
   * workspace folder), for days overlapping [since, until). Turns still kept in detail are not
   * here: `turnsBetween` has them.
   */
  rolledUpUsage(since: number, until: number): UsageCell[] {
    const sql = `SELECT day, model, workspace_folder, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens, cost_usd, turns
      FROM usage_daily WHERE last_ended_at >= ? AND first_ended_at < ? ORDER BY day, model, workspace_folder`;
    return this.sql.all(sql, [since, until]).map((r) => ({ day: String(r.day), model: String(r.model), workspaceFolder: String(r.workspace_folder), ...tokenColumns(r), turns: Number(r.turns) }));
  }

  /** Every turn that ended in [since, until), oldest first, with its session's folder (detail window only). */
  turnsBetween(since: number, until: number): UsageTurn[] {
    const sql = `SELECT t.session_id, t.turn, t.ended_at, t.duration_ms, coalesce(t.model, '') AS model,
        coalesce(t.workspace_folder, (SELECT s.workspace_folder FROM sessions s WHERE s.id = t.session_id), '') AS workspace_folder,
        t.input_tokens, t.output_tokens, t.cache_read_input_tokens, t.cache_creation_input_tokens, t.cost_usd, t.day
      FROM turns t WHERE t.ended_at >= ? AND t.ended_at < ? ORDER BY t.ended_at, t.session_id, t.turn`;
    return this.sql.all(sql, [since, until]).map((r) => ({
      sessionId: String(r.session_id),
      turn: Number(r.turn),
      endedAt: Number(r.ended_at),
      durationMs: Number(r.duration_ms),
      model: String(r.model),
      workspaceFolder: String(r.workspace_folder),
      ...tokenColumns(r),
      day: String(r.day),
    }));
  }
}
