/**
 * A camera's outage: when frames stopped (or the camera started without any), how many connects
 * failed since, why the last one did, and when the next is due. The start is kept across retries:
 * "since" on the status is when the camera was last seen working (or started), not the latest
 * retry (issue 17 item 6: it used to be reset on every retry). A camera that never delivered a
 * frame is amber ("connecting") for `down_after_s`, then red; one that worked and stopped is red
 * at once. Pure: the camera source feeds it times and writes what it says to the status.
 */

export interface OutageView {
  state: 'down' | 'starting';
  message: string;
  /** Start of the outage (ms since epoch). */
  since: number;
  attempts: number;
}

/** A time as ISO 8601 to the second, as the camera's status and log lines show it. */
export const isoSeconds = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class CameraOutage {
  /** When frames stopped (or the camera started); null while frames flow. */
  private start: number | null = null;
  /** Frames arrived since begin(): a camera that worked is red as soon as it stops. */
  private everStreamed = false;
  private attempts = 0;
  private lastReason: string | null = null;
  private nextTryAt: number | null = null;

  constructor(private readonly downAfterMs: number) {}

  /** While frames do not flow. */
  get active(): boolean {
    return this.start !== null;
  }

  /** The camera (re)starts: an outage from `since` with no attempt yet. */
  begin(since: number): void {
    this.start = since;
    this.everStreamed = false;
    this.attempts = 0;
    this.lastReason = null;
    this.nextTryAt = null;
  }

  /** A connection ended for `reason`; the next is `delayMs` away. An outage starts at the last frame, if any. */
  failed(now: number, lastFrameAt: number | null, reason: string, delayMs: number): void {
    this.start ??= lastFrameAt ?? now;
    this.attempts++;
    this.lastReason = reason;
    this.nextTryAt = now + delayMs;
  }

  /** The wait before the next connect is over. */
  waited(): void {
    this.nextTryAt = null;
  }

  /** Frames flow: ends the outage; returns it (for the log line) or null when there was none. */
  framesBack(): { since: number; attempts: number } | null {
    if (this.start === null) return null;
    const ended = { since: this.start, attempts: this.attempts };
    this.start = null;
    this.attempts = 0;
    this.lastReason = null;
    this.everStreamed = true;
    return ended;
  }

  /** When a camera that never delivered turns red, if that falls inside a wait of `delayMs` from now; else null. */
  turnsRedWithin(now: number, delayMs: number): number | null {
    if (this.start === null || this.everStreamed) return null;
    const redAt = this.start + this.downAfterMs;
    return redAt > now && redAt < now + delayMs ? redAt : null;
  }

  /** What the status says about the outage now (`now` stands in for its start when there is none). */
  view(now: number): OutageView {
    const since = this.start ?? now;
    const red = this.everStreamed || now - since >= this.downAfterMs;
    const head = this.everStreamed ? `no frames since ${isoSeconds(since)}` : `no frame since start ${isoSeconds(since)}`;
    const next = this.nextTryAt !== null ? `retry in ${((this.nextTryAt - now) / 1000).toFixed(1)} s` : 'connecting';
    const message = this.attempts === 0 ? (red ? `${head}: connecting` : 'connecting') : `${head}, ${this.attempts} attempt(s): ${this.lastReason ?? ''}; ${next}`;
    return { state: red ? 'down' : 'starting', message, since, attempts: this.attempts };
  }
}
