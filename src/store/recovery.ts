/**
 * A damaged database file must not stop the daemon: reading plates and alerting matter more than
 * yesterday's rows (issue 17 item 4: a garbage header, a truncated file or a garbled b-tree page
 * used to exit 1 at start, a restart loop under systemd). The damaged file is moved aside, never
 * deleted (the administrator may want it, or a better tool), a fresh database is opened, and
 * whatever rows can still be read are copied over.
 *
 * The copy walks each table in rowid order through SQLite itself (read-only); when a page cannot
 * be read it skips ahead in growing steps to the next readable row, so one bad page costs the
 * rows on it, not the rest of the table. Bounded: at most `MAX_PROBES` failed probes per table.
 */
import { existsSync, renameSync } from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { errorMessage } from '../shared/errors.js';

/** Tables copied, parents before children (the copy runs with foreign keys off either way). */
const TABLES = ['detections', 'images', 'hits', 'hit_alerts', 'users', 'audit', 'outbox'] as const;
const PAGE_ROWS = 256;
const MAX_PROBES = 4096;

export interface RecoveryReport {
  /** Where the damaged file now is. */
  aside: string;
  /** Rows copied per table. */
  copied: Record<string, number>;
  /** Tables (or the whole file) that could not be read at all, with why. */
  unreadable: string[];
  /** Read errors skipped over while copying. */
  skipped: number;
}

/** True when an error (or its cause) says the file is not a usable SQLite database. */
export function isDamaged(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT_VTAB' || code === 'SQLITE_CORRUPT_INDEX') return true;
    if (e instanceof Error && /malformed|not a database|file is encrypted|disk image/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Renames the database and its WAL/SHM to `<file>.damaged-<time>` (a WAL keeps its `-wal`
 * suffix so SQLite still reads it with the moved file). Returns the new name.
 */
export function moveAside(file: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let aside = `${file}.damaged-${stamp}`;
  for (let i = 1; existsSync(aside); i++) aside = `${file}.damaged-${stamp}-${i}`;
  renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

/** Copies what can be read from `aside` into the fresh, migrated database `db`. Never throws. */
export function recoverInto(aside: string, db: Database): RecoveryReport {
  const report: RecoveryReport = { aside, copied: {}, unreadable: [], skipped: 0 };
  let src: Database;
  try {
    src = new BetterSqlite3(aside, { readonly: true, fileMustExist: true });
    src.pragma('query_only = ON');
  } catch (err) {
    report.unreadable.push(`file: ${errorMessage(err)}`);
    return report;
  }
  const fk = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    for (const table of TABLES) {
      try {
        const n = copyTable(src, db, table, report);
        if (n > 0) report.copied[table] = n;
      } catch (err) {
        report.unreadable.push(`${table}: ${errorMessage(err)}`);
      }
    }
    // Detections not uploaded whose outbox row was on a lost page would never be sent: queue them.
    const requeued = db
      .prepare(
        `INSERT OR IGNORE INTO outbox (stream, ref, priority, state, enqueued_at)
         SELECT 'detection', n, CASE WHEN hit_count > 0 THEN 1 ELSE 0 END, 0, stored_at FROM detections WHERE uploaded_at IS NULL`,
      )
      .run().changes;
    if (requeued > 0) report.copied.outbox_requeued = requeued;
  } finally {
    db.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
    src.close();
  }
  return report;
}

function columnsOf(db: Database, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
}

function copyTable(src: Database, dst: Database, table: string, report: RecoveryReport): number {
  const have = new Set(columnsOf(src, table));
  if (have.size === 0) return 0; // not in the damaged file's schema (older version) or schema unreadable
  const cols = columnsOf(dst, table).filter((c) => have.has(c));
  const list = cols.map((c) => `"${c}"`).join(', ');
  const page = src.prepare(`SELECT rowid AS _rowid_, ${list} FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE_ROWS}`);
  const one = src.prepare(`SELECT rowid AS _rowid_ FROM "${table}" WHERE rowid >= ? ORDER BY rowid LIMIT 1`);
  // The append-only audit log refuses updates, not inserts: OR IGNORE only skips a row already there.
  const insert = dst.prepare(`INSERT OR IGNORE INTO "${table}" (${list}) VALUES (${cols.map(() => '?').join(', ')})`);
  let after = 0;
  let copied = 0;
  let probes = 0;
  for (;;) {
    let rows: Record<string, unknown>[];
    try {
      rows = page.all(after) as Record<string, unknown>[];
    } catch {
      report.skipped++;
      // Skip ahead past the unreadable page: the next row that can be found by its rowid.
      const next = probe(one, after, () => ++probes <= MAX_PROBES);
      if (next === null) break;
      after = next - 1;
      continue;
    }
    if (rows.length === 0) break;
    dst.transaction(() => {
      for (const r of rows) {
        try {
          copied += insert.run(...cols.map((c) => r[c])).changes;
        } catch {
          report.skipped++; // a row that breaks a constraint of the fresh schema stays behind
        }
      }
    })();
    after = rows[rows.length - 1]!._rowid_ as number;
  }
  return copied;
}

function probe(one: BetterSqlite3.Statement, after: number, budget: () => boolean): number | null {
  let from = after + 1;
  for (let step = 1; budget(); step *= 2) {
    try {
      const r = one.get(from) as { _rowid_: number } | undefined;
      return r ? r._rowid_ : null;
    } catch {
      from += step;
      if (from > Number.MAX_SAFE_INTEGER / 2) return null;
    }
  }
  return null;
}
