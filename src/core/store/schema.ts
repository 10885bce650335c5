/**
 * The metadata database's file format: its schema and migrations, sql.js compiled once, and
 * telling a database file from garbage by its header before SQLite is asked.
 */
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

/** The newest schema this code knows. Bump it with a new entry in MIGRATIONS. */
export const SCHEMA_VERSION = 4;

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
  // A checkpoint's file count and, for an automatic one, the files its turn changed: they
  // were known only to the process that made it. NULL for older rows: not known. And the
  // sessions its restores started (JSON ids), so a fork shows the history it continues.
  (db) =>
    db.run(`
      ALTER TABLE checkpoints ADD COLUMN files INTEGER;
      ALTER TABLE checkpoints ADD COLUMN changed_files TEXT;
      ALTER TABLE checkpoints ADD COLUMN forks TEXT;
    `),
  // An automatic checkpoint's turn as it ended: the snapshot of the files then (a review tells
  // later changes from the turn's own by it) and the seq of its result (where the panel offers
  // the review). NULL for older rows: their turns cannot be reviewed.
  (db) =>
    db.run(`
      ALTER TABLE checkpoints ADD COLUMN after_ref TEXT;
      ALTER TABLE checkpoints ADD COLUMN end_seq INTEGER;
    `),
  // Which files each session's edit tool calls touched (touchedFiles.ts), keyed by the file.
  // Transcripts stored before this have their touches indexed once, in the background: the
  // `touched_files_backfill` mark says it is still to do (a migration cannot read transcripts).
  (db) =>
    db.run(`
      CREATE TABLE touched_files (
        path TEXT NOT NULL,
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        tool TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (path, session_id, seq)
      ) WITHOUT ROWID;
      CREATE INDEX touched_files_by_session ON touched_files (session_id);
      INSERT OR REPLACE INTO meta (key, value) VALUES ('touched_files_backfill', 'pending');
    `),
];

const sqlJsByWasm = new Map<string, Promise<SqlJsStatic>>();

/**
 * sql.js compiled once per process and wasm file: compiling is most of a cold open. Without a
 * path, sql.js looks beside its own script (the package's wasm); the bundles, whose script is
 * not beside a wasm, always pass theirs.
 */
export function loadSqlJs(wasmPath?: string): Promise<SqlJsStatic> {
  const key = wasmPath ?? '';
  let loading = sqlJsByWasm.get(key);
  if (!loading) {
    loading = initSqlJs(wasmPath === undefined ? {} : { locateFile: () => wasmPath });
    loading.catch(() => sqlJsByWasm.delete(key));
    sqlJsByWasm.set(key, loading);
  }
  return loading;
}

/** The file is not a database this code can read: move it aside. */
export class CorruptDatabase extends Error {}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Garbage and truncation, from the file header alone (https://sqlite.org/fileformat.html). */
export function checkHeader(bytes: Uint8Array): void {
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

export function migrate(db: Database, from: number): void {
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
