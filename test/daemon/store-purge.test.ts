/**
 * `store.quota.purge_unuploaded: true` on the real daemon (issue 17 item 6): 3,593 never-uploaded
 * detections were purged while the status stayed green. The test fills the data dir with
 * detections that were never uploaded (written through the store, as the daemon would have),
 * starts `alpr-edge run` with a quota far below them, and finds the purge amber with its count on
 * the status and as an audit row with the same count.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';
import { detection, jpeg, openTestStore } from '../store/helpers/fixtures.js';

const STORED = 100;
let daemon: TestDaemon;

beforeAll(async () => {
  // A 2 MiB quota and ~4 MB of detections, none uploaded (upload is off).
  daemon = await createDaemon({ name: 'store-purge', config: { store: { quota: { max_mb: 2, min_free_mb: 0, reserve_mb: 0, purge_unuploaded: true } } } });
  const made = await openTestStore({ dir: daemon.dataDir });
  const at = Date.now() - 3_600_000;
  made.store.insertDetections(Array.from({ length: STORED }, (_, i) => ({ detection: detection({ text: `PU${i}`, overviewJpeg: jpeg(40_000) }, at + i * 1000), position: null, hits: [] })));
  await made.store.stop();
  await daemon.start();
}, 120_000);

afterAll(async () => {
  await daemon?.dispose();
});

describe('purge_unuploaded on the real daemon', () => {
  it('purges no more never-uploaded detections than the quota needs, shows them amber with their count, and audits the same count', async () => {
    const store = await daemon.waitForUnit('store', (u) => u.state === 'degraded' && /never uploaded/.test(u.message), 'the store amber for the purge');
    const count = store.counters.purged_not_uploaded!;
    expect(count).toBeGreaterThan(0);
    // No more than the quota needed: a whole purge batch (256) used to go at once, here all 100.
    expect(count).toBeLessThan(STORED);
    expect(store.counters.db_bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(store.message).toBe(`the quota purged ${count} detection(s) never uploaded (store.quota.purge_unuploaded)`);
    const status = await daemon.status();
    expect(status.readiness.verdict).toBe('amber');
    expect(status.readiness.reasons).toContain(`store: degraded: ${store.message}`);
    expect(await daemon.stop()).toBe(0);

    const db = new BetterSqlite3(join(daemon.dataDir, 'alpr.db'), { readonly: true });
    try {
      const rows = db.prepare(`SELECT purpose, details FROM audit WHERE action = 'purge'`).all() as { purpose: string; details: string }[];
      const notUploaded = rows.filter((r) => r.purpose === 'quota_not_uploaded');
      expect(notUploaded.reduce((n, r) => n + (JSON.parse(r.details) as { count: number }).count, 0)).toBe(count);
      const left = (db.prepare('SELECT count(*) AS n FROM detections').get() as { n: number }).n;
      expect(left).toBe(STORED - count);
    } finally {
      db.close();
    }
  }, 60_000);
});
