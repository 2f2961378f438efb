import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { LATEST_VERSION, MIGRATIONS, schemaVersion } from '../../src/store/migrations.js';
import { openTestStore } from './helpers/fixtures.js';
import { testTempDir } from '../helpers/temp-dir.js';

let dir: string;
beforeEach(() => {
  dir = testTempDir('alpr-migrate-');
});

const DETECTION_ID = '019b7c1e-0000-7000-8000-000000000001';

/** Rows an older version could hold, written with that version's own columns. */
function seed(db: BetterSqlite3.Database, version: number): void {
  if (version >= 1) {
    db.prepare(
      `INSERT INTO detections (id, device_id, camera_id, text, confidence, candidates, region, first_seen, last_seen, best_at,
        frame_count, direction, box, lat, lon, position_trusted, position, hit_count, stored_at)
       VALUES (@id, 'unit-7', 'front', 'OLD123', 0.9, '[{"text":"OLD123","confidence":0.9}]', 'us', @at, @at, @at, 3, 'receding',
        '{"x":1,"y":2,"w":3,"h":4}', 38.5, -121.5, 1, NULL, 0, @at)`,
    ).run({ id: DETECTION_ID, at: Date.UTC(2026, 0, 1) });
    db.prepare("INSERT INTO images (detection_n, kind, sha256, bytes, data) VALUES (1, 'plate', 'x', 3, x'ffd8d9')").run();
    db.prepare("INSERT INTO outbox (stream, ref, enqueued_at) VALUES ('detection', 1, 5)").run();
  }
  if (version >= 2) {
    db.prepare(
      "INSERT INTO users (username, role, password_hash, full_name, contact, created_at, updated_at) VALUES ('admin', 'administrator', 'h', 'A', 'c', 1, 1)",
    ).run();
  }
}

describe('migrations', () => {
  it('are numbered 1, 2, 3 … without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it.each(Array.from({ length: LATEST_VERSION }, (_, v) => v))('open a database at version %i, migrate it to the latest and keep its rows', async (version) => {
    const file = join(dir, 'alpr.db');
    const old = openDatabase(file, { synchronous: 'normal', version });
    expect(schemaVersion(old.db)).toBe(version);
    seed(old.db, version);
    old.db.close();

    const t = await openTestStore({ dir });
    try {
      const raw = new BetterSqlite3(file, { readonly: true });
      expect(schemaVersion(raw)).toBe(LATEST_VERSION);
      raw.close();
      if (version >= 1) {
        expect(t.store.detections.get(DETECTION_ID)).toMatchObject({ text: 'OLD123', evidenceHold: false, lat: 38.5, uploaded: false });
        expect(t.store.detections.image(DETECTION_ID, 'plate')).toEqual(Buffer.from([0xff, 0xd8, 0xd9]));
        expect(t.store.outbox.backlog().pending).toBe(1);
      }
      if (version >= 2) expect(t.store.users.get('admin')?.role).toBe('administrator');
      expect(t.store.users.count()).toBe(version >= 2 ? 1 : 0);
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a database from a newer version instead of downgrading it', () => {
    const file = join(dir, 'alpr.db');
    const db = new BetterSqlite3(file);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(file, { synchronous: 'full' })).toThrow(/STORE_SCHEMA_TOO_NEW|refusing to downgrade/);
  });

  it('leaves the previous version intact when a migration fails half-way', () => {
    const file = join(dir, 'alpr.db');
    const db = openDatabase(file, { synchronous: 'normal', version: 2 }).db;
    // A table in the way makes migration 3 fail (as a full disk or a hand edit could).
    db.exec('ALTER TABLE detections ADD COLUMN evidence_hold INTEGER');
    db.close();
    expect(() => openDatabase(file, { synchronous: 'normal' })).toThrow(/schema version 3 failed/);
    const raw = new BetterSqlite3(file, { readonly: true });
    expect(schemaVersion(raw)).toBe(2);
    expect((raw.prepare("SELECT count(*) AS n FROM pragma_table_info('detections') WHERE name = 'hold_by'").get() as { n: number }).n).toBe(0);
    raw.close();
  });

  it('creates new databases in WAL mode with incremental auto-vacuum, synchronous as configured', () => {
    const { db } = openDatabase(join(dir, 'alpr.db'), { synchronous: 'full' });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });
});
