import { describe, expect, it } from 'vitest';
import { CONFUSION_COST, ConfusionTable } from '../../src/plate/confusion-table.js';
import { plateDistance, plateSimilarity } from '../../src/plate/edit-alignment.js';
import { normalisePlate } from '../../src/plate/normalise.js';

const substitutionCost = (a: string, b: string): number => ConfusionTable.DEFAULT.substitutionCost(a, b);

describe('normalisePlate', () => {
  it.each([
    ['7abc123', '7ABC123'],
    ['7 ABC 123', '7ABC123'],
    ['7-ABC-123', '7ABC123'],
    ['AB.12.CD', 'AB12CD'],
    ['  \t7ABC123\n', '7ABC123'],
    ['ＡＢＣ１２３', 'ABC123'], // full-width, as pasted from some bulletins
    ['АВС123', 'ABC123'], // Cyrillic А, В, С
    ['ΑΒΕ123', 'ABE123'], // Greek Α, Β, Ε
    ['ÖÄÜ123', 'OAU123'], // accents dropped
    ['1Ø2', '102'], // slashed zero
    ['ABC_123/CA', 'ABC123CA'],
    ['😀ABC', 'ABC'],
    ['', ''],
    ['---', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalisePlate(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const s of ['7-abc 123', 'АВС-123', 'ＡＢＣ１２３']) expect(normalisePlate(normalisePlate(s))).toBe(normalisePlate(s));
  });
});

describe('substitutionCost', () => {
  it.each([
    ['A', 'A', 0],
    ['0', 'O', CONFUSION_COST],
    ['O', 'D', CONFUSION_COST],
    ['Q', '0', CONFUSION_COST],
    ['1', 'I', CONFUSION_COST],
    ['L', '1', CONFUSION_COST],
    ['2', 'Z', CONFUSION_COST],
    ['5', 'S', CONFUSION_COST],
    ['6', 'G', CONFUSION_COST],
    ['8', 'B', CONFUSION_COST],
    ['8', 'A', 1],
    ['0', '8', 1],
    ['S', 'Z', 1],
  ])('%s → %s costs %d', (a, b, cost) => {
    expect(substitutionCost(a, b)).toBe(cost);
    expect(substitutionCost(b, a)).toBe(cost);
  });
});

describe('plateDistance', () => {
  it.each([
    ['7ABC123', '7ABC123', 0],
    ['8ABC123', 'BABC123', CONFUSION_COST],
    ['7ABC1O3', '7ABC103', CONFUSION_COST],
    ['7ABC123', '7ABC124', 1],
    ['7ABC123', '7ABC12', 1], // dropped last character
    ['7ABC123', '7AB123', 1], // dropped middle character
    ['7ABC123', '7ABCC123', 1], // extra character
    ['7ABC123', 'ABC1237', 2], // shifted: one drop, one extra
    ['', 'ABC', 3],
    ['ABC', '', 3],
    ['S0B', '5O8', 3 * CONFUSION_COST],
  ])('%s vs %s = %d', (a, b, d) => {
    expect(plateDistance(a, b)).toBeCloseTo(d, 9);
    expect(plateDistance(b, a)).toBeCloseTo(d, 9);
  });
});

describe('plateSimilarity', () => {
  it.each([
    ['7ABC123', '7ABC123', 1],
    ['', '', 1],
    ['ABCD', 'WXYZ', 0],
    ['ABCD', 'ABCE', 0.75],
    ['ABCD', 'ABC', 0.75],
  ])('%s vs %s = %d', (a, b, s) => {
    expect(plateSimilarity(a, b)).toBeCloseTo(s, 9);
  });

  it('rates a look-alike swap closer than an unrelated substitution', () => {
    expect(plateSimilarity('7ABC803', '7ABC8O3')).toBeGreaterThan(plateSimilarity('7ABC803', '7ABC8X3'));
  });
});

describe('a configured confusion table', () => {
  // An agency whose plates use a font where U and V blur, and where 2 and Z never do.
  const agency = ConfusionTable.of(['0ODQ', '1IL', 'UV', '5S', '6G', '8B']);

  it('changes the substitution costs and with them the distance and the similarity', () => {
    expect(agency.substitutionCost('U', 'V')).toBe(CONFUSION_COST);
    expect(agency.substitutionCost('2', 'Z')).toBe(1);
    expect(plateDistance('7UBC2', '7VBCZ', agency)).toBeCloseTo(CONFUSION_COST + 1, 9);
    expect(plateDistance('7UBC2', '7VBCZ')).toBeCloseTo(1 + CONFUSION_COST, 9);
    expect(plateDistance('UUUU', 'VVVV', agency)).toBeCloseTo(4 * CONFUSION_COST, 9);
    expect(plateDistance('UUUU', 'VVVV')).toBe(4);
    expect(plateSimilarity('UUUU', 'VVVV', agency)).toBeGreaterThan(plateSimilarity('UUUU', 'VVVV'));
  });

  it('refuses characters outside the alphabet and a character in two classes, naming each', () => {
    expect(ConfusionTable.parse(['0O', 'O-', 'X'])).toEqual({
      table: null,
      errors: ['[1]: "O" is already in class 0', '[1]: "-" is not A–Z or 0–9', '[2]: a class needs at least two characters'],
    });
  });
});
