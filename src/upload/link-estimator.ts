/**
 * What the uplink can carry, learned from the uploads themselves, and the batch size and time
 * limit that follow from it. Pure (times are passed in), so the tests drive it as a table.
 *
 * A fixed batch of 200 detections with images is ~10 MB: on a 1 Mbit/s link (a patrol car at
 * the edge of coverage) that is 80 s per attempt, past the 30 s time limit, and the same batch
 * was retried forever (issue 17 item 1). Here a batch holds about `batch_target_s` of sending at
 * the measured rate, and the time limit grows with the bytes in flight, so a slow link drains
 * in small batches and a hit waits at most one small batch.
 */

export interface LinkOptions {
  /** Seconds of sending one batch should take at the measured rate. */
  targetSendMs: number;
  /** Upper bound on a batch's bytes. */
  maxBatchBytes: number;
  /** Time limit of a request with an empty body (connect, server time, answer). */
  baseTimeoutMs: number;
  /** The slowest link the time limit allows for: each byte in flight adds 1/minRate to it. */
  minBytesPerS: number;
}

/** Before the first measurement: 128 KB is 1 s at 1 Mbit/s, 4 s at 256 kbit/s. */
export const INITIAL_BATCH_BYTES = 128 * 1024;
/** A batch may always be this big (one detection with two images fits), whatever was measured. */
export const MIN_BATCH_BYTES = 32 * 1024;
/** Bodies smaller than this say more about round-trip time than about bandwidth. */
const MIN_SAMPLE_BYTES = 16 * 1024;
/** Weight of a new measurement in the running estimate. */
const ALPHA = 0.3;
/** Successes in a row at a 413-reduced size before that size doubles again. */
const GROW_AFTER = 3;

export class LinkEstimator {
  private rate: number | null = null;
  /** The size a 413 allowed (bytes); Infinity when none refused. */
  private cap = Infinity;
  private successesAtCap = 0;

  constructor(private readonly opts: LinkOptions) {}

  /** Measured bytes per second, or null before the first big enough upload. */
  get bytesPerS(): number | null {
    return this.rate;
  }

  /** The size limit a 413 left, or null when none is in force. */
  get refusedCap(): number | null {
    return Number.isFinite(this.cap) ? this.cap : null;
  }

  /** Byte budget of the next batch. */
  batchBytes(): number {
    const wanted = this.rate === null ? INITIAL_BATCH_BYTES : (this.rate * this.opts.targetSendMs) / 1000;
    // A refused size wins over the floor: the server said what it takes.
    return Math.floor(Math.min(Math.max(MIN_BATCH_BYTES, Math.min(wanted, this.opts.maxBatchBytes)), this.cap));
  }

  /**
   * Time limit of a request carrying `bytes`: the base plus the bytes at a quarter of the
   * measured rate (a link that slows to a quarter still finishes), never at less than the
   * configured slowest rate before anything was measured.
   */
  timeoutMs(bytes: number): number {
    const rate = Math.max(this.opts.minBytesPerS, (this.rate ?? 0) / 4);
    return Math.ceil(this.opts.baseTimeoutMs + (bytes / rate) * 1000);
  }

  /** A request of `bytes` was answered `elapsedMs` after it started. */
  sent(bytes: number, elapsedMs: number): void {
    if (bytes >= MIN_SAMPLE_BYTES && elapsedMs > 0) {
      const sample = (bytes * 1000) / elapsedMs;
      this.rate = this.rate === null ? sample : this.rate + ALPHA * (sample - this.rate);
    }
    if (Number.isFinite(this.cap) && ++this.successesAtCap >= GROW_AFTER) {
      this.successesAtCap = 0;
      this.cap *= 2;
      if (this.cap >= this.opts.maxBatchBytes) this.cap = Infinity;
    }
  }

  /**
   * A request of `bytes` failed after `elapsedMs` without an answer (time limit, cut). The link
   * carried at most that much in that time: the estimate comes down to it, so the next batch is
   * smaller instead of the same size failing forever.
   */
  stalled(bytes: number, elapsedMs: number): void {
    if (bytes < MIN_SAMPLE_BYTES || elapsedMs <= 0) return;
    const bound = (bytes * 1000) / elapsedMs;
    this.rate = this.rate === null ? bound / 2 : Math.min(this.rate, bound) / 2;
  }

  /** The server refused a body of `bytes` as too large: the next ones are at most half of it. */
  tooLarge(bytes: number): void {
    this.cap = Math.max(1, Math.floor(Math.min(this.cap, bytes) / 2));
    this.successesAtCap = 0;
  }
}
