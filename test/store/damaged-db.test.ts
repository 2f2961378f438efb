/**
 * A damaged database never stops reading and alerting (issue 17 item 4): a garbage header, a
 * truncated file or a garbled b-tree page used to exit 1 at start (a restart loop under
 * systemd); garbage pages in the middle of a running database went unnoticed. Every damaged
 * file here is made by the test from a real database.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import { detection, hit, jpeg, openTestStore, type TestStore } from './helpers/fixtures.js';
import { garble } from './helpers/garble.js';
import { testTempDir } from '../helpers/temp-dir.js';

let t: TestStore | undefined;
// A test's directories (testTempDir) are removed when it finishes, after this has stopped the store in them.
afterEach(async () => {
  await t?.store.stop();
  t = undefined;
});

/** A closed database with `n` detections (images in overflow pages, a hit on every tenth). */
async function makeDatabase(n = 120): Promise<{ dir: string; file: string; ids: string[] }> {
  const dir = testTempDir('alpr-damaged-');
  const s = await openTestStore({ dir, clock: systemClock, config: { synchronous: 'normal' } });
  const ids = s.store
    .insertDetections(Array.from({ length: n }, (_, i) => ({ detection: detection({ text: `DM${i}`, overviewJpeg: jpeg(6000) }), position: null, hits: i % 10 === 0 ? [hit()] : [] })))
    .map((r) => r.id);
  await s.store.stop();
  const file = join(dir, 'alpr.db');
  expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
  return { dir, file, ids };
}

function pageSize(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** Page numbers of a table's b-tree (SQLite's dbstat), read before the damage is done. */
function pagesOf(file: string, table: string): { root: number; leaves: number[] } {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const root = (db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = ?`).get(table) as { rootpage: number }).rootpage;
    const leaves = (db.prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno`).all(table) as { pageno: number }[]).map((r) => r.pageno);
    return { root, leaves };
  } finally {
    db.close();
  }
}

function asideFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^alpr\.db\.damaged-\d{8}T\d{6}Z(-\d+)?$/.test(f));
}

async function startAndCheck(dir: string): Promise<TestStore> {
  // Starting must not throw, whatever the file holds.
  t = await openTestStore({ dir, clock: systemClock, config: { synchronous: 'normal' } });
  expect(asideFiles(dir)).toHaveLength(1);
  const s = t.registry.get('store')!;
  expect(s.state).toBe('down');
  expect(s.message).toMatch(/^database was damaged \(.+\); \d+ detection\(s\) recovered; the damaged copy is kept as alpr\.db\.damaged-/);
  // The fresh database stores and alerts as usual.
  const d = detection({ text: 'NEW1' });
  const ref = await t.store.ingest(d, null, [hit()]);
  expect(ref.hitIds).toHaveLength(1);
  expect(t.store.detections.get(d.id)).not.toBeNull();
  return t;
}

describe('a damaged database at start', () => {
  it('with a garbage header: moved aside, a fresh database opened, everything recovered through a rebuilt header, red with the reason', async () => {
    const { dir, file, ids } = await makeDatabase();
    garble(file, 0, 100);
    await startAndCheck(dir);
    expect(t!.registry.get('store')!.message).toMatch(/not a database|malformed|encrypted/);
    expect(ids.filter((id) => t!.store.detections.get(id) !== null)).toHaveLength(ids.length);
    expect(t!.store.detections.image(ids[7]!, 'overview')!.length).toBe(6000);
    // The moved-aside file is kept exactly as it was found.
    expect(readFileSync(join(dir, asideFiles(dir)[0]!)).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
  });

  it('truncated to half: the detections on the pages that are left are recovered and queued for upload', async () => {
    const { dir, file, ids } = await makeDatabase();
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await startAndCheck(dir);
    expect(t!.registry.get('store')!.message).toMatch(/malformed|truncated/);
    const recovered = ids.filter((id) => t!.store.detections.get(id) !== null);
    expect(recovered.length).toBeGreaterThan(0);
    expect(recovered.length).toBeLessThan(ids.length);
    // Not uploaded before the damage: queued again, so none is silently never sent.
    expect(t!.store.outbox.backlog().pending).toBeGreaterThanOrEqual(recovered.length);
  });

  it('with a garbled b-tree page in the detections table: every readable detection is recovered', async () => {
    const { dir, file, ids } = await makeDatabase(400);
    const { leaves } = pagesOf(file, 'detections');
    expect(leaves.length).toBeGreaterThan(2);
    const victim = leaves[Math.floor(leaves.length / 2)]!;
    garble(file, (victim - 1) * pageSize(file), 200);
    await startAndCheck(dir);
    const recovered = ids.filter((id) => t!.store.detections.get(id) !== null);
    // One leaf's rows are lost; the rest, before and after it, come back with their images.
    expect(recovered.length).toBeGreaterThan(ids.length * 0.6);
    expect(recovered.length).toBeLessThan(ids.length);
    expect(t!.store.detections.image(recovered[recovered.length - 1]!, 'overview')!.length).toBe(6000);
    expect(t!.registry.get('store')!.details.recovered).toMatchObject({ detections: recovered.length });
  });

  it('stays red after a restart until the administrator moves the damaged copy away', async () => {
    const { dir, file } = await makeDatabase();
    garble(file, 0, 100);
    await startAndCheck(dir);
    await t!.store.stop();
    t = await openTestStore({ dir, clock: systemClock, config: { synchronous: 'normal' } });
    expect(t.registry.get('store')).toMatchObject({ state: 'down', message: expect.stringMatching(/an earlier start found the database damaged/) });
    for (const f of asideFiles(dir)) rmSync(join(dir, f));
    await t.store.maintain();
    expect(t.registry.get('store')!.state).toBe('ok');
  });
});

describe('damage in a running database', () => {
  it('is found by quick_check off the main thread and turns the store red', async () => {
    const { dir, file } = await makeDatabase(200);
    const { leaves } = pagesOf(file, 'images');
    t = await openTestStore({ dir, clock: systemClock, config: { synchronous: 'normal' } });
    expect((await t.store.checkIntegrity()).ok).toBe(true);
    expect(t.registry.get('store')!.state).toBe('ok');
    // Garbage written under the running daemon, as a failing disk would.
    garble(file, (leaves[Math.floor(leaves.length / 2)]! - 1) * pageSize(file) + 8, 64);
    const r = await t.store.checkIntegrity();
    expect(r.ok).toBe(false);
    expect(t.registry.get('store')).toMatchObject({ state: 'down', message: expect.stringMatching(/^quick_check found damage: /) });
    expect(t.registry.get('store')!.details.integrity_check).toMatchObject({ ok: false });
  });
});
