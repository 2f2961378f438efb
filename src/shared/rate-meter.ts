/**
 * Events (or amounts) per second over a sliding window, and their sum within it: the one meter
 * behind the camera's frame rate (10 s window) and reconnects per hour (1 h window), the GPS
 * sentence rate (from a running total sampled on a tick) and the uploader's items and bytes per
 * second (1 min window). Memory is bounded by what the window
 * holds: one entry per `add`, dropped when it leaves the window.
 */
export class RateMeter {
  private readonly times: number[] = [];
  private readonly amounts: number[] = [];
  private inWindow = 0;
  private head = 0;
  /** Start of measurement: until the window is full, the rate averages over the time since. */
  private since: number | null = null;
  private lastTotal: number | null = null;

  constructor(readonly windowMs: number) {}

  /** Forgets everything; `rate` then averages over the time since `now` until the window is full. */
  reset(now: number): void {
    this.times.length = 0;
    this.amounts.length = 0;
    this.head = 0;
    this.inWindow = 0;
    this.since = now;
    this.lastTotal = null;
  }

  add(now: number, amount = 1): void {
    this.times.push(now);
    this.amounts.push(amount);
    this.inWindow += amount;
    this.trim(now);
  }

  /** Records a running total (one that only grows): what it grew by since the last call counts
   *  as added now. The first call starts the measurement. */
  addTotal(now: number, total: number): void {
    if (this.lastTotal === null) this.since ??= now;
    else if (total > this.lastTotal) this.add(now, total - this.lastTotal);
    this.lastTotal = total;
    this.trim(now);
  }

  /** What was added within the window. */
  sum(now: number): number {
    this.trim(now);
    return this.inWindow;
  }

  /** Per second over the window, or over the time since the measurement started when that is
   *  shorter (but at least 1 s, so one early event is not a burst). */
  rate(now: number): number {
    this.trim(now);
    const span = Math.max(1_000, Math.min(this.windowMs, this.since === null ? this.windowMs : now - this.since));
    return (this.inWindow * 1000) / span;
  }

  /** Entries before `head` have left the window; they are cut off in bulk, not one by one. */
  private trim(now: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= now - this.windowMs) this.inWindow -= this.amounts[this.head++]!;
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.amounts.splice(0, this.head);
      this.head = 0;
    }
  }
}
