/**
 * A hit's verification and its outcomes after "confirmed" (issue 15) are kept like the audit log:
 * purging the detection (retention) leaves them; outcomes only follow a confirmed hit.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { ManualClock } from '../../src/shared/clock.js';
import { detection, hit, openTestStore, type TestStore } from './helpers/fixtures.js';
import { testTempDir } from '../helpers/temp-dir.js';

const DAY = 86_400_000;
let t: TestStore | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('hit history', () => {
  it('records the verification and outcomes in order, refuses outcomes on unconfirmed hits, and keeps them when retention purges the detection', async () => {
    const NOW = Date.UTC(2026, 5, 1);
    const clock = new ManualClock(NOW - 800 * DAY);
    t = await openTestStore({ clock, config: { synchronous: 'normal', retention: { min_age_d: 90, max_age_d: 730, grace_after_upload_h: 72, check_interval_s: 86_400, purge_batch_ms: 20 } } });
    const d = detection({ text: 'STOLEN1', bestAt: clock.now() });
    const [confirmed, misread] = t.store.insertDetection(d, null, [hit(), hit({ entry: { ...hit().entry, id: 'e-2' } })]).hitIds;

    expect(t.store.hits.annotate(confirmed!, { outcome: 'stop_made', user: 'ofc.lee', note: null, at: 1 })).toBe('not_confirmed');
    expect(t.store.hits.verify(confirmed!, { outcome: 'confirmed', user: 'ofc.lee', note: 'characters match', at: 1000 })).toBe(true);
    expect(t.store.hits.verify(misread!, { outcome: 'misread', user: 'ofc.lee', note: null, at: 1001 })).toBe(true);
    expect(t.store.hits.annotate(misread!, { outcome: 'arrest', user: 'ofc.lee', note: null, at: 1002 })).toBe('not_confirmed');
    expect(t.store.hits.annotate(12345, { outcome: 'arrest', user: 'ofc.lee', note: null, at: 1002 })).toBe('not_found');
    expect(t.store.hits.annotate(confirmed!, { outcome: 'dispatch_confirmed', user: 'ofc.lee', note: 'dispatch 14:02', at: 2000 })).toMatchObject({ kind: 'outcome', value: 'dispatch_confirmed' });
    expect(t.store.hits.annotate(confirmed!, { outcome: 'vehicle_recovered', user: 'sgt.kim', note: null, at: 3000 })).toMatchObject({ kind: 'outcome', value: 'vehicle_recovered', recordedBy: 'sgt.kim' });

    const before = t.store.hits.history(confirmed!);
    expect(before.map((h) => [h.kind, h.value, h.recordedBy, h.recordedAt])).toEqual([
      ['verification', 'confirmed', 'ofc.lee', 1000],
      ['outcome', 'dispatch_confirmed', 'ofc.lee', 2000],
      ['outcome', 'vehicle_recovered', 'sgt.kim', 3000],
    ]);
    expect(before[0]).toMatchObject({ hitId: confirmed, detectionId: d.id, entryId: hit().entry.id, note: 'characters match' });
    expect(t.store.hits.history(misread!).map((h) => h.value)).toEqual(['misread']);

    // Past the maximum age the detection and its hits go; the history stays.
    clock.set(NOW);
    await t.store.maintain();
    expect(t.store.detections.get(d.id)).toBeNull();
    expect(t.store.hits.get(confirmed!)).toBeNull();
    expect(t.store.hits.history(confirmed!)).toEqual(before);
    expect(t.store.hits.annotate(confirmed!, { outcome: 'arrest', user: 'ofc.lee', note: null, at: NOW })).toBe('not_found');
  });
});

describe('migration 7', () => {
  it('copies the verifications already on hits into the history', async () => {
    const dir = testTempDir('alpr-migrate7-');
    const file = join(dir, 'alpr.db');
    const old = openDatabase(file, { synchronous: 'normal', version: 6 });
    const at = Date.UTC(2026, 0, 1);
    old.db
      .prepare(
        `INSERT INTO detections (id, device_id, camera_id, text, confidence, candidates, region, first_seen, last_seen, best_at,
          frame_count, direction, box, lat, lon, position_trusted, position, hit_count, stored_at)
         VALUES ('019b7c1e-0000-7000-8000-000000000007', 'unit-7', 'front', 'OLD123', 0.9, '[]', 'us', @at, @at, @at, 3, 'receding',
          '{"x":1,"y":2,"w":3,"h":4}', 38.5, -121.5, 1, NULL, 2, @at)`,
      )
      .run({ at });
    const insertHit = old.db.prepare(
      `INSERT INTO hits (detection_n, entry_id, entry, generation, kind, read_text, explanation, informational, retroactive, created_at, outcome, verified_by, verified_at, note)
       VALUES (1, @entry, '{}', 'g', 'exact', 'OLD123', 'exact', 0, 0, @at, @outcome, @by, @vat, @note)`,
    );
    insertHit.run({ entry: 'e-1', at, outcome: 'confirmed', by: 'ofc.lee', vat: at + 5, note: 'match' });
    insertHit.run({ entry: 'e-2', at, outcome: null, by: null, vat: null, note: null });
    old.db.close();

    const t = await openTestStore({ dir });
    try {
      expect(t.store.hits.history(1)).toEqual([
        { id: 1, hitId: 1, detectionId: '019b7c1e-0000-7000-8000-000000000007', entryId: 'e-1', kind: 'verification', value: 'confirmed', note: 'match', recordedBy: 'ofc.lee', recordedAt: at + 5 },
      ]);
      expect(t.store.hits.history(2)).toEqual([]);
    } finally {
      await t.store.stop();
    }
  });
});
