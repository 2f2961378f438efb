/** Events per second over a sliding window, from a monotonically growing total sampled on a tick. */
export class RateMeter {
  private readonly samples: { t: number; total: number }[] = [];

  constructor(private readonly windowMs = 5_000) {}

  /** Records the running total at time t and returns the rate over the window (per second). */
  sample(t: number, total: number): number {
    this.samples.push({ t, total });
    while (this.samples.length > 2 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const dt = t - first.t;
    return dt > 0 ? ((total - first.total) * 1000) / dt : 0;
  }
}
