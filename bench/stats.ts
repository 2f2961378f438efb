/**
 * Percentiles for the benchmarks, with one definition so that a p95 in one report means what it
 * means in another.
 *
 * The q-quantile (q in [0, 1]) of n values is the value at 0-based index min(n − 1, ⌊q·n⌋) of
 * the ascending sample: no interpolation, so every figure is a measured value. When q·n is not a
 * whole number this is the nearest-rank percentile (rank ⌈q·n⌉); when it is, it is the next rank
 * up (the p50 of 100 values is the 51st). It is the rule every benchmark used before this file
 * and the one the status page uses (src/shared/latency-window.ts), so the figures compare.
 * An empty sample has no percentile: NaN.
 */

/** The q-quantile of values that are already in ascending order. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The q-quantile of values in any order (sorts a copy). */
export function percentile(values: readonly number[], q: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), q);
}
