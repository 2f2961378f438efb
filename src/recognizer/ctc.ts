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

/**
 * Prefix beam search. Classes below `prune` probability in a frame are not expanded (they
 * cannot lift a string into the top N).
 *
 * Prefixes are nodes of a trie (a prefix and its extension by one class), so extending a beam is
 * an integer lookup, not a string concatenation and a string-keyed map; the strings are spelled
 * once, for the beams returned. Each step keeps the `beamWidth` most probable prefixes, ties in
 * the order they were first reached, by insertion into a short sorted list rather than a sort of
 * every candidate. Results are those of the string-keyed version (`test/recognizer/ctc.test.ts`
 * compares them on random frames). On the demo clip's crops (clutter included) the string-keyed
 * version cost ~3 ms per crop, the largest JavaScript cost per video frame.
 */
export function ctcBeam(f: CtcFrames, charset: string, beamWidth = 16, topN = 10, prune = 1e-3): BeamResult[] {
  const trie = scratch.trie;
  const step = scratch.step;
  const keep = scratch.keep;
  trie.reset(f.C);
  keep.resize(beamWidth);
  // The beams of the current step: node, P(ends in blank), P(ends in its last class).
  let beams: number[] = [0];
  let pb = [1];
  let pnb = [0];
  const cand: number[] = [];
  for (let t = 0; t < f.T; t++) {
    const row = t * f.C;
    cand.length = 0;
    for (let c = 1; c < f.C; c++) if (f.probs[row + c]! >= prune && f.probs[row + c]! > 0) cand.push(c);
    const blank = f.probs[row]!;
    step.reset(trie.size + beams.length * cand.length);
    for (let k = 0; k < beams.length; k++) {
      const node = beams[k]!;
      const bpb = pb[k]!;
      const bpnb = pnb[k]!;
      const total = bpb + bpnb;
      const last = trie.lastOf(node);
      step.addBlank(node, total * blank);
      // A repeated last class without a blank between continues the same character.
      if (last !== 0) step.addNonBlank(node, bpnb * f.probs[row + last]!);
      for (const c of cand) {
        const add = (c === last ? bpb : total) * f.probs[row + c]!;
        if (add > 0) step.addNonBlank(trie.child(node, c), add);
      }
    }
    keep.reset();
    for (let i = 0; i < step.order.length; i++) {
      const node = step.order[i]!;
      keep.offer(node, step.pb[node]! + step.pnb[node]!);
    }
    beams = keep.nodes.slice();
    pb = beams.map((n) => step.pb[n]!);
    pnb = beams.map((n) => step.pnb[n]!);
  }
  return beams
    .map((node, k) => ({ text: trie.spell(node, charset), prob: pb[k]! + pnb[k]! }))
    .filter((b) => b.prob > 0)
    .sort((a, b) => b.prob - a.prob)
    .slice(0, topN);
}

/** Growable Int32Array storage (the trie's columns). */
function grown(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Prefixes as trie nodes: node 0 is the empty prefix; each node knows its parent and last class,
 * and a node's children are found by (node, class) in one numeric-keyed map. Kept between calls
 * (reset, not reallocated): a worker reads one crop at a time.
 */
class PrefixTrie {
  private parent = new Int32Array(1024);
  private last = new Int32Array(1024);
  private readonly children = new Map<number, number>();
  private classes = 0;
  size = 1;
  reset(classes: number): void {
    this.classes = classes;
    this.children.clear();
    this.size = 1;
    this.parent[0] = -1;
    this.last[0] = 0;
  }
  lastOf(node: number): number {
    return this.last[node]!;
  }
  child(node: number, c: number): number {
    const key = node * this.classes + c;
    let k = this.children.get(key);
    if (k === undefined) {
      k = this.size++;
      this.parent = grown(this.parent, this.size);
      this.last = grown(this.last, this.size);
      this.parent[k] = node;
      this.last[k] = c;
      this.children.set(key, k);
    }
    return k;
  }
  spell(node: number, charset: string): string {
    const out: string[] = [];
    for (let n = node; n > 0; n = this.parent[n]!) out.push(charset[this.last[n]! - 1]!);
    return out.reverse().join('');
  }
}

/** One step's prefix probabilities by node, and the nodes in the order they were first reached. */
class StepTable {
  pb = new Float64Array(1024);
  pnb = new Float64Array(1024);
  private seen = new Uint8Array(1024);
  readonly order: number[] = [];
  reset(maxNodes: number): void {
    for (const node of this.order) {
      this.seen[node] = 0;
      this.pb[node] = 0;
      this.pnb[node] = 0;
    }
    this.order.length = 0;
    if (maxNodes > this.seen.length) {
      const n = Math.max(maxNodes, this.seen.length * 2);
      this.pb = new Float64Array(n);
      this.pnb = new Float64Array(n);
      this.seen = new Uint8Array(n);
    }
  }
  private touch(node: number): void {
    if (this.seen[node] === 0) {
      this.seen[node] = 1;
      this.order.push(node);
    }
  }
  addBlank(node: number, p: number): void {
    this.touch(node);
    this.pb[node]! += p;
  }
  addNonBlank(node: number, p: number): void {
    this.touch(node);
    this.pnb[node]! += p;
  }
}

/** The n largest offers, best first; an offer equal to a kept one goes after it (a stable sort's order). */
class TopN {
  readonly nodes: number[] = [];
  private readonly scores: number[] = [];
  private n = 1;
  resize(n: number): void {
    this.n = n;
  }
  reset(): void {
    this.nodes.length = 0;
    this.scores.length = 0;
  }
  offer(node: number, p: number): void {
    const len = this.nodes.length;
    if (len === this.n && !(p > this.scores[len - 1]!)) return;
    let i = len;
    while (i > 0 && p > this.scores[i - 1]!) i--;
    this.nodes.splice(i, 0, node);
    this.scores.splice(i, 0, p);
    if (this.nodes.length > this.n) {
      this.nodes.pop();
      this.scores.pop();
    }
  }
}

/** ctcBeam's working storage, reused from call to call (JavaScript runs one call at a time per thread). */
const scratch = { trie: new PrefixTrie(), step: new StepTable(), keep: new TopN() };

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
