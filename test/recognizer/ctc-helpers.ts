import type { CtcFrames } from '../../src/recognizer/ctc.js';

export const CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const C = CHARSET.length + 1;

/**
 * Hand-made OCR output: one entry per frame, `-` = blank, a character = that class, or a map
 * of class → probability (the rest of the mass spread evenly over the other classes).
 */
export function frames(spec: (string | Record<string, number>)[]): CtcFrames {
  const T = spec.length;
  const probs = new Float64Array(T * C);
  spec.forEach((s, t) => {
    const dist: Record<string, number> = typeof s === 'string' ? { [s]: 0.98 } : s;
    let used = 0;
    for (const [ch, p] of Object.entries(dist)) {
      probs[t * C + classOf(ch)] = p;
      used += p;
    }
    const others = C - Object.keys(dist).length;
    for (let c = 0; c < C; c++) if (probs[t * C + c] === 0) probs[t * C + c] = (1 - used) / others;
  });
  return { probs, T, C };
}

export function classOf(ch: string): number {
  return ch === '-' ? 0 : CHARSET.indexOf(ch) + 1;
}

/** The same frames as log-softmax logits, the network's output layout [1, T, C]. */
export function logitsOf(f: CtcFrames): Float32Array {
  return Float32Array.from(f.probs, (p) => Math.log(p));
}
