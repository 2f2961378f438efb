/**
 * The full check of one plate-table row against a read: the least edit cost between them, in
 * half-edits so that a confusion-class substitution may cost 0, 1 or 2 in integer arithmetic
 * (`hotlist.confusion_cost` × 2), bounded by the candidate's budget.
 */

/** Cost of an insertion, deletion or unrelated substitution, in half-edits (src/plate/confusion-table.ts counts whole edits). */
export const EDIT_IN_HALF_EDITS = 2;

/**
 * Least cost (half-edits) of turning row `r[ro..ro+L)` into `q[qo..qo+m)`, or -1 when it is over
 * `budget`. Within one edit the answer is a position-by-position sum (same length) or one
 * insertion with nothing else (lengths one apart), both with an early exit; two edits take the
 * full dynamic programme.
 */
export function costWithin(q: Uint8Array, qo: number, m: number, r: Uint8Array, ro: number, L: number, budget: number, cc: number, classOf: Int8Array, dp: Int32Array): number {
  if (m === L) {
    let cost = 0;
    for (let j = 0; j < L; j++) {
      const x = q[qo + j]!;
      const y = r[ro + j]!;
      if (x === y) continue;
      const cls = classOf[x]!;
      cost += cls >= 0 && cls === classOf[y] ? cc : EDIT_IN_HALF_EDITS;
      if (cost > budget) break;
    }
    // Within the budget, no path with insertions beats it: a pair costs two whole edits.
    if (cost <= budget) return cost;
    if (budget < 2 * EDIT_IN_HALF_EDITS) return -1;
  } else {
    const gap = m > L ? m - L : L - m;
    if (gap * EDIT_IN_HALF_EDITS > budget) return -1;
    if (budget < 2 * EDIT_IN_HALF_EDITS) {
      // One character more or less, and every other character identical (or a free confusion).
      const longer = m > L ? q : r;
      const lo = m > L ? qo : ro;
      const shorter = m > L ? r : q;
      const so = m > L ? ro : qo;
      const n = m > L ? L : m;
      let i = 0;
      while (i < n && same(longer[lo + i]!, shorter[so + i]!, cc, classOf)) i++;
      for (let j = i; j < n; j++) if (!same(longer[lo + j + 1]!, shorter[so + j]!, cc, classOf)) return -1;
      return EDIT_IN_HALF_EDITS;
    }
  }
  // Full dynamic programme, rows over the row's symbols, with an early exit.
  const w = m + 1;
  for (let j = 0; j <= m; j++) dp[j] = j * EDIT_IN_HALF_EDITS;
  let prev = 0;
  let cur = w;
  for (let i = 1; i <= L; i++) {
    const y = r[ro + i - 1]!;
    const cls = classOf[y]!;
    dp[cur] = i * EDIT_IN_HALF_EDITS;
    let rowMin = dp[cur]!;
    for (let j = 1; j <= m; j++) {
      const x = q[qo + j - 1]!;
      let v = dp[prev + j - 1]! + (x === y ? 0 : cls >= 0 && cls === classOf[x] ? cc : EDIT_IN_HALF_EDITS);
      const del = dp[prev + j]! + EDIT_IN_HALF_EDITS;
      if (del < v) v = del;
      const ins = dp[cur + j - 1]! + EDIT_IN_HALF_EDITS;
      if (ins < v) v = ins;
      dp[cur + j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > budget) return -1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  const total = dp[prev + m]!;
  return total <= budget ? total : -1;
}

function same(x: number, y: number, cc: number, classOf: Int8Array): boolean {
  if (x === y) return true;
  const cls = classOf[x]!;
  return cc === 0 && cls >= 0 && cls === classOf[y];
}
