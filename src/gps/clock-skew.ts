/**
 * Watches GPS time against the system clock. Evidence timestamps come from the system clock, so
 * a drifted clock must be visible; but a once-per-second warning would bury the log, so this
 * reports the start and the end of an episode only.
 */
export type SkewEvent = 'entered' | 'cleared' | null;

export class ClockSkewMonitor {
  private inEpisode = false;
  private goodInRow = 0;
  private last: number | null = null;

  /**
   * @param limitMs beyond this |GPS − system| the clock counts as skewed
   * @param clearAfter consecutive fixes within the limit that end an episode (no flapping on
   *   one lucky sample)
   */
  constructor(
    private readonly limitMs: number,
    private readonly clearAfter = 3,
  ) {}

  /** One sample: GPS time minus local receive time, ms. */
  update(skewMs: number): SkewEvent {
    this.last = skewMs;
    if (Math.abs(skewMs) > this.limitMs) {
      this.goodInRow = 0;
      if (this.inEpisode) return null;
      this.inEpisode = true;
      return 'entered';
    }
    if (!this.inEpisode) return null;
    this.goodInRow += 1;
    if (this.goodInRow < this.clearAfter) return null;
    this.inEpisode = false;
    this.goodInRow = 0;
    return 'cleared';
  }

  get active(): boolean {
    return this.inEpisode;
  }

  /** Latest sample, ms, or null before the first. */
  get skewMs(): number | null {
    return this.last;
  }
}
