/**
 * Alignment of a read against a reference text with the same OCR-aware costs as
 * `plateDistance`, so a read with a dropped or an extra character still votes on the positions
 * it shares with the reference instead of being thrown away (OpenALPR's wrong-length misreads
 * are the most common US failure; see the recognition notes).
 */
import { EDIT_COST, substitutionCost } from './normalise.js';

/** One step of an alignment of `read` against `ref`. */
export type AlignStep =
  /** `read[readIndex]` sits at `ref[refIndex]` (same or substituted character). */
  | { op: 'match'; refIndex: number; readIndex: number }
  /** `ref[refIndex]` has no counterpart in the read (the read dropped a character). */
  | { op: 'gap'; refIndex: number }
  /** `read[readIndex]` has no counterpart in the reference; it sits before `ref[beforeRef]`. */
  | { op: 'extra'; readIndex: number; beforeRef: number };

export interface Alignment {
  cost: number;
  steps: AlignStep[];
}

/**
 * Minimum-cost alignment (Needleman–Wunsch with the plate costs). Ties prefer a substitution
 * over a gap pair, so equal-length texts align position by position.
 */
export function editAlignment(ref: string, read: string): Alignment {
  const n = ref.length;
  const m = read.length;
  const w = m + 1;
  const cost = new Float64Array((n + 1) * w);
  for (let i = 0; i <= n; i++) cost[i * w] = i * EDIT_COST;
  for (let j = 0; j <= m; j++) cost[j] = j * EDIT_COST;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      cost[i * w + j] = Math.min(
        cost[(i - 1) * w + j - 1]! + substitutionCost(ref[i - 1]!, read[j - 1]!),
        cost[(i - 1) * w + j]! + EDIT_COST,
        cost[i * w + j - 1]! + EDIT_COST,
      );
    }
  }
  const steps: AlignStep[] = [];
  let i = n;
  let j = m;
  const EPS = 1e-9;
  while (i > 0 || j > 0) {
    const here = cost[i * w + j]!;
    if (i > 0 && j > 0 && Math.abs(here - cost[(i - 1) * w + j - 1]! - substitutionCost(ref[i - 1]!, read[j - 1]!)) < EPS) {
      steps.push({ op: 'match', refIndex: i - 1, readIndex: j - 1 });
      i--;
      j--;
    } else if (i > 0 && Math.abs(here - cost[(i - 1) * w + j]! - EDIT_COST) < EPS) {
      steps.push({ op: 'gap', refIndex: i - 1 });
      i--;
    } else {
      steps.push({ op: 'extra', readIndex: j - 1, beforeRef: i });
      j--;
    }
  }
  steps.reverse();
  return { cost: cost[n * w + m]!, steps };
}
