import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { nextBatchSize, retentionVerdict, type RetentionSettings } from '../../src/store/retention.js';
import { acknowledge, detection, jpeg, openTestStore, type TestStore } from './helpers/fixtures.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2028, 5, 1);
const S: RetentionSettings = { min_age_d: 90, max_age_d: 730, grace_after_upload_h: 72 };

describe('retentionVerdict', () => {
  it.each([
    ['one ms younger than the maximum, not uploaded', { bestAt: NOW - 730 * DAY, uploadedAt: null, evidenceHold: false }, null],
    ['one ms past the maximum, not uploaded', { bestAt: NOW - 730 * DAY - 1, uploadedAt: null, evidenceHold: false }, 'max_age'],
    ['past the maximum but on evidence hold', { bestAt: NOW - 2000 * DAY, uploadedAt: NOW - 1999 * DAY, evidenceHold: true }, null],
    ['uploaded, grace just over, exactly the minimum age', { bestAt: NOW - 90 * DAY, uploadedAt: NOW - 72 * HOUR, evidenceHold: false }, 'acknowledged'],
    ['uploaded, grace over, one ms under the minimum age', { bestAt: NOW - 90 * DAY + 1, uploadedAt: NOW - 80 * DAY, evidenceHold: false }, null],
    ['uploaded long ago, grace one ms short', { bestAt: NOW - 100 * DAY, uploadedAt: NOW - 72 * HOUR + 1, evidenceHold: false }, null],
    ['uploaded, old, on evidence hold', { bestAt: NOW - 100 * DAY, uploadedAt: NOW - 99 * DAY, evidenceHold: true }, null],
    ['never uploaded, a year old', { bestAt: NOW - 365 * DAY, uploadedAt: null, evidenceHold: false }, null],
  ] as const)('%s → %s', (_name, subject, verdict) => {
    expect(retentionVerdict(subject, S, NOW)).toBe(verdict);
  });
});

describe('nextBatchSize', () => {
  it.each([
    [64, 5, 20, 128],
    [64, 15, 20, 64],
    [64, 40, 20, 25],
    [5000, 1, 20, 5000],
    [1, 500, 20, 1],
  ])('from %i after %i ms (target %i) → %i', (current, took, target, next) => {
    expect(nextBatchSize(current, took, target)).toBe(next);
  });
});

let t: TestStore | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('retention in the store', () => {
  it('purges exactly what the policy says at the boundaries, keeps held and unacknowledged detections, and logs each purge', async () => {
    const clock = new ManualClock(NOW - 800 * DAY);
    t = await openTestStore({ clock, config: { synchronous: 'normal', retention: { ...S, check_interval_s: 86_400, purge_batch_ms: 20 } } });
    const cases = [
      { name: 'max-1', bestAt: NOW - 730 * DAY, upload: null, hold: false },
      { name: 'max+1', bestAt: NOW - 730 * DAY - 1, upload: null, hold: false },
      { name: 'ancient-held', bestAt: NOW - 780 * DAY, upload: NOW - 779 * DAY, hold: true },
      { name: 'acked-grace-over', bestAt: NOW - 90 * DAY, upload: NOW - 72 * HOUR, hold: false },
      { name: 'acked-too-young', bestAt: NOW - 90 * DAY + 1, upload: NOW - 72 * HOUR - 5, hold: false },
      { name: 'acked-in-grace', bestAt: NOW - 100 * DAY, upload: NOW - 72 * HOUR + 1, hold: false },
      { name: 'acked-held', bestAt: NOW - 100 * DAY, upload: NOW - 90 * DAY, hold: true },
      { name: 'pending-year', bestAt: NOW - 365 * DAY, upload: null, hold: false },
    ];
    const ids = new Map<string, string>();
    for (const c of [...cases].sort((a, b) => a.bestAt - b.bestAt)) {
      clock.set(c.bestAt);
      const d = detection({ text: c.name.replace(/[^A-Z0-9]/gi, '').toUpperCase().slice(0, 12), bestAt: c.bestAt });
      t.store.insertDetection(d, null, []);
      ids.set(c.name, d.id);
      if (c.hold) t.store.detections.setEvidenceHold(d.id, true, 'det.ortiz', 'case 26-7');
    }
    // Acknowledge at the scripted times, oldest upload first.
    for (const c of cases.filter((x) => x.upload !== null).sort((x, y) => x.upload - y.upload)) {
      clock.set(c.upload);
      acknowledge(t.store, [ids.get(c.name)!]);
    }
    clock.set(NOW);
    await t.store.maintain();
    const survivors = cases.filter((c) => t!.store.detections.get(ids.get(c.name)!) !== null).map((c) => c.name);
    const expected = cases
      .filter((c) => retentionVerdict({ bestAt: c.bestAt, uploadedAt: c.upload, evidenceHold: c.hold }, S, NOW) === null)
      .map((c) => c.name);
    expect(survivors).toEqual(expected);
  });
});

describe('disk quota', () => {
  const MB = 1024 * 1024;

  async function fill(purgeUnuploaded: boolean): Promise<{ ids: string[]; t: TestStore }> {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const ts = await openTestStore({ clock, config: { synchronous: 'normal', quota: { max_mb: 2, min_free_mb: 0, purge_unuploaded: purgeUnuploaded } } });
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      clock.advance(1000);
      const d = detection({ text: `Q${i}`, bestAt: clock.now(), overviewJpeg: jpeg(30_000) });
      ts.store.insertDetection(d, null, []);
      ids.push(d.id);
    }
    return { ids, t: ts };
  }

  it('purges the oldest uploaded detections first and never un-uploaded ones by default, turning red when that is not enough', async () => {
    const f = await fill(false);
    t = f.t;
    acknowledge(t.store, f.ids.slice(0, 40));
    t.store.detections.setEvidenceHold(f.ids[0]!, true, 'det.ortiz', 'case 26-9');
    const report = (await t.store.maintain())!;
    const kept = f.ids.filter((id) => t!.store.detections.get(id) !== null);
    // Every uploaded detection but the held one went; every un-uploaded one stayed.
    expect(kept).toEqual([f.ids[0], ...f.ids.slice(40)]);
    expect(report.purges).toEqual([expect.objectContaining({ reason: 'quota_uploaded', count: 39 })]);
    expect(report.stuck).toBe(true);
    expect(t.registry.get('store')).toMatchObject({ state: 'down', message: expect.stringMatching(/quota/) });
  });

  it('purges the oldest un-uploaded detections too when configured, down to the quota, keeping held ones', async () => {
    const f = await fill(true);
    t = f.t;
    t.store.detections.setEvidenceHold(f.ids[1]!, true, 'det.ortiz', 'case 26-9');
    const report = (await t.store.maintain())!;
    expect(report.stuck).toBe(false);
    expect(report.space.usedBytes).toBeLessThanOrEqual(2 * MB);
    const kept = f.ids.filter((id) => t!.store.detections.get(id) !== null);
    expect(kept[0]).toBe(f.ids[1]);
    expect(kept.slice(1)).toEqual(f.ids.slice(f.ids.length - kept.length + 1));
    // Never-uploaded detections are gone for good: amber with their count, and in the audit log
    // (it used to stay green while 3,593 of them went).
    const purged = report.purges.find((p) => p.reason === 'quota_not_uploaded')!.count;
    expect(purged).toBeGreaterThan(0);
    const s = t.registry.get('store')!;
    expect(s).toMatchObject({ state: 'degraded', message: expect.stringContaining(`purged ${purged} detection(s) never uploaded`) });
    expect(s.counters.purged_not_uploaded).toBe(purged);
    const audit = t.store.audit.query({ action: 'purge' }).filter((a) => a.purpose === 'quota_not_uploaded');
    expect(audit).toEqual([expect.objectContaining({ details: expect.objectContaining({ count: purged }) })]);
  });

  it('writes each purge to the audit log with its reason, count and capture-time range', async () => {
    const f = await fill(false);
    t = f.t;
    acknowledge(t.store, f.ids.slice(0, 10));
    await t.store.maintain();
    const purge = t.store.audit.query({ action: 'purge' });
    expect(purge).toHaveLength(1);
    const first = t.store.audit.query({ action: 'purge' })[0]!;
    expect(first.details).toMatchObject({ reason: 'quota_uploaded', count: 10 });
    expect((first.details as { from: number; to: number }).to - (first.details as { from: number; to: number }).from).toBe(9000);
    expect(t.store.audit.verify().ok).toBe(true);
  });
});
