/**
 * Finds a receiver's baud rate. A UART at the wrong rate still delivers bytes, but they never
 * form a sentence with a correct checksum; so try one rate until either valid sentences arrive
 * (lock) or enough bytes or time went by without one (next rate). Pure: the serial source feeds
 * it byte counts, valid-sentence counts and ticks, and applies the rate it names.
 */
export interface BaudDetectorOptions {
  rates: readonly number[];
  /** Try a rate at most this long without a valid sentence (silence, or too few bytes). */
  probeMs: number;
  /** Move on after this many bytes without a valid sentence: more than a whole 1 Hz burst. */
  probeBytes: number;
  /** Valid sentences needed to lock a rate. */
  lockSentences: number;
  /** After locking, this many bytes without a valid sentence start probing again. */
  relockBytes: number;
}

export type BaudEvent =
  | { kind: 'switch'; rate: number; /** true when every rate has now been tried once more without success */ exhausted: boolean }
  | { kind: 'locked'; rate: number }
  | null;

export class BaudDetector {
  private index = 0;
  private roundStart = 0;
  private locked = false;
  private since = 0;
  private bytes = 0;
  private valid = 0;

  constructor(private readonly opts: BaudDetectorOptions) {}

  get rate(): number {
    return this.opts.rates[this.index]!;
  }

  get isLocked(): boolean {
    return this.locked;
  }

  /** (Re)starts probing at the current rate, e.g. after a reconnect: the last good rate first. */
  begin(now: number): void {
    this.locked = false;
    this.roundStart = this.index;
    this.since = now;
    this.bytes = 0;
    this.valid = 0;
  }

  onData(bytes: number, validSentences: number, now: number): BaudEvent {
    if (validSentences > 0) {
      this.bytes = 0;
      this.valid += validSentences;
      if (!this.locked && this.valid >= this.opts.lockSentences) {
        this.locked = true;
        return { kind: 'locked', rate: this.rate };
      }
      return null;
    }
    this.bytes += bytes;
    if (this.locked) {
      if (this.bytes < this.opts.relockBytes) return null;
      this.begin(now);
      return this.next(now);
    }
    return this.bytes >= this.opts.probeBytes ? this.next(now) : null;
  }

  onTick(now: number): BaudEvent {
    if (this.locked || now - this.since < this.opts.probeMs) return null;
    return this.next(now);
  }

  private next(now: number): BaudEvent {
    this.index = (this.index + 1) % this.opts.rates.length;
    this.since = now;
    this.bytes = 0;
    this.valid = 0;
    return { kind: 'switch', rate: this.rate, exhausted: this.index === this.roundStart };
  }
}
