/**
 * Recovery of a damaged database copies every table of the schema, not a list kept by hand: the
 * tables of migrations 5-7 (training records, misread reports, damage reports, verification
 * history) used to stay behind in the damaged copy, and an account with `accounts.required_items`
 * could not log in until its training was recorded again.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { unmetItems } from '../../src/accounts/account-policy.js';
import { ManualClock } from '../../src/shared/clock.js';
import { migrate } from '../../src/store/migrations.js';
import { copyPlan, NOT_COPIED } from '../../src/store/recovery.js';
import { detection, hit, jpeg, openTestStore, type TestStore } from './helpers/fixtures.js';
import { garble, loseAuditEnd } from './helpers/garble.js';
import { testTempDir } from '../helpers/temp-dir.js';

let t: TestStore | undefined;
// A test's directories (testTempDir) are removed when it finishes, after this has stopped the store in them.
afterEach(async () => {
  await t?.store.stop();
  t = undefined;
});

const T0 = Date.UTC(2026, 0, 2);

function freshSchema(): Database {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  return db;
}

function schemaTables(db: Database): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
}

type Row = Record<string, unknown>;

/** Every row of every table of a closed database file, by table, in rowid order. */
function dump(file: string): Map<string, Row[]> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return new Map(schemaTables(db).map((name) => [name, db.prepare(`SELECT rowid AS _rowid, * FROM "${name}" ORDER BY rowid`).all() as Row[]]));
  } finally {
    db.close();
  }
}

/**
 * A closed database with rows in every table, written through the store's own APIs: detections
 * with images and hits, an alert, a verification and an outcome, an account with its training,
 * a misread correction, a damage report, audit rows and their outbox rows.
 */
async function makeFullDatabase(): Promise<{ dir: string; file: string; detectionIds: string[] }> {
  const dir = testTempDir('alpr-recovery-');
  const clock = new ManualClock(T0);
  const s = await openTestStore({ dir, clock, config: { synchronous: 'normal' } });
  const { store } = s;
  const refs = store.insertDetections(
    Array.from({ length: 40 }, (_, i) => ({
      detection: detection({ text: `RC${i}`, overviewJpeg: jpeg(6000) }, T0 - 3_600_000 + i * 1000),
      position: null,
      hits: i % 10 === 0 ? [hit()] : [],
    })),
  );
  const hitId = refs[0]!.hitIds[0]!;
  store.hitAlerts.record({ hitId, alertId: hitId, change: 'new', presentation: 'alarm', stage: 'first_read', at: T0 - 1000 });
  expect(store.hits.verify(hitId, { outcome: 'confirmed', user: 'op1', note: 'plate seen', at: T0 - 900 })).toBe(true);
  expect(store.hits.annotate(hitId, { outcome: 'stop_made', user: 'op1', note: null, at: T0 - 800 })).toMatchObject({ kind: 'outcome' });
  store.users.create({ username: 'op1', role: 'operator', passwordHash: 'scrypt$x', fullName: 'Op One', contact: 'op1@example.org' });
  store.users.records.setQualification('op1', { item: 'alpr_training', completedAt: T0 - 86_400_000, expiresAt: null, course: 'ALPR 101', trainer: 'Sgt. Trainer', certificate: 'C-1', recordedBy: 'admin' });
  store.users.records.markReviewed('op1', 'admin');
  store.addCorrection({ detectionId: refs[1]!.id, hitId: null, originalText: 'RC1', correctedText: 'RC7', note: 'misread 1 for 7', reportedBy: 'op1' });
  const audit = store.audit.append({ user: 'op1', action: 'damage_report', object: null, purpose: null, caseNumber: null, details: null, ip: null });
  store.damageReports.add({ subject: 'camera', cameraId: 'front', noticedAt: T0 - 500, text: 'lens cracked', reportedBy: 'op1', reportedAt: T0 - 400, snapshot: jpeg(3000), auditId: audit.id });
  await s.store.stop();
  return { dir, file: join(dir, 'alpr.db'), detectionIds: refs.map((r) => r.id) };
}

describe('which tables a recovery copies', () => {
  it('every table of the schema is either copied or left out on purpose, with the reason', () => {
    const db = freshSchema();
    try {
      const plan = copyPlan(db);
      const tables = schemaTables(db);
      // A table a migration adds is copied unless it is named in NOT_COPIED: nothing is left behind unnoticed.
      expect([...plan.copy, ...Object.keys(plan.skip)].sort()).toEqual(tables);
      expect(new Set(plan.copy).size).toBe(plan.copy.length);
      for (const [name, why] of Object.entries(plan.skip)) {
        expect(plan.copy).not.toContain(name);
        expect(why.length, `reason for not copying ${name}`).toBeGreaterThan(20);
      }
      // A name left in NOT_COPIED after its table is gone is a stale exception.
      for (const name of Object.keys(NOT_COPIED)) expect(tables).toContain(name);
      expect(plan.copy).toEqual(expect.arrayContaining(['detections', 'images', 'hits', 'hit_alerts', 'users', 'audit', 'outbox', 'user_qualifications', 'corrections', 'damage_reports', 'hit_history']));
      // The copy walks each table by rowid: a WITHOUT ROWID table needs another walk first.
      const wr = db.prepare(`SELECT name FROM pragma_table_list WHERE schema = 'main' AND wr = 1`).all();
      expect(wr, 'recovery.ts copies by rowid; teach it WITHOUT ROWID tables before adding one').toEqual([]);
    } finally {
      db.close();
    }
  });

  it('puts parents before children and the tables a trigger writes before the trigger’s table', () => {
    const db = freshSchema();
    try {
      const { copy } = copyPlan(db);
      for (const child of copy) {
        for (const fk of db.prepare('SELECT "table" AS parent FROM pragma_foreign_key_list(?)').all(child) as { parent: string }[]) {
          expect(copy.indexOf(fk.parent), `${fk.parent} before ${child}`).toBeLessThan(copy.indexOf(child));
        }
      }
      // The corrections trigger queues each new correction in the outbox.
      expect(copy.indexOf('outbox')).toBeLessThan(copy.indexOf('corrections'));
      // A table added later, with a trigger, comes after what the trigger writes; a cycle still copies every table.
      db.exec(`CREATE TABLE later (id INTEGER PRIMARY KEY, user TEXT REFERENCES users(username));
               CREATE TRIGGER later_audit AFTER INSERT ON later BEGIN INSERT INTO "hit_history" (hit_id, detection_id, entry_id, kind, value, recorded_by, recorded_at) VALUES (0, '', '', 'outcome', 'x', '', 0); END;
               CREATE TABLE a (id INTEGER PRIMARY KEY, b INTEGER REFERENCES b(id));
               CREATE TABLE b (id INTEGER PRIMARY KEY, a INTEGER REFERENCES a(id));`);
      const next = copyPlan(db).copy;
      expect(next.indexOf('hit_history')).toBeLessThan(next.indexOf('later'));
      expect(next.indexOf('users')).toBeLessThan(next.indexOf('later'));
      expect(next).toEqual(expect.arrayContaining(['later', 'a', 'b']));
    } finally {
      db.close();
    }
  });
});

describe('a recovery of a damaged database', () => {
  it('copies the rows of every table: training, corrections, damage reports and hit history too', async () => {
    const { dir, file, detectionIds } = await makeFullDatabase();
    const before = dump(file);
    const empty = [...before].filter(([name, rows]) => rows.length === 0 && !(name in NOT_COPIED)).map(([name]) => name);
    expect(empty, 'give these tables rows in makeFullDatabase').toEqual([]);

    // A garbage header: the file is refused whole and read through a copy with a rebuilt header.
    garble(file, 0, 100);
    t = await openTestStore({ dir, clock: new ManualClock(T0 + 60_000), config: { synchronous: 'normal' } });
    expect(readdirSync(dir).filter((f) => /^alpr\.db\.damaged-\d{8}T\d{6}Z(-\d+)?$/.test(f))).toHaveLength(1);
    expect(t.registry.get('store')!.message).toMatch(/^database was damaged \(.+\); 40 detection\(s\) recovered/);
    const recovered = t.registry.get('store')!.details.recovered as Record<string, unknown>;
    for (const table of ['user_qualifications', 'corrections', 'damage_reports', 'hit_history']) expect(recovered[table] ?? 0, table).toBeGreaterThan(0);

    // The account can log in where training is required: its record came across.
    const standing = t.store.users.records.standing('op1');
    expect(standing?.qualifications.map((q) => q.item)).toEqual(['alpr_training']);
    expect(unmetItems('operator', standing, { alpr_training: ['operator'] }, T0 + 60_000)).toEqual([]);
    expect(t.store.users.records.corrections({ detectionId: detectionIds[1]! })).toHaveLength(1);
    expect(t.store.damageReports.snapshot(1)!.length).toBe(3000);
    expect(t.store.audit.verify()).toMatchObject({ ok: true });
    await t.store.stop();
    t = undefined;

    // Row for row: every row of every table is there as it was, with its id.
    const after = dump(file);
    for (const [name, rows] of before) {
      if (name in NOT_COPIED) continue;
      const got = new Map((after.get(name) ?? []).map((r) => [r._rowid, r]));
      const missing = rows.filter((r) => got.get(r._rowid) === undefined);
      expect(missing.length, `${name}: ${missing.length} of ${rows.length} row(s) not recovered`).toBe(0);
      for (const r of rows) expect(got.get(r._rowid), name).toEqual(r);
    }
  });

  it('a table that cannot be read at all is reported and the others are still copied', async () => {
    const { dir, file } = await makeFullDatabase();
    const before = dump(file);
    const { root, pageSize } = (() => {
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        return {
          root: (db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'user_qualifications'`).get() as { rootpage: number }).rootpage,
          pageSize: db.pragma('page_size', { simple: true }) as number,
        };
      } finally {
        db.close();
      }
    })();
    garble(file, (root - 1) * pageSize, pageSize);
    t = await openTestStore({ dir, clock: new ManualClock(T0 + 60_000), config: { synchronous: 'normal' } });
    const recovered = t.registry.get('store')!.details.recovered as Record<string, unknown>;
    expect(recovered.user_qualifications).toBeUndefined();
    expect(Number(recovered.read_errors_skipped) + (recovered.unreadable as string[]).length).toBeGreaterThan(0);
    expect(t.store.users.records.standing('op1')?.qualifications).toEqual([]);
    for (const table of ['detections', 'users', 'corrections', 'damage_reports', 'hit_history', 'audit']) {
      expect(recovered[table], table).toBe(before.get(table)!.length);
    }
  });

  it('carries the AUTOINCREMENT marks over: a lost end of the audit log is still reported, and no audit or hit id is given out again', async () => {
    const { dir, file } = await makeFullDatabase();
    const s = await openTestStore({ dir, clock: new ManualClock(T0 + 1000), config: { synchronous: 'normal' } });
    for (let i = 0; i < 4; i++) s.store.audit.append({ user: 'op1', action: 'search', object: null, purpose: 'test', caseNumber: null, details: null, ip: null });
    await s.store.stop();
    const marks = (): Record<string, number> => {
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        return Object.fromEntries((db.prepare('SELECT name, seq FROM sqlite_sequence').all() as { name: string; seq: number }[]).map((r) => [r.name, r.seq]));
      } finally {
        db.close();
      }
    };
    const last = loseAuditEnd(file, 2);
    const before = marks();
    expect(before.audit).toBe(last);
    expect(before.hits).toBeGreaterThan(0);

    garble(file, 0, 100);
    t = await openTestStore({ dir, clock: new ManualClock(T0 + 60_000), config: { synchronous: 'normal' } });
    expect(t.registry.get('store')!.message).toMatch(/^database was damaged/);
    // The recovered log ends two rows short of its mark: reported, not taken for a whole log.
    expect(t.store.audit.verify()).toMatchObject({ ok: false, problem: `rows ${last - 1}..${last} were deleted from the end of the log` });
    // A new row continues after the old mark, so the gap stays visible and no id is reused.
    expect(t.store.audit.append({ user: 'op1', action: 'search', object: null, purpose: 'test', caseNumber: null, details: null, ip: null }).id).toBe(last + 1);
    expect(t.store.audit.verify()).toMatchObject({ ok: false, problem: `rows ${last - 1}..${last} are missing` });
    await t.store.stop();
    t = undefined;
    const after = marks();
    for (const [name, seq] of Object.entries(before)) expect(after[name], name).toBeGreaterThanOrEqual(seq);
  });
});
