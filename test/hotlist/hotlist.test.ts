import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalEntryInput } from '../../src/hotlist/local-entries.js';
import type { RecentRead } from '../../src/hotlist/retroactive.js';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { hotlistConfig, makeHotlist, removeDir, type Harness } from './fixtures.js';

const DEMO = resolve(import.meta.dirname, '../../fixtures/hotlist/demo-hotlist.csv');
const HOUR = 3_600_000;
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.hotlist.stop();
    removeDir(h.dataDir);
  }
});
function harness(...args: Parameters<typeof makeHotlist>): Harness {
  const h = makeHotlist(...args);
  open.push(h);
  return h;
}
const read = (text: string): { text: string; confidence: number }[] => [{ text, confidence: 0.9 }];

describe('demo hot list', () => {
  it('loads in a worker thread and raises the demo clip hits', async () => {
    const { hotlist, registry } = harness(hotlistConfig({ files: [DEMO], build: 'worker' }));
    await hotlist.start();
    expect(registry.get('hotlist')!.state).toBe('ok');
    expect(registry.get('hotlist')!.counters.entries).toBe(320);

    const stolen = hotlist.match(read('7TRW815'));
    expect(stolen).toHaveLength(1);
    expect(stolen[0]).toMatchObject({ kind: 'exact', alarm: true, entry: { list: 'stolen_vehicle', priority: 1, state: 'CA' } });

    const special = hotlist.match(read('8FJK392'));
    expect(special).toHaveLength(1);
    expect(special[0]).toMatchObject({ alarm: false, notice: 'informational only; not a basis for a stop', entry: { informational: true } });

    const partial = hotlist.match(read('6GU547B'));
    expect(partial.map((h) => [h.entry.plate, h.kind, h.explanation])).toEqual([['6GU?47*', 'wildcard', 'wildcard 6GU?47*']]);

    expect(hotlist.match(read('BRA2E19'))).toEqual([]);
    expect(hotlist.generation).toMatch(/^file:demo-hotlist\.csv@\d{8}T\d{6}Z#[0-9a-f]{10} \+ local@/);
  });
});

describe('imports', () => {
  it('keeps the previous list in force when a new version is rejected', async () => {
    const { hotlist, dataDir, registry } = harness(hotlistConfig());
    await hotlist.start();
    const file = join(dataDir, 'list.csv');
    writeFileSync(file, 'plate,list\nAAA111,stolen_vehicle\n');
    expect((await hotlist.importFile(file)).fatal).toBe(false);
    const generation = hotlist.match(read('AAA111'))[0]!.generation;

    writeFileSync(file, 'plate,list\nBBB222,stolen_vehicle\nCCC333,\n');
    const report = await hotlist.importFile(file);
    expect(report.fatal).toBe(true);
    expect(report.problems).toEqual([{ row: 3, field: 'list', message: 'is required' }]);
    expect(hotlist.match(read('AAA111'))[0]!.generation).toBe(generation);
    expect(hotlist.match(read('BBB222'))).toEqual([]);
    const unit = registry.get('hotlist')!;
    expect(unit.state).toBe('degraded');
    expect(unit.lastError!.message).toContain('the previous list stays in force');
  });

  it('marks the unit down when a configured file cannot be loaded at all', async () => {
    const { hotlist, registry } = harness(hotlistConfig({ files: ['/nonexistent/list.csv'] }));
    await hotlist.start();
    expect(registry.get('hotlist')!.state).toBe('down');
    expect(registry.readiness().verdict).toBe('red');
  });

  // Two worker builds with a lookup on every turn of the event loop: 14 s with 30,000 rows on a
  // loaded 2-core machine and past 30 s with two busy loops beside it. 10,000 rows still keep
  // thousands of lookups inside the build (the test requires more than 10), in a third of the time.
  it('swaps atomically: lookups running during a worker build always see a whole list', async () => {
    const ROWS = 10_000;
    const { hotlist, dataDir } = harness(hotlistConfig({ build: 'worker' }));
    await hotlist.start();
    const file = join(dataDir, 'big.csv');
    const rows = (tag: string): string => {
      let s = 'plate,list,reason\n';
      for (let i = 0; i < ROWS; i++) s += `${tag}${String(i).padStart(5, '0')},stolen_vehicle,${tag}\n`;
      return s;
    };
    writeFileSync(file, rows('AB'));
    await hotlist.importFile(file, { source: 'big' });
    const before = hotlist.match(read('AB00042'))[0]!.generation;
    writeFileSync(file, `${rows('AB')}ZZZ999,stolen_vehicle,new\n`);

    const seen = new Set<string>();
    let lookups = 0;
    let missing = 0;
    let done = false;
    const loop = (): void => {
      if (done) return;
      const hits = hotlist.match(read(`AB${String(lookups % ROWS).padStart(5, '0')}`)).filter((h) => h.entry.source === 'big' && h.kind === 'exact');
      if (hits.length !== 1) missing++;
      else seen.add(hits[0]!.generation);
      lookups++;
      setImmediate(loop);
    };
    loop();
    await hotlist.importFile(file, { source: 'big' });
    const after = hotlist.match(read('ZZZ999'))[0]!.generation;
    done = true;
    expect(lookups).toBeGreaterThan(10);
    expect(missing).toBe(0);
    expect(after).not.toBe(before);
    expect([...seen].every((g) => g === before || g === after)).toBe(true);
  });
});

describe('local hot plates', () => {
  const base = (now: number): LocalEntryInput => ({
    plate: '5XYZ123',
    state: 'CA',
    list: 'local',
    priority: 2,
    reason: 'Vehicle seen leaving a burglary',
    caseNumber: '26-120001',
    officerName: 'Ofc. M. Alvarez #4411',
    officerContact: '916-555-0142',
    expiresAt: now + 7 * 24 * HOUR,
    alsoInNcic: false,
  });

  it('adds an entry that matches at once and persists across restarts', async () => {
    const h = harness(hotlistConfig());
    await h.hotlist.start();
    const r = h.hotlist.addLocalEntry(base(h.clock.now()), 'alvarez');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.entry).toMatchObject({ plate: '5XYZ123', source: 'local', enteredBy: 'alvarez', officerName: 'Ofc. M. Alvarez #4411' });
    expect(h.hotlist.match(read('5XYZ123'))[0]!.entry.id).toBe(r.entry.id);
    expect(readdirSync(h.dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await h.hotlist.stop();

    const again = harness(hotlistConfig(), { dataDir: h.dataDir, clock: h.clock });
    await again.hotlist.start();
    expect(again.hotlist.listLocalEntries().map((e) => e.id)).toEqual([r.entry.id]);
    expect(again.hotlist.match(read('5XYZ123'))).toHaveLength(1);
    expect(again.hotlist.removeLocalEntry(r.entry.id, 'alvarez')).toBe(true);
    expect(again.hotlist.match(read('5XYZ123'))).toEqual([]);
    expect(again.hotlist.removeLocalEntry(r.entry.id, 'alvarez')).toBe(false);
  });

  it.each<[string, (i: LocalEntryInput, now: number) => LocalEntryInput, string, string]>([
    ['no case number and no XREF', (i) => ({ ...i, caseNumber: null, subjectXref: null }), 'caseNumber', 'sacramento-pd E.1.a'],
    ['no reason', (i) => ({ ...i, reason: '  ' }), 'reason', 'sacramento-pd E.1.b'],
    ['no officer name', (i) => ({ ...i, officerName: '' }), 'officerName', 'roseville 426.6.5 (1)'],
    ['no officer contact', (i) => ({ ...i, officerContact: '' }), 'officerContact', 'roseville 426.6.5 (1)'],
    ['an expiry in the past', (i, now) => ({ ...i, expiresAt: now - 1 }), 'expiresAt', 'must be in the future'],
    ['an expiry past 30 days', (i, now) => ({ ...i, expiresAt: now + 30 * 24 * HOUR + 1 }), 'expiresAt', 'within 30 days (sacramento-da IV.E.a'],
    ['NCIC and an expiry past 24 hours', (i, now) => ({ ...i, alsoInNcic: true, expiresAt: now + 24 * HOUR + 1 }), 'expiresAt', 'within 24 hours (sacramento-pd E.2'],
    ['no expiry', (i) => ({ ...i, expiresAt: undefined as unknown as number }), 'expiresAt', 'an expiry date is required'],
    ['an unusable plate', (i) => ({ ...i, plate: '#' }), 'plate', 'at least two characters'],
  ])('refuses an entry with %s', async (_name, change, field, message) => {
    const h = harness(hotlistConfig());
    await h.hotlist.start();
    const r = h.hotlist.addLocalEntry(change(base(h.clock.now()), h.clock.now()), 'alvarez');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = r.errors.find((x) => x.field === field);
    expect(e?.message).toContain(message);
    expect(h.hotlist.listLocalEntries()).toEqual([]);
  });

  it('accepts a subject XREF instead of a case number, and the limits exactly', async () => {
    const h = harness(hotlistConfig());
    await h.hotlist.start();
    const now = h.clock.now();
    expect(h.hotlist.addLocalEntry({ ...base(now), caseNumber: null, subjectXref: 'X-100', expiresAt: now + 30 * 24 * HOUR }, 'a').ok).toBe(true);
    expect(h.hotlist.addLocalEntry({ ...base(now), plate: '6ABC777', alsoInNcic: true, expiresAt: now + 24 * HOUR }, 'a').ok).toBe(true);
  });

  it('refuses the same plate twice on one list', async () => {
    const h = harness(hotlistConfig());
    await h.hotlist.start();
    expect(h.hotlist.addLocalEntry(base(h.clock.now()), 'a').ok).toBe(true);
    const again = h.hotlist.addLocalEntry(base(h.clock.now()), 'a');
    expect(again.ok).toBe(false);
  });

  it('stops matching an entry at its expiry and purges it from the file', async () => {
    const h = harness(hotlistConfig());
    await h.hotlist.start();
    const now = h.clock.now();
    expect(h.hotlist.addLocalEntry({ ...base(now), expiresAt: now + HOUR }, 'a').ok).toBe(true);
    h.clock.set(now + HOUR - 1);
    expect(h.hotlist.match(read('5XYZ123'))).toHaveLength(1);
    h.clock.set(now + HOUR);
    expect(h.hotlist.match(read('5XYZ123'))).toEqual([]);
    expect(h.hotlist.listLocalEntries()).toEqual([]);
    h.hotlist.purge();
    expect(readFileSync(join(h.dataDir, 'hotlist-local.jsonl'), 'utf8')).toBe('');
    expect(h.registry.get('hotlist')!.counters.local_purged).toBe(1);
  });

  it('marks entries on a special list informational', async () => {
    const h = harness(hotlistConfig());
    await h.hotlist.start();
    const r = h.hotlist.addLocalEntry({ ...base(h.clock.now()), list: 'gang' }, 'a');
    expect(r.ok && r.entry.informational).toBe(true);
    expect(h.hotlist.match(read('5XYZ123'))[0]!.alarm).toBe(false);
  });
});

describe('retroactive matching', () => {
  it('raises retroactive hits for recent reads that match entries new in a list version', async () => {
    const reads: RecentRead[] = [
      { detectionId: 'd1', candidates: read('AAA111'), cameraId: 'front', at: 0 },
      { detectionId: 'd2', candidates: [{ text: 'XXX000', confidence: 0.9 }, { text: 'BBB222', confidence: 0.5 }], cameraId: 'front', at: 0 },
      { detectionId: 'd3', candidates: read('CCC333'), cameraId: 'rear', at: 0 },
    ];
    const raised: [string, HotlistHit[]][] = [];
    let since = 0;
    const h = harness(hotlistConfig({ retroactive_window_h: 2 }), {
      recentReads: (s) => {
        since = s;
        return reads;
      },
      onRetroactiveHit: (id, hits) => raised.push([id, hits]),
    });
    await h.hotlist.start();
    const file = join(h.dataDir, 'l.csv');
    writeFileSync(file, 'plate,list\nAAA111,stolen_vehicle\n');
    await h.hotlist.importFile(file, { source: 'x' });
    await h.hotlist.idle();
    raised.length = 0;

    writeFileSync(file, 'plate,list\nAAA111,stolen_vehicle\nBBB222,warrant\n');
    await h.hotlist.importFile(file, { source: 'x' });
    await h.hotlist.idle();
    expect(since).toBe(h.clock.now() - 2 * HOUR);
    expect(raised.map(([id, hits]) => [id, hits.map((x) => [x.entry.plate, x.retroactive, x.readText])])).toEqual([['d2', [['BBB222', true, 'BBB222']]]]);
    expect(h.registry.get('hotlist')!.counters.retroactive_hits).toBe(2);
  });

  it('checks recent reads against a newly entered local hot plate', async () => {
    const raised: string[] = [];
    const h = harness(hotlistConfig(), {
      recentReads: () => [{ detectionId: 'd9', candidates: read('5XYZ12'), cameraId: 'front', at: 0 }],
      onRetroactiveHit: (id) => raised.push(id),
    });
    await h.hotlist.start();
    const now = h.clock.now();
    h.hotlist.addLocalEntry({ plate: '5XYZ123', list: 'local', reason: 'r', caseNumber: '1', officerName: 'o', officerContact: 'c', expiresAt: now + HOUR, alsoInNcic: false }, 'a');
    await h.hotlist.idle();
    expect(raised).toEqual(['d9']);
  });
});

describe('status', () => {
  it('is amber with no list configured at all', async () => {
    const h = harness(hotlistConfig());
    await h.hotlist.start();
    expect(h.registry.get('hotlist')!.state).toBe('degraded');
    expect(existsSync(join(h.dataDir, 'hotlist-local.jsonl'))).toBe(false);
  });
});
