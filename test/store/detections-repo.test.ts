import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { plateGlob, sha256Hex, type SearchQuery } from '../../src/store/detections-repo.js';
import { detection, hit, jpeg, openTestStore, position, type TestStore } from './helpers/fixtures.js';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('plateGlob', () => {
  it.each([
    ['abc123', '=', 'ABC123'],
    ['7ab*', 'GLOB', '7AB*'],
    ['7A?C12', 'GLOB', '7A?C12'],
    ['7-ab 12', '=', '7AB12'],
    ['[a-z]*', 'GLOB', 'AZ*'],
  ])('%s becomes %s %s', (input, op, value) => {
    expect(plateGlob(input)).toEqual({ op, value });
  });
});

describe('DetectionsRepo', () => {
  it('stores a detection with position, images and hits, and reads it back', async () => {
    t = await openTestStore();
    const d = detection();
    const ref = t.store.insertDetection(d, position(), [hit()]);
    expect(ref.id).toBe(d.id);
    expect(ref.hitIds).toHaveLength(1);
    const s = t.store.detections.get(d.id)!;
    expect(s).toMatchObject({
      id: d.id,
      cameraId: 'front',
      text: 'ABC123',
      candidates: d.candidates,
      bestAt: d.bestAt,
      lat: 38.5816,
      lon: -121.4944,
      positionTrusted: true,
      hitCount: 1,
      uploaded: false,
      evidenceHold: false,
    });
    expect((s.position as { hdop: number }).hdop).toBe(0.9);
    expect(t.store.detections.image(d.id, 'plate')!.equals(d.plateJpeg)).toBe(true);
    expect(t.store.detections.image(d.id, 'overview')!.equals(d.overviewJpeg)).toBe(true);
    expect(t.store.detections.image('nope', 'plate')).toBeNull();
  });

  it('stores a detection without a position as untrusted with null coordinates', async () => {
    t = await openTestStore();
    const d = detection();
    t.store.insertDetection(d, null, []);
    expect(t.store.detections.get(d.id)).toMatchObject({ lat: null, lon: null, positionTrusted: false, position: null, hitCount: 0 });
  });

  it('replaces a detection by a later revision and ignores a replay of an older one', async () => {
    t = await openTestStore();
    const d = detection({ text: 'AB123' });
    t.store.insertDetection(d, null, []);
    const newer = { ...d, revision: 1, text: 'ABC123', frameCount: 12, plateJpeg: jpeg(700) };
    t.store.insertDetection(newer, null, [hit()]);
    t.store.insertDetection({ ...d, revision: 0, text: 'ZZZ' }, null, []);
    expect(t.store.detections.get(d.id)).toMatchObject({ text: 'ABC123', frameCount: 12, hitCount: 1 });
    expect(t.store.detections.image(d.id, 'plate')!.equals(newer.plateJpeg)).toBe(true);
    expect(t.store.detections.recent(10)).toHaveLength(1);
  });

  it('keeps the SHA-256 of each image in its row', async () => {
    t = await openTestStore();
    const d = detection();
    t.store.insertDetection(d, null, []);
    const db = new Database(t.store.file, { readonly: true });
    const rows = db.prepare('SELECT kind, sha256, bytes, data FROM images').all() as { kind: string; sha256: string; bytes: number; data: Buffer }[];
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.sha256).toBe(sha256Hex(r.data));
      expect(r.bytes).toBe(r.data.length);
    }
    db.close();
  });

  it('searches by wildcard plate, time range, camera and bounding box, newest first', async () => {
    t = await openTestStore();
    const base = Date.UTC(2026, 0, 1, 12);
    const a = detection({ text: '7ABC123', cameraId: 'front' }, base);
    const b = detection({ text: '7ABD123', cameraId: 'rear' }, base + 60_000);
    const c = detection({ text: '8XYZ999', cameraId: 'front' }, base + 120_000);
    t.store.insertDetection(a, position({ lat: 38.5, lon: -121.5 }), []);
    t.store.insertDetection(b, position({ lat: 38.6, lon: -121.4 }), []);
    t.store.insertDetection(c, null, []);
    const ids = (q: SearchQuery): string[] => t!.store.detections.search(q).map((s) => s.id);
    expect(ids({ plate: '7AB*' })).toEqual([b.id, a.id]);
    expect(ids({ plate: '7ab?123' })).toEqual([b.id, a.id]);
    expect(ids({ plate: '7ABC123' })).toEqual([a.id]);
    expect(ids({ plate: '*9' })).toEqual([c.id]);
    expect(ids({ cameraId: 'front' })).toEqual([c.id, a.id]);
    expect(ids({ from: b.bestAt, to: b.bestAt })).toEqual([b.id]);
    expect(ids({ bbox: { minLat: 38.55, maxLat: 38.65, minLon: -121.45, maxLon: -121.35 } })).toEqual([b.id]);
    expect(ids({ limit: 1, offset: 1 })).toEqual([b.id]);
    expect(t.store.detections.recent(2).map((s) => s.id)).toEqual([c.id, b.id]);
  });

  it('yields recent reads page by page while the caller adds retroactive hits', async () => {
    t = await openTestStore();
    const base = Date.UTC(2026, 0, 1, 12);
    const ds = Array.from({ length: 1203 }, (_, i) => detection({ text: `P${i}` }, base + i * 1000));
    t.store.insertDetections(ds.map((d) => ({ detection: d, position: null, hits: [] })));
    const seen: string[] = [];
    for (const r of t.store.detections.recentReads(base + 3 * 1000 - 700)) {
      seen.push(r.detectionId);
      if (r.candidates[0]!.text === 'P1000') t.store.hits.addRetroactive(r.detectionId, [hit({ readText: 'P1000', retroactive: true })]);
    }
    expect(seen).toHaveLength(1200);
    expect(seen[0]).toBe(ds[3]!.id);
    expect(t.store.detections.get(ds[1000]!.id)!.hitCount).toBe(1);
  });

  it('puts a detection on evidence hold, records who and why in the audit log, and releases it', async () => {
    t = await openTestStore();
    const d = detection();
    t.store.insertDetection(d, null, []);
    expect(t.store.detections.setEvidenceHold(d.id, true, 'sgt.jones', 'case 26-0042')).toBe(true);
    expect(t.store.detections.get(d.id)!.evidenceHold).toBe(true);
    expect(t.store.detections.setEvidenceHold(d.id, false, 'sgt.jones', 'case closed')).toBe(true);
    expect(t.store.detections.get(d.id)!.evidenceHold).toBe(false);
    expect(t.store.detections.setEvidenceHold('missing', true, 'sgt.jones', 'x')).toBe(false);
    const log = t.store.audit.query({});
    expect(log.map((e) => [e.action, e.user, e.object, e.purpose])).toEqual([
      ['evidence_release', 'sgt.jones', `detection:${d.id}`, 'case closed'],
      ['evidence_hold', 'sgt.jones', `detection:${d.id}`, 'case 26-0042'],
    ]);
  });
});
