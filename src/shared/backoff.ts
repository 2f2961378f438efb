/**
 * Exponential backoff with a cap and full jitter, reset only after a success. One helper for every
 * reconnecting unit (cameras, GPS, hot-list sync, upload).
 */
export interface BackoffOptions {
  initial_ms: number;
  max_ms: number;
  factor?: number;
  /** 0 = no jitter, 1 = delay drawn uniformly from [0, d]. Default 0.5: [d/2, d]. */
  jitter?: number;
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly opts: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt; each call counts one failure. */
  next(): number {
    const factor = this.opts.factor ?? 2;
    const base = Math.min(this.opts.max_ms, this.opts.initial_ms * factor ** this.attempt);
    this.attempt++;
    const jitter = this.opts.jitter ?? 0.5;
    return Math.round(base * (1 - jitter * this.random()));
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
