/**
 * Opening the detection database: pragmas chosen for durability, then migrations.
 *
 * - WAL: readers (the operator page) never block the writer, and a commit is one sequential
 *   append to the WAL.
 * - synchronous=FULL by default: in WAL mode NORMAL only syncs at checkpoints, so a power cut
 *   can lose the last commits; FULL syncs the WAL on every commit, so a detection reported
 *   stored survives (docs/store.md has the measured cost).
 * - auto_vacuum=INCREMENTAL (only settable before the first table): purged pages can be handed
 *   back to the file system a few at a time, so a full disk recovers without a blocking VACUUM.
 * - foreign_keys: images and hits go with their detection (ON DELETE CASCADE).
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { AlprError, errorMessage } from '../shared/errors.js';
import { StoreErrors } from './errors.js';
import { prepareDatabaseFile, restrictDatabaseFiles } from './file-modes.js';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations.js';

export type SynchronousMode = 'full' | 'normal';

export interface OpenOptions {
  synchronous: SynchronousMode;
  /** Stop at this schema version (tests of older databases); default latest. */
  version?: number;
}

export interface OpenResult {
  db: Database;
  /** Schema version found before migrating (0 = new file). */
  from: number;
  applied: number[];
}

/** WAL files above this are truncated after a checkpoint, so the quota sees real usage. */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

export function openDatabase(file: string, opts: OpenOptions): OpenResult {
  let db: Database;
  try {
    prepareDatabaseFile(file);
    db = new BetterSqlite3(file);
  } catch (err) {
    throw new AlprError(StoreErrors.STORE_OPEN_FAILED, { file, detail: errorMessage(err) }, { cause: err });
  }
  try {
    const from = schemaVersion(db);
    if (from > LATEST_VERSION) {
      throw new AlprError(StoreErrors.STORE_SCHEMA_TOO_NEW, { file, found: from, known: LATEST_VERSION });
    }
    if (from === 0) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    restrictDatabaseFiles(file);
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    // A reader (operator search) holding a lock must not fail a write; wait briefly instead.
    db.pragma('busy_timeout = 2000');
    let applied: number[];
    try {
      applied = migrate(db, opts.version);
    } catch (err) {
      throw new AlprError(StoreErrors.STORE_MIGRATION_FAILED, { file, version: schemaVersion(db) + 1, detail: errorMessage(err) }, { cause: err });
    }
    return { db, from, applied };
  } catch (err) {
    db.close();
    if (err instanceof AlprError) throw err;
    throw new AlprError(StoreErrors.STORE_OPEN_FAILED, { file, detail: errorMessage(err) }, { cause: err });
  }
}

/** True for SQLite's "disk full" and the OS's ENOSPC, however they surface. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || (err instanceof Error && /database or disk is full/i.test(err.message));
}
