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
 *
 * Which tables: every table of the fresh database's schema (`copyPlan`), so a table a later
 * migration adds is recovered without a change here; the few left out are in `NOT_COPIED` with
 * the reason (test/store/recovery-tables.test.ts fails on a table that is neither).
 *
 * The AUTOINCREMENT marks (`sqlite_sequence`) are carried over after the rows: without them a
 * lost end of the audit log (its last page unreadable) would look like a whole log, since the
 * audit's verify() finds a deleted end only by the mark, and ids above the highest row recovered
 * (hits, audit rows, already alerted or uploaded) would be given out again.
 */
import { closeSync, copyFileSync, existsSync, openSync, readSync, renameSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { errorMessage } from '../shared/errors.js';

/**
 * Tables of the schema deliberately not copied, with why. Everything else is copied.
 * (The schema version is `PRAGMA user_version`, set by the migrations of the fresh database, not a table.)
 */
export const NOT_COPIED: Readonly<Record<string, string>> = {
  sqlite_sequence:
    "SQLite's own AUTOINCREMENT high-water marks: not copied as rows (the table has no key, a row copy would add a second mark per table) " +
    'but carried over after the rows by carrySequences, each mark raised to the damaged file\'s',
};
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
  for (const t of copyPlan(db).copy) {
    db.prepare(`SELECT * FROM "${t}" ORDER BY rowid LIMIT 1`).all();
    db.prepare(`SELECT * FROM "${t}" ORDER BY rowid DESC LIMIT 1`).all();
  }
  db.prepare('SELECT count(*) FROM outbox').get();
}

export interface CopyPlan {
  /** Tables to copy, in this order. */
  copy: string[];
  /** Tables of the schema not copied, with why (`NOT_COPIED`, and the shadow tables of a virtual table). */
  skip: Record<string, string>;
}

/**
 * The tables of `db`'s schema to copy, in an order where a table comes after
 *  - the tables its foreign keys point at (the copy runs with foreign keys off, so this is not
 *    needed today; it keeps the order right should a copy ever run with them on), and
 *  - the tables its triggers write: the corrections trigger queues each new correction in the
 *    outbox, so the outbox rows of the damaged file are copied first and the trigger only queues
 *    the corrections whose outbox row is not there (lost, or already sent: the server stores a
 *    correction once, so a repeat is harmless). Copied the other way round, the rows it made
 *    would take the ids of outbox rows still to be copied, and those would be lost.
 * A cycle falls back to the order the tables were created in.
 */
export function copyPlan(db: Database): CopyPlan {
  const rows = db
    .prepare(
      `SELECT m.name AS name, l.type AS type FROM sqlite_master m LEFT JOIN pragma_table_list l ON l.schema = 'main' AND l.name = m.name
       WHERE m.type = 'table' ORDER BY m.rowid`,
    )
    .all() as { name: string; type: string | null }[];
  const skip: Record<string, string> = {};
  const tables: string[] = [];
  for (const r of rows) {
    const why = NOT_COPIED[r.name] ?? (r.type === 'shadow' ? 'written by its virtual table, which is copied' : undefined);
    if (why) skip[r.name] = why;
    else tables.push(r.name);
  }
  const known = new Set(tables);
  const before = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const t of tables) {
    for (const fk of db.prepare('SELECT "table" AS parent FROM pragma_foreign_key_list(?)').all(t) as { parent: string }[]) {
      if (fk.parent !== t && known.has(fk.parent)) before.get(t)!.add(fk.parent);
    }
  }
  for (const trg of db.prepare(`SELECT tbl_name AS on_table, sql FROM sqlite_master WHERE type = 'trigger'`).all() as { on_table: string; sql: string | null }[]) {
    if (!known.has(trg.on_table)) continue;
    for (const target of triggerTargets(trg.sql ?? '')) {
      if (target !== trg.on_table && known.has(target)) before.get(trg.on_table)!.add(target);
    }
  }
  const copy: string[] = [];
  const done = new Set<string>();
  while (copy.length < tables.length) {
    const ready = tables.find((t) => !done.has(t) && [...before.get(t)!].every((p) => done.has(p)));
    const next = ready ?? tables.find((t) => !done.has(t))!;
    copy.push(next);
    done.add(next);
  }
  return { copy, skip };
}

/** Tables a trigger's body writes (INSERT, REPLACE, UPDATE, DELETE), by name. */
function triggerTargets(sql: string): string[] {
  const begin = sql.search(/\bBEGIN\b/i);
  if (begin < 0) return [];
  const body = sql.slice(begin + 'BEGIN'.length);
  const targets: string[] = [];
  for (const m of body.matchAll(/\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(?:main\.)?["`[]?(\w+)/gi)) {
    targets.push(m[1]!);
  }
  return targets;
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
    for (const table of copyPlan(db).copy) {
      try {
        const n = copyTable(src, db, table, report);
        if (n > 0) report.copied[table] = n;
      } catch (err) {
        report.unreadable.push(`${table}: ${errorMessage(err)}`);
      }
    }
    carrySequences(src, db, report);
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

/**
 * Raises each AUTOINCREMENT mark of `dst` to the damaged file's, for the tables both have. The
 * copy already raised each mark to the highest id copied; rows lost from a table's end leave
 * the damaged file's mark higher, and that is the one that must win.
 */
function carrySequences(src: Database, dst: Database, report: RecoveryReport): void {
  let marks: { name: string; seq: number }[];
  try {
    marks = src.prepare('SELECT name, seq FROM sqlite_sequence').all() as { name: string; seq: number }[];
  } catch (err) {
    report.unreadable.push(`sqlite_sequence: ${errorMessage(err)}`);
    return;
  }
  const tables = new Set(copyPlan(dst).copy);
  const raise = dst.prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?');
  const add = dst.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)');
  dst.transaction(() => {
    for (const { name, seq } of marks) {
      if (!tables.has(name) || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) continue;
      if (raise.run(seq, name).changes === 0) add.run(name, seq);
    }
  })();
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