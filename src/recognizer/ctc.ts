/**
 * CTC decoding of the OCR output `logits` [T, C] (log-softmax; class 0 is the blank, class
 * k >= 1 is charset[k - 1]).
 *
 * - `ctcGreedy`: best class per frame, repeats merged, blanks dropped.
 * - `ctcBeam`: prefix beam search; sums the probability of every alignment of a string, so
 *   it returns the N most probable strings, not just N paths. These are the top-N candidates.
 * - `ctcLogLikelihood`: log P(string) by the forward algorithm; scores strings the beam did
 *   not produce (e.g. a format correction of O to 0).
 * - `ctcCharConfidences`: per-character confidence from the best (Viterbi) alignment.
 */

/** Per-frame class probabilities of one plate: T x C, row-major. */
export interface CtcFrames {
  probs: Float64Array;
  T: number;
  C: number;
}

/** exp() of one plate's log-softmax slice (`offset` into a batch output). */
export function ctcFrames(logits: Float32Array, offset: number, T: number, C: number): CtcFrames {
  const probs = new Float64Array(T * C);
  for (let i = 0; i < T * C; i++) probs[i] = Math.exp(logits[offset + i]!);
  return { probs, T, C };
}

export interface Decoded {
  text: string;
  /** Probability of each character of `text`. */
  charProbs: number[];
}

export function ctcGreedy(f: CtcFrames, charset: string): Decoded {
  let text = '';
  const charProbs: number[] = [];
  let prev = 0;
  for (let t = 0; t < f.T; t++) {
    let best = 0;
    let bp = -1;
    for (let c = 0; c < f.C; c++) {
      const p = f.probs[t * f.C + c]!;
      if (p > bp) {
        bp = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += charset[best - 1] ?? '';
      charProbs.push(bp);
    } else if (best !== 0 && best === prev && charProbs.length > 0) {
      // Same character held over several frames: keep its most confident frame.
      charProbs[charProbs.length - 1] = Math.max(charProbs[charProbs.length - 1]!, bp);
    }
    prev = best;
  }
  return { text, charProbs };
}

export interface BeamResult {
  text: string;
  /** P(text): summed over every alignment the beam kept. */
  prob: number;
}

interface Beam {
  pb: number;
  pnb: number;
  last: number;
}

/**
 * Prefix beam search. Classes below `prune` probability in a frame are not expanded (they
 * cannot lift a string into the top N). Measured 2026-12-07 on the demo clip's detected crops
 * (clutter included, load ~5): ~3 ms per crop, most of it building and looking up string keys
 * for 16 beams x the classes above `prune` per time step; the largest JavaScript cost per video
 * frame left (docs/recognizer.md "Under 40 ms").
 */
export function ctcBeam(f: CtcFrames, charset: string, beamWidth = 16, topN = 10, prune = 1e-3): BeamResult[] {
  let beams = new Map<string, Beam>([['', { pb: 1, pnb: 0, last: 0 }]]);
  const cand: number[] = [];
  for (let t = 0; t < f.T; t++) {
    const row = t * f.C;
    cand.length = 0;
    for (let c = 1; c < f.C; c++) if (f.probs[row + c]! >= prune && f.probs[row + c]! > 0) cand.push(c);
    const blank = f.probs[row]!;
    const next = new Map<string, Beam>();
    const at = (text: string, last: number): Beam => {
      let b = next.get(text);
      if (!b) {
        b = { pb: 0, pnb: 0, last };
        next.set(text, b);
      }
      return b;
    };
    for (const [text, b] of beams) {
      const total = b.pb + b.pnb;
      at(text, b.last).pb += total * blank;
      // A repeated last class without a blank between continues the same character.
      if (b.last !== 0) at(text, b.last).pnb += b.pnb * f.probs[row + b.last]!;
      for (const c of cand) {
        const add = (c === b.last ? b.pb : total) * f.probs[row + c]!;
        if (add > 0) at(text + charset[c - 1]!, c).pnb += add;
      }
    }
    beams = strongest(next, beamWidth);
  }
  return [...beams]
    .map(([text, b]) => ({ text, prob: b.pb + b.pnb }))
    .filter((b) => b.prob > 0)
    .sort((a, b) => b.prob - a.prob)
    .slice(0, topN);
}

/**
 * The `n` most probable beams, best first, ties in insertion order (what a stable sort of the
 * whole map gives); each beam's total computed once, not in every comparison.
 */
function strongest(next: Map<string, Beam>, n: number): Map<string, Beam> {
  const entries: { text: string; b: Beam; p: number; i: number }[] = [];
  let i = 0;
  for (const [text, b] of next) entries.push({ text, b, p: b.pb + b.pnb, i: i++ });
  entries.sort((x, y) => y.p - x.p || x.i - y.i);
  const out = new Map<string, Beam>();
  for (let k = 0; k < Math.min(n, entries.length); k++) out.set(entries[k]!.text, entries[k]!.b);
  return out;
}

function labelsOf(text: string, charset: string): number[] | null {
  const out: number[] = [];
  for (const ch of text) {
    const k = charset.indexOf(ch);
    if (k < 0) return null;
    out.push(k + 1);
  }
  return out;
}

/** log P(text) over all alignments (forward algorithm, rescaled per frame); -Infinity if impossible. */
export function ctcLogLikelihood(f: CtcFrames, text: string, charset: string): number {
  const labels = labelsOf(text, charset);
  if (!labels) return -Infinity;
  const S = 2 * labels.length + 1;
  const lab = (s: number): number => (s % 2 === 0 ? 0 : labels[(s - 1) >> 1]!);
  let alpha = new Float64Array(S);
  let next = new Float64Array(S);
  alpha[0] = f.probs[0]!;
  if (S > 1) alpha[1] = f.probs[lab(1)]!;
  let logScale = 0;
  for (let t = 1; t <= f.T; t++) {
    let sum = 0;
    for (let s = 0; s < S; s++) sum += alpha[s]!;
    if (sum <= 0) return -Infinity;
    logScale += Math.log(sum);
    for (let s = 0; s < S; s++) alpha[s]! /= sum;
    if (t === f.T) break;
    const row = t * f.C;
    for (let s = 0; s < S; s++) {
      let a = alpha[s]!;
      if (s >= 1) a += alpha[s - 1]!;
      if (s >= 2 && lab(s) !== 0 && lab(s) !== lab(s - 2)) a += alpha[s - 2]!;
      next[s] = a * f.probs[row + lab(s)]!;
    }
    [alpha, next] = [next, alpha];
  }
  const end = alpha[S - 1]! + (S >= 2 ? alpha[S - 2]! : 0);
  return end > 0 ? logScale + Math.log(end) : -Infinity;
}

/**
 * Confidence of each character of `text`: along the most probable alignment, the highest
 * probability the character gets in the frames aligned to it. Zeros if no alignment exists.
 */
export function ctcCharConfidences(f: CtcFrames, text: string, charset: string): number[] {
  const labels = labelsOf(text, charset);
  if (!labels || labels.length === 0) return labels ? [] : Array.from(text, () => 0);
  const S = 2 * labels.length + 1;
  const lab = (s: number): number => (s % 2 === 0 ? 0 : labels[(s - 1) >> 1]!);
  const T = f.T;
  const lp = (t: number, s: number): number => Math.log(Math.max(f.probs[t * f.C + lab(s)]!, 1e-30));
  const score = new Float64Array(T * S).fill(-Infinity);
  const from = new Int8Array(T * S);
  score[0] = lp(0, 0);
  if (S > 1) score[1] = lp(0, 1);
  for (let t = 1; t < T; t++) {
    for (let s = 0; s < S; s++) {
      let best = score[(t - 1) * S + s]!;
      let step = 0;
      if (s >= 1 && score[(t - 1) * S + s - 1]! > best) {
        best = score[(t - 1) * S + s - 1]!;
        step = 1;
      }
      if (s >= 2 && lab(s) !== 0 && lab(s) !== lab(s - 2) && score[(t - 1) * S + s - 2]! > best) {
        best = score[(t - 1) * S + s - 2]!;
        step = 2;
      }
      score[t * S + s] = best + lp(t, s);
      from[t * S + s] = step;
    }
  }
  let s = S > 1 && score[(T - 1) * S + S - 2]! > score[(T - 1) * S + S - 1]! ? S - 2 : S - 1;
  if (score[(T - 1) * S + s] === -Infinity) return labels.map(() => 0);
  const conf = labels.map(() => 0);
  for (let t = T - 1; t >= 0; t--) {
    if (s % 2 === 1) {
      const i = (s - 1) >> 1;
      conf[i] = Math.max(conf[i]!, f.probs[t * f.C + lab(s)]!);
    }
    s -= from[t * S + s]!;
  }
  return conf;
}
