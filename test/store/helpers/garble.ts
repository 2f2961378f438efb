/** Damage made by the recovery tests: `length` bytes of junk written over a database file at `offset`. */
import { closeSync, openSync, writeSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

export function garble(file: string, offset: number, length: number): void {
  const junk = Buffer.alloc(length);
  for (let i = 0; i < length; i++) junk[i] = (i * 97 + 13) & 0xff;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, junk, 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `n` rows of the audit log gone, as when the page holding the log's end is unreadable:
 * deleted past the append-only trigger (dropped and put back), leaving SQLite's AUTOINCREMENT
 * mark where it was. Returns the highest id the log had.
 */
export function loseAuditEnd(file: string, n: number): number {
  const db = new BetterSqlite3(file);
  try {
    const trigger = (db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_no_delete'`).get() as { sql: string }).sql;
    const last = (db.prepare('SELECT max(id) AS id FROM audit').get() as { id: number }).id;
    db.transaction(() => {
      db.exec('DROP TRIGGER audit_no_delete');
      db.prepare('DELETE FROM audit WHERE id > ?').run(last - n);
      db.exec(trigger);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return last;
  } finally {
    db.close();
  }
}
