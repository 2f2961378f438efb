/** The operator's quick look-up answers with the real matcher: exact, wildcard entries and near matches, and counts no read. */
import { afterEach, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { hotlistConfig, makeHotlist, removeDir, type Harness } from './fixtures.js';

const DEMO = resolve(import.meta.dirname, '../../fixtures/hotlist/demo-hotlist.csv');
let h: Harness | undefined;
afterEach(async () => {
  if (!h) return;
  await h.hotlist.stop();
  removeDir(h.dataDir);
  h = undefined;
});

describe('Hotlist.lookup', () => {
  it('finds listed plates, partial-plate entries and near matches without counting lookups', async () => {
    h = makeHotlist(hotlistConfig({ files: [DEMO], build: 'inline' }));
    await h.hotlist.start();
    const lookups = h.registry.get('hotlist')!.counters.lookups ?? 0;
    expect(h.hotlist.lookup('7TRW815')).toEqual([expect.objectContaining({ kind: 'exact', entry: expect.objectContaining({ plate: '7TRW815', list: 'stolen_vehicle' }) })]);
    expect(h.hotlist.lookup('6GU547B').map((x) => [x.entry.plate, x.kind])).toEqual([['6GU?47*', 'wildcard']]);
    const near = h.hotlist.lookup('7TRW8I5');
    expect(near.length).toBeGreaterThan(0);
    expect(near[0]!.kind).not.toBe('exact');
    expect(near[0]!.entry.plate).toBe('7TRW815');
    expect(h.hotlist.lookup('BRA2E19')).toEqual([]);
    expect(h.registry.get('hotlist')!.counters.lookups ?? 0).toBe(lookups);
  });
});
