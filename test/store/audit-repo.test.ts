import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/store/canonical-json.js';
import { join } from 'node:path';
import { AuditRepo, auditHash, GENESIS_HASH, type AuditInput } from '../../src/store/audit-repo.js';
import { openDatabase } from '../../src/store/database.js';
import { OutboxRepo } from '../../src/store/outbox-repo.js';
import { ManualClock } from '../../src/shared/clock.js';
import { openTestStore, type TestStore } from './helpers/fixtures.js';
import { testTempDir } from '../helpers/temp-dir.js';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const entry = (over: Partial<AuditInput> = {}): AuditInput => ({
  user: 'ofc.lee',
  action: 'search',
  object: null,
  purpose: 'stolen vehicle follow-up',
  caseNumber: '26-0042',
  details: { plate: '7AB*', results: 3 },
  ip: '127.0.0.1',
  ...over,
});

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [1, { d: 2, c: null }] }, '{"a":[1,{"c":null,"d":2}],"b":1}'],
    [{ x: undefined, y: 'é"' }, '{"y":"é\\"}'.replace('\\"}', '\\""}')],
    [[undefined, NaN], '[null,null]'],
    ['s', '"s"'],
    [null, 'null'],
  ])('%j → %s', (value, out) => {
    expect(canonicalJson(value)).toBe(out);
  });
});

/** Runs raw SQL on the store's file around the append-only triggers, as an intruder with sqlite3 could. */
function tamper(file: string, sql: string): void {
  const db = new BetterSqlite3(file);
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  db.exec(sql);
  db.close();
}

describe('AuditRepo', () => {
  it('chains each row to the previous one with sha256(prevHash + canonical JSON)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    t = await openTestStore({ clock });
    const a = t.store.audit.append(entry());
    clock.advance(1000);
    const b = t.store.audit.append(entry({ action: 'view', object: 'detection:x', details: null }));
    expect(a).toMatchObject({ id: 1, at: Date.UTC(2026, 2, 1), prevHash: GENESIS_HASH });
    expect(b.prevHash).toBe(a.hash);
    expect(b.hash).toBe(auditHash(a.hash, { ...entry({ action: 'view', object: 'detection:x', details: null }), id: 2, at: Date.UTC(2026, 2, 1) + 1000 }));
    expect(t.store.audit.verify()).toEqual({ ok: true, checked: 2, firstBadId: null, problem: null, breaks: [], breakCount: 0, unkeyed: 2 });
  });

  it('queries by time, user and action, newest first, with paging', async () => {
    const clock = new ManualClock(1000);
    t = await openTestStore({ clock });
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      t.store.audit.append(entry({ user: i % 2 ? 'a' : 'b', action: i < 3 ? 'search' : 'export' }));
    }
    expect(t.store.audit.query({ user: 'a' }).map((r) => r.id)).toEqual([6, 4, 2]);
    expect(t.store.audit.query({ action: 'export', limit: 2 }).map((r) => r.id)).toEqual([6, 5]);
    expect(t.store.audit.query({ from: 3000, to: 4000 }).map((r) => r.id)).toEqual([3, 2]);
    expect(t.store.audit.query({ limit: 2, offset: 2 }).map((r) => r.id)).toEqual([4, 3]);
    expect(t.store.audit.query({})[0]!.details).toEqual({ plate: '7AB*', results: 3 });
  });

  it('refuses updates and deletes through SQL', async () => {
    t = await openTestStore();
    t.store.audit.append(entry());
    const db = new BetterSqlite3(t.store.file);
    expect(() => db.exec("UPDATE audit SET user = 'x'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
    db.close();
  });

  it.each([
    ['an edited field', "UPDATE audit SET purpose = 'curiosity' WHERE id = 2", 2, /altered/],
    ['edited details', `UPDATE audit SET details = '{"plate":"X","results":3}' WHERE id = 3`, 3, /altered/],
    ['a deleted row', 'DELETE FROM audit WHERE id = 2', 2, /missing/],
    ['a deleted tail', 'DELETE FROM audit WHERE id >= 3', 3, /deleted from the end/],
    ['a rewritten row with a recomputed hash', "UPDATE audit SET user = 'x', hash = 'f' || substr(hash, 2) WHERE id = 1", 1, /altered/],
  ])('detects %s', async (_name, sql, badId, problem) => {
    t = await openTestStore();
    for (let i = 0; i < 4; i++) t.store.audit.append(entry());
    await t.store.stop();
    tamper(t.store.file, sql);
    await t.store.start();
    const v = t.store.audit.verify();
    expect(v.ok).toBe(false);
    expect(v.firstBadId).toBe(badId);
    expect(v.problem).toMatch(problem);
  });

  it('stores a lone surrogate as U+FFFD and hashes what it stores (bug: one anonymous login broke verify for good)', async () => {
    t = await openTestStore();
    const rec = t.store.audit.append(entry({ user: 'x\ud800y', details: { ['k\udc00']: ['a\ud83d'] }, purpose: 'ok \ud83d\ude00' }));
    expect(rec.user).toBe('x\ufffdy');
    t.store.audit.append(entry());
    await t.store.stop();
    await t.store.start();
    expect(t.store.audit.get(1)).toMatchObject({ user: 'x\ufffdy', details: { ['k\ufffd']: ['a\ufffd'] }, purpose: 'ok \ud83d\ude00' });
    expect(t.store.audit.verify()).toMatchObject({ ok: true, checked: 2 });
  });

  it('walks the whole chain and reports every broken link, not only the first', async () => {
    t = await openTestStore();
    for (let i = 0; i < 8; i++) t.store.audit.append(entry());
    await t.store.stop();
    tamper(t.store.file, "UPDATE audit SET purpose = 'curiosity' WHERE id = 2; DELETE FROM audit WHERE id IN (5, 6); UPDATE audit SET user = 'z' WHERE id = 8");
    await t.store.start();
    const v = t.store.audit.verify();
    expect(v).toMatchObject({ ok: false, firstBadId: 2, breakCount: 3, checked: 6 });
    expect(v.breaks.map((b) => b.id)).toEqual([2, 5, 8]);
    expect(v.breaks[1]!.problem).toMatch(/rows 5\.\.6 are missing/);
  });

  it('queues every row for upload as its own stream', async () => {
    t = await openTestStore();
    t.store.audit.append(entry());
    const claimed = t.store.outbox.claim(10);
    expect(claimed).toEqual([expect.objectContaining({ stream: 'audit', ref: 1 })]);
  });
});

describe('keyed chain (issue 16 item 4: anyone able to write the database could re-hash the chain)', () => {
  const KEY = Buffer.from('an audit key of thirty-two chars or more, kept outside the database');

  function open(dir: string, key: Buffer | null) {
    const { db } = openDatabase(join(dir, 'alpr.db'), { synchronous: 'full' });
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    return { db, audit: new AuditRepo(db, clock, new OutboxRepo(db, clock), key) };
  }

  it('a rewritten row re-hashed without the key is found; with the key every row checks', () => {
    const dir = testTempDir('alpr-audit-key-');
    const a = open(dir, KEY);
    for (let i = 0; i < 4; i++) a.audit.append(entry());
    expect(a.audit.get(1)!.hash).toMatch(/^k1:[0-9a-f]{64}$/);
    expect(a.audit.verify()).toMatchObject({ ok: true, checked: 4, unkeyed: 0 });
    // An intruder with the file rewrites row 2 and re-chains everything after it, as the
    // plain chain allowed: without the key the best they can do is unkeyed SHA-256 hashes.
    a.db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    let prev = a.audit.get(1)!.hash;
    for (let id = 2; id <= 4; id++) {
      const r = { ...a.audit.get(id)!, purpose: id === 2 ? 'curiosity' : a.audit.get(id)!.purpose };
      const hash = auditHash(prev, r);
      a.db.prepare('UPDATE audit SET purpose = ?, prev_hash = ?, hash = ? WHERE id = ?').run(r.purpose, prev, hash, id);
      prev = hash;
    }
    const v = a.audit.verify();
    expect(v.ok).toBe(false);
    expect(v.breaks.map((b) => b.id)).toEqual([2, 3, 4]);
    expect(v.problem).toMatch(/not keyed although earlier rows are/);
    a.db.close();
    // Without the key, keyed rows cannot be checked at all, and say so.
    const b = open(dir, null);
    expect(b.audit.verify().problem).toMatch(/give the audit key/);
    b.db.close();
  });

  it('a keyed row edited in place (hash kept) is found', () => {
    const dir = testTempDir('alpr-audit-key-');
    const a = open(dir, KEY);
    for (let i = 0; i < 3; i++) a.audit.append(entry());
    a.db.exec('DROP TRIGGER audit_no_update;');
    a.db.prepare("UPDATE audit SET user = 'x' WHERE id = 2").run();
    expect(a.audit.verify()).toMatchObject({ ok: false, firstBadId: 2, problem: expect.stringMatching(/keyed hash differs/) });
    a.db.close();
  });
});

