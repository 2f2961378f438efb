/**
 * Distance and alignment between plate texts with the costs of confusion-table.ts. The tracker
 * uses the distance to associate reads with passes and to de-duplicate passes, and the alignment
 * so that a read with a dropped or an extra character still votes on the positions it shares with
 * the consensus instead of being thrown away (wrong-length misreads are the most common US OCR
 * failure); the hot list uses the alignment to explain a hit character by character.
 */
import { ConfusionTable, EDIT_COST } from './confusion-table.js';

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
export function editAlignment(ref: string, read: string, table: ConfusionTable = ConfusionTable.DEFAULT): Alignment {
  const n = ref.length;
  const m = read.length;
  const w = m + 1;
  const cost = new Float64Array((n + 1) * w);
  for (let i = 0; i <= n; i++) cost[i * w] = i * EDIT_COST;
  for (let j = 0; j <= m; j++) cost[j] = j * EDIT_COST;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      cost[i * w + j] = Math.min(
        cost[(i - 1) * w + j - 1]! + table.substitutionCost(ref[i - 1]!, read[j - 1]!),
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
    if (i > 0 && j > 0 && Math.abs(here - cost[(i - 1) * w + j - 1]! - table.substitutionCost(ref[i - 1]!, read[j - 1]!)) < EPS) {
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

/**
 * Weighted edit distance between two normalised plates: insertions and deletions cost 1,
 * substitutions 1, or `CONFUSION_COST` inside a confusion class (`8ABC123` vs `BABC123` = 0.35).
 * Two rows instead of the whole matrix: the tracker calls this for every read against every open
 * pass.
 */
export function plateDistance(a: string, b: string, table: ConfusionTable = ConfusionTable.DEFAULT): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length * EDIT_COST;
  if (b.length === 0) return a.length * EDIT_COST;
  let prev = new Float64Array(b.length + 1);
  let cur = new Float64Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j * EDIT_COST;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i * EDIT_COST;
    const ai = a[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j - 1]! + table.substitutionCost(ai, b[j - 1]!), prev[j]! + EDIT_COST, cur[j - 1]! + EDIT_COST);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** 1 for identical plates, 0 for plates that share nothing; distance scaled by the longer length. */
export function plateSimilarity(a: string, b: string, table: ConfusionTable = ConfusionTable.DEFAULT): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 1;
  return Math.max(0, 1 - plateDistance(a, b, table) / (longest * EDIT_COST));
}
