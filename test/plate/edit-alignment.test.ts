import { describe, expect, it } from 'vitest';
import { editAlignment, type AlignStep } from '../../src/plate/edit-alignment.js';

/** Renders an alignment as `ref/read` pairs: `A/A`, `B/-` (gap), `-/X` (extra). */
function render(ref: string, read: string, steps: AlignStep[]): string {
  return steps
    .map((s) => {
      switch (s.op) {
        case 'match':
          return `${ref[s.refIndex]}/${read[s.readIndex]}`;
        case 'gap':
          return `${ref[s.refIndex]}/-`;
        case 'extra':
          return `-/${read[s.readIndex]}`;
      }
    })
    .join(' ');
}

describe('editAlignment', () => {
  it.each([
    ['ABC', 'ABC', 'A/A B/B C/C', 0],
    ['ABC', 'AXC', 'A/A B/X C/C', 1],
    ['AB8', 'ABB', 'A/A B/B 8/B', 0.35],
    ['ABCD', 'ABD', 'A/A B/B C/- D/D', 1],
    ['ABD', 'ABCD', 'A/A B/B -/C D/D', 1],
    ['ABC', 'ABCX', 'A/A B/B C/C -/X', 1],
    ['ABC', 'XABC', '-/X A/A B/B C/C', 1],
    ['', 'AB', '-/A -/B', 2],
    ['AB', '', 'A/- B/-', 2],
  ])('%s against %s: %s', (ref, read, expected, cost) => {
    const a = editAlignment(ref, read);
    expect(render(ref, read, a.steps)).toBe(expected);
    expect(a.cost).toBeCloseTo(cost, 9);
  });

  it('places an extra character before the reference position it precedes', () => {
    const steps = editAlignment('ABD', 'ABCD').steps;
    expect(steps).toContainEqual({ op: 'extra', readIndex: 2, beforeRef: 2 });
  });

  it('visits every character of both texts exactly once', () => {
    const ref = '7ABC123';
    const read = '7AB1Z33';
    const steps = editAlignment(ref, read).steps;
    const refSeen = steps.flatMap((s) => (s.op === 'extra' ? [] : [s.refIndex]));
    const readSeen = steps.flatMap((s) => (s.op === 'gap' ? [] : [s.readIndex]));
    expect(refSeen).toEqual([...ref].map((_, i) => i));
    expect(readSeen).toEqual([...read].map((_, i) => i));
  });
});
