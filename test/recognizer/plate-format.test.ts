import { describe, expect, it } from 'vitest';
import { canonical, coerce, expandFormat, formatFit, formatsOfLength } from '../../src/recognizer/plate-format.js';

describe('expandFormat', () => {
  it.each([
    { format: 'LLLNNNN', out: ['LLLNNNN'] },
    { format: 'L{1,2}N', out: ['LN', 'LLN'] },
    { format: 'L{1,2}N{2,3}', out: ['LNN', 'LNNN', 'LLNN', 'LLNNN'] },
  ])('$format', ({ format, out }) => {
    expect(expandFormat(format)).toEqual(out);
  });

  it('rejects an unknown class', () => {
    expect(() => expandFormat('LLX')).toThrow(/bad plate format/);
  });
});

describe('coerce: look-alikes resolved where the format fixes letter or digit', () => {
  it.each([
    { name: 'BR old format: 0 in a letter position is O', text: 'B0B1234', cls: 'LLLNNNN', region: 'br', out: 'BOB1234' },
    { name: 'BR old format: O in a digit position is 0', text: 'BOB12O4', cls: 'LLLNNNN', region: 'br', out: 'BOB1204' },
    { name: 'BR Mercosur: 1 as I, B as 8, 5 as S', text: '1BCB512', cls: 'LLLNLNN', region: 'br', out: 'IBC8S12' },
    { name: 'BR Mercosur: 5th position letter from a digit', text: 'RIO2A18', cls: 'LLLNLNN', region: 'br', out: 'RIO2A18' },
    { name: 'EU FR/IT: Z/2 and G/6', text: 'AZ1Z3GD', cls: 'LLNNNLL', region: 'eu', out: 'AZ123GD' },
    { name: 'EU: 8 in a letter position is B', text: '8MW1234', cls: 'LLLNNNN', region: 'eu', out: 'BMW1234' },
    { name: 'US: every O becomes 0, even in letter positions', text: 'OAK1234', cls: 'LLLNNNN', region: 'us', out: '0AK1234' },
    { name: 'US: I in a digit position is 1', text: '7ABCI23', cls: 'NLLLNNN', region: 'us', out: '7ABC123' },
    { name: 'no look-alike for the required class', text: 'ABC12X4', cls: 'LLLNNNN', region: 'br', out: null },
    { name: 'length differs', text: 'ABC123', cls: 'LLLNNNN', region: 'br', out: null },
  ] as const)('$name', ({ text, cls, region, out }) => {
    expect(coerce(text, cls, region)).toBe(out);
  });
});

describe('formatFit', () => {
  it.each([
    { text: 'ABC1234', region: 'br', fit: 'match' },
    { text: 'ABC1D23', region: 'br', fit: 'match' },
    { text: 'ABC123', region: 'br', fit: 'none' },
    { text: 'AB123CD', region: 'eu', fit: 'match' },
    { text: 'BMW1234', region: 'eu', fit: 'match' },
    { text: 'MA1', region: 'eu', fit: 'match' },
    { text: '12AB345', region: 'eu', fit: 'none' },
    { text: '7ABC123', region: 'us', fit: 'match' },
    { text: '0AK1234', region: 'us', fit: 'match' },
    { text: 'LUVMYCAT', region: 'us', fit: 'plausible' },
    { text: 'X', region: 'us', fit: 'none' },
    { text: 'ABCDEFGHI', region: 'us', fit: 'none' },
  ] as const)('$text in $region: $fit', ({ text, region, fit }) => {
    expect(formatFit(text, region)).toBe(fit);
  });

  it('knows both Brazilian formats', () => {
    expect(formatsOfLength('br', 7)).toEqual(['LLLNNNN', 'LLLNLNN']);
  });
});

describe('canonical', () => {
  it('writes letter O as digit 0 for US only (the US ground-truth convention)', () => {
    expect(canonical('COUGAR', 'us')).toBe('C0UGAR');
    expect(canonical('COUGAR', 'br')).toBe('COUGAR');
    expect(canonical('COUGAR', null)).toBe('COUGAR');
  });
});
