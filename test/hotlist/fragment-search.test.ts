/**
 * Look-up by fragment (issue 15: "6GU" did not find "6GU547B"): the plates of the lists in force
 * containing a typed piece, `?` one character and `*` any run; checked against a plain regular
 * expression over random lists.
 */
import { describe, expect, test } from 'vitest';
import { parseFragment, searchFragment, type FragmentPattern } from '../../src/hotlist/fragment-search.js';
import type { ListIndex } from '../../src/hotlist/index/list-index.js';
import { indexOf, row } from './helpers.js';
import { seededRandom } from '../helpers/random.js';

const NOW = Date.UTC(2026, 11, 7);

function pattern(text: string): FragmentPattern {
  const p = parseFragment(text);
  if (!p.ok) throw new Error(p.message);
  return p.pattern;
}

const plates = (indexes: ListIndex[], text: string, limit = 50): string[] => searchFragment(indexes, pattern(text), NOW, limit).matches.map((m) => m.plate).sort();

describe('parseFragment', () => {
  test.each([
    [' 6gu ', '6GU', 1],
    ['6g-u 5', '6GU5', 1],
    ['6G?5', '6G?5', 1],
    ['*6GU**7B*', '*6GU*7B*', 2],
    ['A?B?C', 'A?B?C', 1],
  ])('%j is read as %j in %i piece(s)', (input, text, pieces) => {
    const p = pattern(input);
    expect(p.text).toBe(text);
    expect(p.segments).toHaveLength(pieces);
  });

  test.each([
    ['6G', /at least 3 letters or digits/],
    ['6?G*', /at least 3 letters or digits/],
    ['***', /at least 3 letters or digits/],
    ['6GU/5', /letters, digits, \? \(one character\) and \* \(any run\) only/],
    ['ÄBC', /letters, digits/],
    ['1234567890ABC', /longer than any plate/],
    ['X'.repeat(40), /at most 32 characters/],
  ])('%j is refused: %s', (input, message) => {
    const p = parseFragment(input);
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.message).toMatch(message);
      expect(p.message).not.toContain(input.trim().toUpperCase().slice(0, 3));
    }
  });

  test('the anchor is the longest run of known characters', () => {
    expect(Array.from(pattern('6G?547*B').anchor)).toEqual([5, 4, 7]);
  });
});

describe('searchFragment', () => {
  const list = indexOf([
    row('6GU547B', { list: 'felony_vehicle', priority: 1, reason: 'armed robbery' }),
    row('16GU44', { list: 'stolen_vehicle', priority: 2 }),
    row('7ABC6GU'),
    row('6G0U547'),
    row('ABC1234'),
    // Rows of one length lie side by side: "...6G" then "U..." must not read as "6GU".
    row('XYZ996G'),
    row('U111222'),
    row('8GU5XX7B', { expiresAt: NOW - 1 }),
    row('6GU?47*', { list: 'warrant' }),
  ]);

  test('a fragment finds every plate containing it, at any position, with list and reason', () => {
    const a = searchFragment([list], pattern('6GU'), NOW, 50);
    expect(a.matches.map((m) => m.plate).sort()).toEqual(['16GU44', '6GU547B', '7ABC6GU']);
    expect(a.truncated).toBe(false);
    expect(a.matches[0]).toMatchObject({ plate: '6GU547B', entry: { list: 'felony_vehicle', reason: 'armed robbery', priority: 1 } });
  });

  test('? stands for one character and * for any run; expired entries are left out', () => {
    expect(plates([list], '6G?5')).toEqual(['6GU547B']);
    expect(plates([list], 'G?U5')).toEqual(['6G0U547']);
    expect(plates([list], '6G*47')).toEqual(['6G0U547', '6GU547B']);
    expect(plates([list], 'GU5*7B')).toEqual(['6GU547B']);
    expect(plates([list], '5XX')).toEqual([]);
  });

  test('a run across two neighbouring rows is no match', () => {
    expect(plates([list], '96GU')).toEqual([]);
    expect(plates([list], 'GU1')).toEqual([]);
  });

  test('partial-plate entries are not plates: the fragment search leaves them to lookup', () => {
    expect(plates([list], '6GU?47')).toEqual(['6GU547B']);
  });

  test('every list in force is searched, and at most `limit` entries come back, marked truncated', () => {
    const other = indexOf([row('K6GU12', { list: 'warrant', priority: 3 })], 'other');
    expect(plates([list, other], '6GU')).toEqual(['16GU44', '6GU547B', '7ABC6GU', 'K6GU12']);
    const capped = searchFragment([list, other], pattern('6GU'), NOW, 2);
    expect(capped.matches).toHaveLength(2);
    expect(capped.truncated).toBe(true);
  });

  test('agrees with a regular expression over random lists of mixed lengths', () => {
    const r = seededRandom(15);
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    // A small alphabet share keeps matches frequent.
    const pick = (): string => alphabet[r() < 0.7 ? Math.floor(r() * 6) : Math.floor(r() * 36)]!;
    const all = [...new Set(Array.from({ length: 3000 }, () => Array.from({ length: 5 + Math.floor(r() * 4) }, pick).join('')))];
    const index = indexOf(all.map((p) => row(p)));
    for (let k = 0; k < 200; k++) {
      let text = Array.from({ length: 3 + Math.floor(r() * 3) }, pick).join('');
      if (r() < 0.4) text = text.slice(0, 1) + '?' + text.slice(2);
      if (r() < 0.3) text = text.slice(0, 2) + '*' + text.slice(2);
      const known = text.replace(/[?*]/g, '').length;
      if (known < 3) continue;
      const re = new RegExp(text.replace(/\?/g, '.').replace(/\*/g, '.*'));
      expect(plates([index], text, 10_000), text).toEqual(all.filter((p) => re.test(p)).sort());
    }
  });
});
