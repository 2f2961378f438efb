import { afterEach, describe, expect, it } from 'vitest';
import type { Detection } from '../../src/reads/detection.js';
import { AlprError } from '../../src/shared/errors.js';
import { detection, hit, openTestStore, type TestStore } from './helpers/fixtures.js';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('Store.ingest (group commit)', () => {
  it('stores detections arriving together in one commit and resolves each with its id and hit ids', async () => {
    t = await openTestStore({ config: { group_commit_ms: 20 } });
    const ds = Array.from({ length: 40 }, (_, i) => detection({ text: `G${i}` }));
    const refs = await Promise.all(ds.map((d, i) => t!.store.ingest(d, null, i === 3 ? [hit()] : [])));
    expect(refs.map((r) => r.id)).toEqual(ds.map((d) => d.id));
    expect(refs[3]!.hitIds).toHaveLength(1);
    expect(t.store.detections.recent(100)).toHaveLength(40);
    expect(t.registry.get('store')!.counters.stored).toBe(40);
  });

  it('rejects only the detection that cannot be stored, not the rest of its group', async () => {
    t = await openTestStore({ config: { group_commit_ms: 20 } });
    const good = [detection({ text: 'OK1' }), detection({ text: 'OK2' })];
    // A value JSON cannot encode makes this one row fail inside the shared transaction.
    const bad = { ...detection({ text: 'BAD' }), candidates: [{ text: 'BAD', confidence: 10n }] } as unknown as Detection;
    const results = await Promise.allSettled([t.store.ingest(good[0]!, null, []), t.store.ingest(bad, null, []), t.store.ingest(good[1]!, null, [])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as AlprError).code).toBe('STORE_WRITE_FAILED');
    expect(t.store.detections.get(good[1]!.id)).not.toBeNull();
    expect(t.store.detections.get(bad.id)).toBeNull();
  });

  it('commits what is waiting when it stops, and refuses new detections after', async () => {
    t = await openTestStore({ config: { group_commit_ms: 1000 } });
    const d = detection();
    const pending = t.store.ingest(d, null, []);
    await t.store.stop();
    await expect(pending).resolves.toEqual({ id: d.id, hitIds: [] });
    await expect(t.store.ingest(detection(), null, [])).rejects.toThrow(/not open/);
    await t.store.start();
    expect(t.store.detections.get(d.id)).not.toBeNull();
  });

  it('tells subscribers about each commit, flagging hits, and survives a subscriber that throws', async () => {
    t = await openTestStore();
    const seen: string[] = [];
    t.store.onStored(() => {
      throw new Error('listener bug');
    });
    const off = t.store.onStored((e) => seen.push(`${e.hit}:${e.changed}`));
    const d = detection();
    t.store.insertDetection(d, null, [hit()]);
    t.store.insertDetection(d, null, []);
    off();
    t.store.insertDetection(detection(), null, []);
    expect(seen).toEqual(['true:true', 'false:false']);
  });
});
