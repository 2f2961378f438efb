/** The last N durations and their percentiles, for the status page. */
export interface LatencySummary {
  p50: number;
  p95: number;
  max: number;
  n: number;
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
    const at = (q: number): number => (sorted.length === 0 ? 0 : round1(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!));
    return { p50: at(0.5), p95: at(0.95), max: at(1), n: sorted.length };
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
