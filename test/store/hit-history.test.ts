/**
 * A hit's verification and its outcomes after "confirmed" (issue 15) are kept like the audit log:
 * purging the detection (retention) leaves them; outcomes only follow a confirmed hit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { detection, hit, openTestStore, type TestStore } from './helpers/fixtures.js';

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
