import { describe, expect, it } from 'vitest';
import { ConfusionTable, DEFAULT_CONFUSION_CLASSES } from '../../src/plate/confusion-table.js';
import type { MatchSettings } from '../../src/hotlist/index/list-index.js';
import { INFORMATIONAL_NOTICE, matchCandidates, type ReadCandidate } from '../../src/hotlist/matcher.js';
import { seededRandom } from '../helpers/random.js';
import { indexOf, row } from './helpers.js';

const table = ConfusionTable.of(DEFAULT_CONFUSION_CLASSES);
const settings: MatchSettings = { table, maxEdits: 1, confusionCost: 0, minEditLength: 5 };
const NOW = Date.UTC(2026, 5, 1);
const limits = { maxCandidates: 10, maxHits: 20 };

const index = indexOf([
  row('7TRW815', { list: 'stolen_vehicle', priority: 1 }),
  row('8FJK392', { list: 'sex_offender', informational: true, priority: 6 }),
  row('6GU?47*', { list: 'felony_vehicle', priority: 2 }),
  row('7AB123', { list: 'local', priority: 3 }),
  row('ABC0D12', { list: 'warrant', priority: 4 }),
]);

const one = (text: string): ReadCandidate[] => [{ text, confidence: 0.9 }];

describe('match kinds and explanations', () => {
  it.each([
    ['7TRW815', '7TRW815', 'exact', 'exact'],
    ['7trw 815', '7TRW815', 'exact', 'exact'],
    ['7TRWB15', '7TRW815', 'confusion', '8 read as B'],
    ['ABCOO12', 'ABC0D12', 'confusion', '0 read as O, D read as O'],
    ['7TRW81', '7TRW815', 'edit', 'one character missing: read 7TRW81 for 7TRW815'],
    ['7AB12', '7AB123', 'edit', 'one character missing: read 7AB12 for 7AB123'],
    ['7TRW8155', '7TRW815', 'edit', 'one extra character: read 7TRW8155 for 7TRW815'],
    ['7TRW825', '7TRW815', 'edit', 'one character different (1 read as 2): read 7TRW825 for 7TRW815'],
    ['7TRWB1', '7TRW815', 'edit', 'one character missing (8 read as B): read 7TRWB1 for 7TRW815'],
    ['6GU547B', '6GU?47*', 'wildcard', 'wildcard 6GU?47*'],
    ['6GU247', '6GU?47*', 'wildcard', 'wildcard 6GU?47*'],
    ['GGU547X', '6GU?47*', 'wildcard', 'wildcard 6GU?47* (6 read as G)'],
  ])('%s matches %s as %s: "%s"', (read, plate, kind, explanation) => {
    const hits = matchCandidates([index], one(read), null, NOW, settings, limits);
    const hit = hits.find((h) => h.entry.plate === plate);
    expect(hit).toBeDefined();
    expect(hit!.kind).toBe(kind);
    expect(hit!.explanation).toBe(explanation);
    expect(hit!.generation).toBe(index.generation);
    expect(hit!.retroactive).toBe(false);
  });

  it.each([['BRA2E19'], ['7TRVV815'], ['6GU54'], ['9XYZ999'], ['']])('%s matches nothing', (read) => {
    expect(matchCandidates([index], one(read), null, NOW, settings, limits)).toEqual([]);
  });

  it('gives no edit tolerance to reads shorter than min_edit_length', () => {
    const short = indexOf([row('AB12')]);
    expect(matchCandidates([short], one('AB1'), null, NOW, settings, limits)).toEqual([]);
    expect(matchCandidates([short], one('AB1'), null, NOW, { ...settings, minEditLength: 3 }, limits)).toHaveLength(1);
  });

  it('finds two edits only when max_edit_distance is 2', () => {
    expect(matchCandidates([index], one('7TRW8'), null, NOW, settings, limits)).toEqual([]);
    const hits = matchCandidates([index], one('7TRW8'), null, NOW, { ...settings, maxEdits: 2 }, limits);
    expect(hits.map((h) => h.explanation)).toEqual(['two characters differ (1 missing, 5 missing): read 7TRW8 for 7TRW815']);
  });

  it('counts confusions against the edit budget when they are not free', () => {
    const strict = { ...settings, maxEdits: 0, confusionCost: 2 };
    expect(matchCandidates([index], one('7TRWB15'), null, NOW, strict, limits)).toEqual([]);
    const cheap = { ...settings, maxEdits: 1, confusionCost: 1 };
    expect(matchCandidates([index], one('7TRWB1S'), null, NOW, cheap, limits).map((h) => h.entry.plate)).toEqual(['7TRW815']);
    expect(matchCandidates([index], one('7TRWBIS'), null, NOW, cheap, limits)).toEqual([]);
  });

  it('uses the configured confusion table', () => {
    const noClasses = { ...settings, table: ConfusionTable.of([]) };
    expect(matchCandidates([index], one('7TRWB15'), null, NOW, noClasses, limits)[0]!.kind).toBe('edit');
  });
});

describe('candidates and ranking', () => {
  it('checks every candidate of a read and reports which one matched', () => {
    const hits = matchCandidates([index], [{ text: '7TRVV815', confidence: 0.8 }, { text: '7TRW815', confidence: 0.1 }], null, NOW, settings, limits);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.readText).toBe('7TRW815');
    expect(hits[0]!.kind).toBe('exact');
  });

  it('checks only the first max_candidates candidates', () => {
    const cands = [{ text: 'ZZZ111', confidence: 0.8 }, { text: '7TRW815', confidence: 0.1 }];
    expect(matchCandidates([index], cands, null, NOW, settings, { ...limits, maxCandidates: 1 })).toEqual([]);
  });

  it('ranks exact before confusion before edit, whatever the priority', () => {
    const idx = indexOf([row('5ABC123', { priority: 9 }), row('SABC123', { priority: 1 }), row('5ABC12', { priority: 1 })]);
    const hits = matchCandidates([idx], one('5ABC123'), null, NOW, settings, limits);
    expect(hits.map((h) => [h.entry.plate, h.kind])).toEqual([
      ['5ABC123', 'exact'],
      ['SABC123', 'confusion'],
      ['5ABC12', 'edit'],
    ]);
  });

  it('breaks ties by list priority', () => {
    const idx = indexOf([row('5ABC123', { list: 'local', priority: 7 }), row('5ABC123', { list: 'amber', priority: 1 }), row('5ABC123', { list: 'warrant', priority: 4 })]);
    expect(matchCandidates([idx], one('5ABC123'), null, NOW, settings, limits).map((h) => h.entry.list)).toEqual(['amber', 'warrant', 'local']);
  });

  it('reports one hit per entry, from its best candidate', () => {
    const hits = matchCandidates([index], [{ text: '7TRWB15', confidence: 0.9 }, { text: '7TRW815', confidence: 0.5 }], null, NOW, settings, limits);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.kind).toBe('exact');
  });

  it('matches across several lists, each hit carrying its own generation', () => {
    const other = indexOf([row('7TRW815', { list: 'local' })], 'local');
    const hits = matchCandidates([index, other], one('7TRW815'), null, NOW, settings, limits);
    expect(new Set(hits.map((h) => h.generation))).toEqual(new Set([index.generation, other.generation]));
  });
});

describe('entries', () => {
  it('marks special-list hits informational: no alarm, with the notice', () => {
    const [hit] = matchCandidates([index], one('8FJK392'), null, NOW, settings, limits);
    expect(hit!.alarm).toBe(false);
    expect(hit!.notice).toBe(INFORMATIONAL_NOTICE);
    expect(hit!.entry.informational).toBe(true);
    const [stolen] = matchCandidates([index], one('7TRW815'), null, NOW, settings, limits);
    expect(stolen!.alarm).toBe(true);
    expect(stolen!.notice).toBeNull();
  });

  it('matches an entry until its expiry and not from the expiry on', () => {
    const T = NOW + 60_000;
    const idx = indexOf([row('4XYZ567', { expiresAt: T }), row('4XYZ56?', { expiresAt: T })]);
    expect(matchCandidates([idx], one('4XYZ567'), null, T - 1, settings, limits)).toHaveLength(2);
    expect(matchCandidates([idx], one('4XYZ567'), null, T, settings, limits)).toEqual([]);
  });

  it('filters by state when the read has one; entries without a state match any', () => {
    const idx = indexOf([row('4XYZ567', { state: 'CA', list: 'a' }), row('4XYZ567', { state: 'NV', list: 'b' }), row('4XYZ567', { list: 'c' })]);
    expect(matchCandidates([idx], one('4XYZ567'), 'CA', NOW, settings, limits).map((h) => h.entry.list).sort()).toEqual(['a', 'c']);
    expect(matchCandidates([idx], one('4XYZ567'), null, NOW, settings, limits)).toHaveLength(3);
  });

  it('carries the entry fields on the hit', () => {
    const idx = indexOf([row('4XYZ567', { state: 'CA', caseNumber: '26-001', reason: 'armed robbery', officerName: 'Ofc. Diaz', officerContact: '916-555-0101', id: 'E-1' })]);
    const [hit] = matchCandidates([idx], one('4XYZ567'), null, NOW, settings, limits);
    expect(hit!.entry).toMatchObject({ id: 'E-1', plate: '4XYZ567', state: 'CA', caseNumber: '26-001', reason: 'armed robbery', officerName: 'Ofc. Diaz', officerContact: '916-555-0101', expiresAt: null });
  });
});

describe('walking candidates together', () => {
  it('finds exactly the entries that walking each candidate alone finds', () => {
    const rnd = seededRandom(7);
    const A = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';
    const plate = (): string => Array.from({ length: 5 + Math.floor(rnd() * 3) }, () => A[Math.floor(rnd() * A.length)]).join('');
    const plates = Array.from({ length: 3000 }, plate);
    const idx = indexOf([...new Set(plates)].map((p, i) => row(p, { list: `l${i % 3}` })));
    const mutate = (p: string): string => {
      const i = Math.floor(rnd() * p.length);
      const c = A[Math.floor(rnd() * A.length)]!;
      const k = Math.floor(rnd() * 3);
      return k === 0 ? p.slice(0, i) + c + p.slice(i + 1) : k === 1 ? p.slice(0, i) + p.slice(i + 1) : p.slice(0, i) + c + p.slice(i);
    };
    let compared = 0;
    for (let r = 0; r < 150; r++) {
      const base = plates[Math.floor(rnd() * plates.length)]!;
      const cands = Array.from({ length: 10 }, (_, k) => ({ text: k === 0 ? base : mutate(mutate(base)), confidence: 1 - k / 20 }));
      const together = new Set(matchCandidates([idx], cands, null, NOW, settings, { maxCandidates: 10, maxHits: 1000 }).map((h) => h.entry.id));
      const alone = new Set(cands.flatMap((c) => matchCandidates([idx], [c], null, NOW, settings, { maxCandidates: 1, maxHits: 1000 }).map((h) => h.entry.id)));
      expect(together).toEqual(alone);
      compared += alone.size;
    }
    expect(compared).toBeGreaterThan(150);
  });
});
