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
import { closeSync, copyFileSync, existsSync, openSync, readSync, renameSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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
 * Cheap checks at open that a damaged file fails before the daemon relies on it: the file is as
 * long as its header says (a truncated copy otherwise opens and fails on the first missing
 * page), and the first and last rows of every table can be read. Throws a damage error. Damage
 * deeper inside is for `quick_check` (integrity-check.ts), which reads every page.
 */
export function probeDatabase(file: string, db: Database): void {
  const walBytes = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
  if (walBytes === 0) {
    const header = Buffer.alloc(100);
    const fd = openSync(file, 'r');
    let read: number;
    try {
      read = readSync(fd, header, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
    // Header fields (sqlite.org/fileformat2.html 1.3): page size at 16, page count at 28, valid
    // when the change counter (24) equals version-valid-for (92).
    if (read === 100) {
      const raw = header.readUInt16BE(16);
      const pageSize = raw === 1 ? 65536 : raw;
      const pages = header.readUInt32BE(28);
      const size = statSync(file).size;
      if (header.readUInt32BE(24) === header.readUInt32BE(92) && pages * pageSize > size) {
        throw new Error(`database disk image is malformed: the file is truncated (${size} of ${pages * pageSize} bytes)`);
      }
    }
  }
  const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
  for (const t of TABLES) {
    if (!tables.has(t)) continue;
    db.prepare(`SELECT * FROM "${t}" ORDER BY rowid LIMIT 1`).all();
    db.prepare(`SELECT * FROM "${t}" ORDER BY rowid DESC LIMIT 1`).all();
  }
  db.prepare('SELECT count(*) FROM outbox').get();
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
  // Read the moved-aside file as it is; if SQLite refuses it whole (a garbage header, a header
  // that promises more pages than a truncated file holds), read a copy with a rebuilt header.
  let source = aside;
  let src = openReadable(source);
  let scratch: string | null = null;
  if (!src) {
    scratch = repairedCopy(aside);
    src = scratch ? openReadable(scratch) : null;
    source = scratch ?? aside;
  }
  if (!src) {
    if (scratch) rmSync(scratch, { force: true });
    report.unreadable.push(`file: neither the file nor a copy with a rebuilt header could be read`);
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
    if (scratch) rmSync(scratch, { force: true });
    if (source !== aside) report.unreadable.push('header: rebuilt to read the file');
  }
  return report;
}

/** The file opened read-only with its schema readable, or null. */
function openReadable(file: string): Database | null {
  let src: Database | null = null;
  try {
    src = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    src.pragma('query_only = ON');
    src.prepare('SELECT count(*) FROM sqlite_master').get();
    return src;
  } catch {
    src?.close();
    return null;
  }
}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Page sizes to try for a header that no longer says: SQLite's default (ours) first. */
const PAGE_SIZES = [4096, 1024, 2048, 8192, 16384, 32768, 65536, 512];

/**
 * A scratch copy of `file` (next to it) whose 100-byte header is rebuilt: magic, page size, a
 * page count that matches the file, rollback-journal mode, no free-list. Enough for SQLite to
 * read the b-trees, which is all a recovery needs. Tried with each page size until the schema
 * reads. Null when there is no room for the copy or nothing works. The moved-aside file itself
 * is never written.
 */
function repairedCopy(file: string): string | null {
  const size = statSync(file).size;
  const fs = statfsSync(dirname(file));
  if (fs.bavail * fs.bsize < size * 1.1 + 1024 * 1024) return null;
  const scratch = `${file}.recovering`;
  copyFileSync(file, scratch);
  const original = Buffer.alloc(100);
  const fd = openSync(scratch, 'r+');
  try {
    readSync(fd, original, 0, 100, 0);
    const intact = original.subarray(0, 16).equals(MAGIC);
    for (const pageSize of PAGE_SIZES) {
      const h = Buffer.alloc(100);
      MAGIC.copy(h, 0);
      h.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
      h[18] = 1; // write version: rollback journal (a WAL of a moved file is not used)
      h[19] = 1;
      h[20] = 0;
      h[21] = 64;
      h[22] = 32;
      h[23] = 32;
      h.writeUInt32BE(1, 24); // change counter ...
      h.writeUInt32BE(Math.floor(size / pageSize), 28); // ... and page count that matches the file
      h.writeUInt32BE(1, 40); // schema cookie
      h.writeUInt32BE(4, 44); // schema format
      h.writeUInt32BE(1, 56); // UTF-8
      if (intact) {
        original.copy(h, 52, 52, 56); // largest root page (auto-vacuum) and user version as they were
        original.copy(h, 60, 60, 64);
      }
      h.writeUInt32BE(1, 92); // version-valid-for = change counter
      h.writeUInt32BE(3_040_001, 96);
      writeSync(fd, h, 0, 100, 0);
      const db = openReadable(scratch);
      if (db) {
        db.close();
        return scratch;
      }
    }
  } finally {
    closeSync(fd);
  }
  rmSync(scratch, { force: true });
  return null;
}
function columnsOf(db: Database, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
}

function copyTable(src: Database, dst: Database, table: string, report: RecoveryReport): number {
  const have = new Set(columnsOf(src, table));
  if (have.size === 0) return 0; // not in the damaged file's schema (older version) or schema unreadable
  const cols = columnsOf(dst, table).filter((c) => have.has(c));
  const list = cols.map((c) => `"${c}"`).join(', ');
  // Row ids first (the b-tree only), then each row by id: a row whose payload (an image's
  // overflow pages) is lost costs that row, not the page of rows around it.
  const ids = src.prepare(`SELECT rowid AS id FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE_ROWS}`).pluck();
  const row = src.prepare(`SELECT ${list} FROM "${table}" WHERE rowid = ?`);
  const next = src.prepare(`SELECT rowid AS id FROM "${table}" WHERE rowid >= ? ORDER BY rowid LIMIT 1`).pluck();
  // The append-only audit log refuses updates, not inserts: OR IGNORE only skips a row already there.
  const insert = dst.prepare(`INSERT OR IGNORE INTO "${table}" (${list}) VALUES (${cols.map(() => '?').join(', ')})`);
  let after = 0;
  let copied = 0;
  let probes = 0;
  const copy = (id: number): void => {
    try {
      const r = row.get(id) as Record<string, unknown> | undefined;
      if (r) copied += insert.run(...cols.map((c) => r[c])).changes;
    } catch {
      report.skipped++; // unreadable payload, or a row the fresh schema refuses
    }
  };
  for (;;) {
    let batch: number[];
    try {
      batch = ids.all(after) as number[];
    } catch {
      report.skipped++;
      // Past the unreadable b-tree page: the next row that can be found by its id. Each miss
      // moves on by at least one row, and the probes are bounded.
      const found = probe(next, after, () => ++probes <= MAX_PROBES);
      if (found === null) break;
      dst.transaction(() => copy(found))();
      after = found;
      continue;
    }
    if (batch.length === 0) break;
    dst.transaction(() => batch.forEach(copy))();
    after = batch[batch.length - 1]!;
  }
  return copied;
}
function probe(next: BetterSqlite3.Statement, after: number, budget: () => boolean): number | null {
  let from = after + 1;
  for (let step = 1; budget(); step *= 2) {
    try {
      const id = next.get(from) as number | undefined;
      return id ?? null;
    } catch {
      from += step;
      if (from > Number.MAX_SAFE_INTEGER / 2) return null;
    }
  }
  return null;
}