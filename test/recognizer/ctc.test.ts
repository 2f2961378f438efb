import { describe, expect, it } from 'vitest';
import { ctcBeam, ctcCharConfidences, ctcFrames, ctcGreedy, ctcLogLikelihood, type CtcFrames } from '../../src/recognizer/ctc.js';
import { seededRandom } from '../helpers/random.js';
import { C, CHARSET, classOf, frames, logitsOf } from './ctc-helpers.js';

/** Every path of a tiny lattice, collapsed: the exact P(text) to check the decoders against. */
function bruteForce(f: CtcFrames, alphabet: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (t: number, path: string[], p: number): void => {
    if (t === f.T) {
      let text = '';
      let prev = '-';
      for (const s of path) {
        if (s !== '-' && s !== prev) text += s;
        prev = s;
      }
      out.set(text, (out.get(text) ?? 0) + p);
      return;
    }
    for (const s of alphabet) walk(t + 1, [...path, s], p * f.probs[t * f.C + classOf(s)]!);
  };
  walk(0, [], 1);
  return out;
}

/** Restricts frames to a few classes (renormalised) so brute force stays small. */
function restricted(spec: Record<string, number>[]): CtcFrames {
  const T = spec.length;
  const probs = new Float64Array(T * C);
  spec.forEach((d, t) => {
    for (const [ch, p] of Object.entries(d)) probs[t * C + classOf(ch)] = p;
  });
  return { probs, T, C };
}

describe('ctcGreedy', () => {
  it.each([
    { name: 'merges repeats and drops blanks', spec: ['-', 'A', 'A', '-', 'B', '-'], text: 'AB' },
    { name: 'keeps a doubled letter separated by a blank', spec: ['A', '-', 'A', '1', '1', '-'], text: 'AA1' },
    { name: 'merges a doubled letter with no blank between', spec: ['A', 'A', 'A'], text: 'A' },
    { name: 'reads nothing from all blanks', spec: ['-', '-', '-'], text: '' },
    { name: 'reads digits and letters', spec: ['7', '-', 'X', 'Y', '-', 'Z', '0'], text: '7XYZ0' },
  ])('$name', ({ spec, text }) => {
    expect(ctcGreedy(frames(spec), CHARSET).text).toBe(text);
  });

  it('gives one probability per character, the best frame of a held character', () => {
    const r = ctcGreedy(frames([{ A: 0.6 }, { A: 0.9 }, '-', { B: 0.7 }]), CHARSET);
    expect(r.text).toBe('AB');
    expect(r.charProbs[0]).toBeCloseTo(0.9);
    expect(r.charProbs[1]).toBeCloseTo(0.7);
  });
});

describe('ctcFrames', () => {
  it('turns a batch slice of log-softmax logits back into probabilities', () => {
    const f = frames(['A', '-', 'B']);
    const batch = new Float32Array(2 * f.T * C);
    batch.set(logitsOf(f), f.T * C);
    const back = ctcFrames(batch, f.T * C, f.T, C);
    expect(ctcGreedy(back, CHARSET).text).toBe('AB');
    expect(back.probs[classOf('A')]).toBeCloseTo(0.98, 5);
  });
});

describe('ctcBeam', () => {
  const lattice = restricted([
    { '-': 0.2, A: 0.5, B: 0.3 },
    { '-': 0.5, A: 0.3, B: 0.2 },
    { '-': 0.3, A: 0.4, B: 0.3 },
    { '-': 0.6, A: 0.1, B: 0.3 },
  ]);

  it('returns strings with their exact probabilities, best first', () => {
    const exact = bruteForce(lattice, ['-', 'A', 'B']);
    const beam = ctcBeam(lattice, CHARSET, 64, 50, 0);
    expect(beam.length).toBe(exact.size);
    for (const b of beam) expect(b.prob).toBeCloseTo(exact.get(b.text)!, 10);
    const best = [...exact].sort((a, b) => b[1] - a[1])[0]!;
    expect(beam[0]!.text).toBe(best[0]);
    for (let i = 1; i < beam.length; i++) expect(beam[i - 1]!.prob).toBeGreaterThanOrEqual(beam[i]!.prob);
  });

  it('finds a string whose probability is split over paths, which greedy misses', () => {
    // Greedy path: "-" then "-" = ""; but "A" collects A- , -A and AA: 0.4*0.6+0.6*0.4+0.4*0.4 = 0.64.
    const f = restricted([
      { '-': 0.6, A: 0.4 },
      { '-': 0.6, A: 0.4 },
    ]);
    expect(ctcGreedy(f, CHARSET).text).toBe('');
    const beam = ctcBeam(f, CHARSET, 8, 2, 0);
    expect(beam[0]).toEqual({ text: 'A', prob: expect.closeTo(0.64, 10) as number });
    expect(beam[1]!.text).toBe('');
  });

  it('keeps doubled letters apart only across a blank', () => {
    const beam = ctcBeam(frames(['L', '-', 'L', 'L', '7']), CHARSET, 16, 3);
    expect(beam[0]!.text).toBe('LL7');
  });

  it('returns at most topN candidates', () => {
    expect(ctcBeam(lattice, CHARSET, 64, 3, 0)).toHaveLength(3);
  });
});

describe('ctcBeam against the plain string-keyed prefix beam search', () => {
  /** The textbook version, prefixes as string keys in insertion-ordered maps, sorted whole each step. */
  function reference(f: CtcFrames, charset: string, beamWidth: number, topN: number, prune: number): { text: string; prob: number }[] {
    type B = { pb: number; pnb: number; last: number };
    let beams = new Map<string, B>([['', { pb: 1, pnb: 0, last: 0 }]]);
    for (let t = 0; t < f.T; t++) {
      const row = t * f.C;
      const cand: number[] = [];
      for (let c = 1; c < f.C; c++) if (f.probs[row + c]! >= prune && f.probs[row + c]! > 0) cand.push(c);
      const next = new Map<string, B>();
      const at = (text: string, last: number): B => {
        let b = next.get(text);
        if (!b) next.set(text, (b = { pb: 0, pnb: 0, last }));
        return b;
      };
      for (const [text, b] of beams) {
        const total = b.pb + b.pnb;
        at(text, b.last).pb += total * f.probs[row]!;
        if (b.last !== 0) at(text, b.last).pnb += b.pnb * f.probs[row + b.last]!;
        for (const c of cand) {
          const add = (c === b.last ? b.pb : total) * f.probs[row + c]!;
          if (add > 0) at(text + charset[c - 1]!, c).pnb += add;
        }
      }
      beams = new Map([...next].sort((x, y) => y[1].pb + y[1].pnb - (x[1].pb + x[1].pnb)).slice(0, beamWidth));
    }
    return [...beams]
      .map(([text, b]) => ({ text, prob: b.pb + b.pnb }))
      .filter((b) => b.prob > 0)
      .sort((a, b) => b.prob - a.prob)
      .slice(0, topN);
  }

  /** T frames over all C classes: sharp (a plate the network is sure of) to flat (clutter). */
  function randomFrames(rand: () => number, T: number, sharpness: number, coarse: boolean): CtcFrames {
    const probs = new Float64Array(T * C);
    for (let t = 0; t < T; t++) {
      let sum = 0;
      for (let c = 0; c < C; c++) {
        // Coarse values make exact ties between prefixes likely.
        const v = coarse ? Math.floor(rand() * 4) + 1 : Math.exp(sharpness * rand() * rand());
        probs[t * C + c] = v;
        sum += v;
      }
      for (let c = 0; c < C; c++) probs[t * C + c]! /= sum;
    }
    return { probs, T, C };
  }

  it('returns the same strings, probabilities and order on random frames, ties included', () => {
    const rand = seededRandom(7);
    let cases = 0;
    for (const sharpness of [0, 4, 12, 30]) {
      for (const coarse of [false, true]) {
        for (let k = 0; k < 12; k++) {
          const f = randomFrames(rand, 6 + Math.floor(rand() * 26), sharpness, coarse);
          for (const [width, topN, prune] of [
            [16, 10, 1e-3],
            [4, 4, 0],
            [32, 50, 1e-2],
          ] as const) {
            expect(ctcBeam(f, CHARSET, width, topN, prune)).toEqual(reference(f, CHARSET, width, topN, prune));
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(288);
  });
});

describe('ctcLogLikelihood', () => {
  const lattice = restricted([
    { '-': 0.3, A: 0.4, B: 0.3 },
    { '-': 0.3, A: 0.4, B: 0.3 },
    { '-': 0.1, A: 0.1, B: 0.8 },
  ]);
  const exact = bruteForce(lattice, ['-', 'A', 'B']);

  it.each(['', 'A', 'B', 'AB', 'BA', 'AA', 'ABA', 'BAB'])('matches the sum over all paths for "%s"', (text) => {
    expect(Math.exp(ctcLogLikelihood(lattice, text, CHARSET))).toBeCloseTo(exact.get(text) ?? 0, 10);
  });

  it('is -Infinity for a string longer than the frames allow', () => {
    expect(ctcLogLikelihood(lattice, 'AAA', CHARSET)).toBe(-Infinity);
  });

  it('is -Infinity for characters outside the charset', () => {
    expect(ctcLogLikelihood(lattice, 'a-', CHARSET)).toBe(-Infinity);
  });
});

describe('ctcCharConfidences', () => {
  it('gives each character the probability of its best aligned frame', () => {
    const f = frames([{ B: 0.7 }, '-', { O: 0.55, '0': 0.4 }, { B: 0.9 }]);
    const conf = ctcCharConfidences(f, 'BOB', CHARSET);
    expect(conf).toHaveLength(3);
    expect(conf[0]).toBeCloseTo(0.7);
    expect(conf[1]).toBeCloseTo(0.55);
    expect(conf[2]).toBeCloseTo(0.9);
  });

  it('scores a corrected character by what the network gave that character', () => {
    const f = frames([{ B: 0.9 }, { O: 0.55, '0': 0.4 }, { B: 0.9 }]);
    expect(ctcCharConfidences(f, 'B0B', CHARSET)[1]).toBeCloseTo(0.4);
  });

  it('returns zeros when the text cannot be aligned', () => {
    expect(ctcCharConfidences(frames(['A']), 'AB', CHARSET)).toEqual([0, 0]);
  });
});
