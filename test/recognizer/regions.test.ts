/**
 * Region as an installation setting: `auto` chooses only among the configured regions, a
 * format-corrected reading keeps the probability of the raw string it corrects, and a broad
 * format that merely accepts a raw misread never beats a narrow one that explains a confident
 * correction (the hidden-set review's JOG922I / JOG9221 case).
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { readPlate } from '../../src/recognizer/candidates.js';
import { loadModelContract } from '../../src/recognizer/contract.js';
import { formatLogPrior } from '../../src/recognizer/plate-format.js';
import { readerOptions } from '../../src/recognizer/reader-options.js';
import { CHARSET, frames } from './ctc-helpers.js';

const opts = { charset: CHARSET, topN: 5 };
/** JOG9221 (a Brazilian grey plate) with the network fairly sure the last character is I. */
const jog = frames(['J', '-', 'O', '-', 'G', '-', '9', '-', '2', '-', '-', '2', '-', { I: 0.8, '1': 0.15 }]);

describe('auto region', () => {
  it('prefers the Brazilian correction JOG9221 over the raw misread JOG922I that a broad EU shape accepts', () => {
    const r = readPlate(jog, { ...opts, region: null });
    expect(r.text).toBe('JOG9221');
    expect(r.region).toBe('br');
    const br = readPlate(jog, { ...opts, region: null, regions: ['br', 'eu'] });
    expect(br.text).toBe('JOG9221');
    expect(br.region).toBe('br');
  });

  it('chooses only among the configured regions', () => {
    const eu = readPlate(jog, { ...opts, region: null, regions: ['eu'] });
    expect(eu.text).toBe('JOG922I');
    expect(eu.region).toBe('eu');
    // In the US any 2-8 characters may be a vanity plate: the reading stays as the network saw it.
    const us = readPlate(jog, { ...opts, region: null, regions: ['us'] });
    expect(us.text).toBe('J0G922I');
  });

  it('reports the one region whose format fits', () => {
    // AB123CD is FR/IT (EU only); neither BR nor US has a 7-character LLNNNLL shape.
    const f = frames(['A', '-', 'B', '-', '1', '-', '2', '-', '3', '-', 'C', '-', 'D']);
    const r = readPlate(f, { ...opts, region: null });
    expect(r.text).toBe('AB123CD');
    expect(r.region).toBe('eu');
  });
});

describe('auto region, faint plates', () => {
  it('does not let the empty reading of a faint plate win the region choice', () => {
    // Each character is more likely blank than seen, so the empty string is the most probable
    // string and tops Brazil's and the EU's pools; US ranks a 2-character vanity reading first.
    // Weighed by absolute P(string | region), the empty string would win and the plate vanish.
    const faint = (c: string) => [{ '-': 0.6, [c]: 0.4 }, '-'];
    const r = readPlate(frames([...'ABC'].flatMap(faint)), { ...opts, region: null });
    expect(r.text.length).toBeGreaterThan(0);
  });
});

describe('format-corrected readings', () => {
  it('carry the probability of the raw string they correct', () => {
    const f = frames(['A', '-', 'B', '-', 'C', '-', '1', '-', '2', '-', '3', '-', { I: 0.9, '1': 0.05 }]);
    const r = readPlate(f, { ...opts, region: 'br' });
    expect(r.text).toBe('ABC1231');
    // Scored by its own CTC likelihood the correction would be ~0.05 of the mass; it inherits the raw 0.9.
    expect(r.confidence).toBeGreaterThan(0.8);
    expect(r.candidates.map((c) => c.text)).toContain('ABC123I');
  });

  it('are not made from a raw string that already fits one of the region\'s formats', () => {
    // ABC1D23 is Mercosur: it is not turned into the old-format ABC1023 at its expense.
    const f = frames(['A', '-', 'B', '-', 'C', '-', '1', '-', 'D', '-', '2', '-', '3']);
    const r = readPlate(f, { ...opts, region: 'br' });
    expect(r.text).toBe('ABC1D23');
    expect(r.confidence).toBeGreaterThan(0.8);
  });
});

describe('formatLogPrior', () => {
  it('weighs a string by how narrow the formats it fits are', () => {
    expect(formatLogPrior('JOG9221', 'br')).toBeGreaterThan(formatLogPrior('JOG922I', 'eu') + Math.log(10));
    expect(formatLogPrior('AB123CD', 'eu')).toBeGreaterThan(formatLogPrior('AB123CD', 'br'));
    // A US vanity plate is plausible in US only; a string no format explains is least likely.
    expect(formatLogPrior('C0UGAR', 'us')).toBeGreaterThan(formatLogPrior('C0UGAR', 'br'));
    // Relative to the length: a short string gains nothing for being short.
    expect(formatLogPrior('', 'br')).toBe(formatLogPrior('ABC12', 'br'));
  });
});

describe('recognizer.regions / recognizer.region configuration', () => {
  const load = (yaml: string) => loadConfigText(yaml, '/tmp', {}, 'test.yaml');

  it('defaults to auto among every region', () => {
    const r = load('');
    expect(r.errors).toEqual([]);
    expect(r.config!.recognizer.region).toBe('auto');
    expect(r.config!.recognizer.regions).toEqual(['us', 'eu', 'br']);
  });

  it('accepts the agency\'s list and passes it to the reader', () => {
    const r = load('recognizer:\n  regions: [br]\n');
    expect(r.errors).toEqual([]);
    const o = readerOptions(r.config!.recognizer, loadModelContract());
    expect(o.region).toBeNull();
    expect(o.regions).toEqual(['br']);
  });

  it.each([
    { name: 'a region outside the list', yaml: 'recognizer:\n  regions: [eu]\n  region: br\n', message: /recognizer\.region: br is not one of recognizer\.regions \(eu\)/ },
    { name: 'an empty list', yaml: 'recognizer:\n  regions: []\n', message: /recognizer\.regions/ },
    { name: 'an unknown region', yaml: 'recognizer:\n  regions: [mars]\n', message: /recognizer\.regions/ },
    { name: 'a repeated region', yaml: 'recognizer:\n  regions: [us, us]\n', message: /recognizer\.regions/ },
  ])('rejects $name', ({ yaml, message }) => {
    const r = load(yaml);
    expect(r.config).toBeNull();
    expect(r.errors.join('\n')).toMatch(message);
  });
});
