import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { detection, hit, openTestStore, type TestStore } from './helpers/fixtures.js';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('UsersRepo', () => {
  it('creates, reads, lists, counts and updates accounts', async () => {
    const clock = new ManualClock(5000);
    t = await openTestStore({ clock });
    const u = t.store.users.create({ username: 'jdoe', role: 'operator', passwordHash: 'scrypt$x', fullName: 'Jane Doe', contact: 'x123' });
    expect(u).toEqual({
      username: 'jdoe',
      role: 'operator',
      passwordHash: 'scrypt$x',
      fullName: 'Jane Doe',
      contact: 'x123',
      disabled: false,
      failedLogins: 0,
      lockedUntil: null,
      createdAt: 5000,
      updatedAt: 5000,
    });
    t.store.users.create({ username: 'admin', role: 'administrator', passwordHash: 'h', fullName: 'Ad Min', contact: '' });
    clock.advance(10);
    t.store.users.update('jdoe', { disabled: true, failedLogins: 3, lockedUntil: 9000, role: 'auditor' });
    expect(t.store.users.get('jdoe')).toMatchObject({ disabled: true, failedLogins: 3, lockedUntil: 9000, role: 'auditor', updatedAt: 5010 });
    t.store.users.update('jdoe', { lockedUntil: null });
    expect(t.store.users.get('jdoe')!.lockedUntil).toBeNull();
    expect(t.store.users.list().map((x) => x.username)).toEqual(['admin', 'jdoe']);
    expect(t.store.users.count()).toBe(2);
    expect(t.store.users.get('nobody')).toBeNull();
  });

  it('refuses a second account with the same name', async () => {
    t = await openTestStore();
    const u = { username: 'jdoe', role: 'operator' as const, passwordHash: 'h', fullName: 'J', contact: '' };
    t.store.users.create(u);
    expect(() => t!.store.users.create(u)).toThrow(/UNIQUE/);
  });
});

describe('HitsRepo', () => {
  it('stores hits with their entry and list generation, and lists unverified ones newest first', async () => {
    const clock = new ManualClock(1000);
    t = await openTestStore({ clock });
    const d1 = detection();
    const d2 = detection({ text: 'XYZ9' });
    const [h1] = t.store.insertDetection(d1, null, [hit()]).hitIds;
    clock.advance(1000);
    const [h2] = t.store.insertDetection(d2, null, [hit({ entry: { ...hit().entry, id: 'e-2', informational: true, list: 'special' }, readText: 'XYZ9' })]).hitIds;
    const all = t.store.hits.list({});
    expect(all.map((h) => h.id)).toEqual([h2, h1]);
    expect(all[0]).toMatchObject({ detectionId: d2.id, informational: true, retroactive: false, generation: 'g-1', kind: 'exact', outcome: null });
    expect(all[0]!.entry.list).toBe('special');
    expect(t.store.hits.list({ since: 2000 }).map((h) => h.id)).toEqual([h2]);

    expect(t.store.hits.verify(h1!, { outcome: 'confirmed', user: 'ofc.lee', note: 'visually confirmed', at: 3000 })).toBe(true);
    expect(t.store.hits.get(h1!)).toMatchObject({ outcome: 'confirmed', verifiedBy: 'ofc.lee', verifiedAt: 3000, note: 'visually confirmed' });
    expect(t.store.hits.list({ unverifiedOnly: true }).map((h) => h.id)).toEqual([h2]);
  });

  it('records a verification outcome once and refuses to overwrite it', async () => {
    t = await openTestStore();
    const [id] = t.store.insertDetection(detection(), null, [hit()]).hitIds;
    expect(t.store.hits.verify(id!, { outcome: 'misread', user: 'a', note: null, at: 1 })).toBe(true);
    expect(t.store.hits.verify(id!, { outcome: 'confirmed', user: 'b', note: null, at: 2 })).toBe(false);
    expect(t.store.hits.get(id!)!.outcome).toBe('misread');
    expect(t.store.hits.verify(999, { outcome: 'confirmed', user: 'b', note: null, at: 2 })).toBe(false);
  });

  it('adds retroactive hits to an older detection and queues them for upload', async () => {
    t = await openTestStore();
    const d = detection();
    t.store.insertDetection(d, null, []);
    t.store.outbox.claim(10); // the detection itself is in flight
    const recs = t.store.hits.addRetroactive(d.id, [hit({ retroactive: true, generation: 'g-2' })]);
    expect(recs).toEqual([expect.objectContaining({ detectionId: d.id, retroactive: true, generation: 'g-2' })]);
    expect(t.store.detections.get(d.id)!.hitCount).toBe(1);
    expect(t.store.outbox.claim(10)).toEqual([expect.objectContaining({ stream: 'hit', ref: recs[0]!.id, priority: 1 })]);
    expect(t.store.hits.addRetroactive('missing', [hit()])).toEqual([]);
  });

  it('does not store the same hit twice when a revision of the detection is stored', async () => {
    t = await openTestStore();
    const d = detection();
    const first = t.store.insertDetection(d, null, [hit()]).hitIds;
    const second = t.store.insertDetection({ ...d, revision: 1 }, null, [hit()]).hitIds;
    expect(second).toEqual(first);
    expect(t.store.detections.get(d.id)!.hitCount).toBe(1);
  });
});
