/**
 * The last N latencies (ms) and their percentiles, for the status page: how long after a plate
 * was last seen its detection reached the next stage.
 */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export class LatencyWindow {
  private readonly values: number[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  add(ms: number): void {
    if (this.values.length < this.size) this.values.push(ms);
    else this.values[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }

  summary(): LatencySummary {
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (q: number): number => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!) : 0);
    return { n: sorted.length, p50: at(0.5), p95: at(0.95), max: at(1) };
  }
}
