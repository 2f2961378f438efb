/**
 * A camera's link on its status entry: the frame rate (10 s window), reconnects in the last hour,
 * the outage while no frames flow (camera-outage.ts), and on every watchdog tick the state that
 * joins the link's quality (link-quality.ts) with the picture's verdict (camera-health.ts). The
 * camera source feeds it frames and failed connections; it only counts and writes the status.
 */
import type { Clock } from '../shared/clock.js';
import { RateMeter } from '../shared/rate-meter.js';
import type { StatusReporter } from '../status/registry.js';
import type { HealthVerdict } from './camera-health.js';
import { CameraOutage } from './camera-outage.js';
import { cameraState, linkQuality } from './link-quality.js';

export interface LinkStatusDeps {
  status: StatusReporter;
  clock: Clock;
  /** `down_after_s`: a camera that never delivered turns red after this long. */
  downAfterMs: number;
  /** `stall_timeout_s`: no frame for this long is a link down. */
  stallMs: number;
  /** When the running connection's first and last frames came (the watchdog's), or null. */
  frames: () => { first: number | null; last: number | null };
  /** An ffmpeg runs now. */
  running: () => boolean;
  /** The rate frames should arrive at now. */
  expectedFps: () => number;
  /** Further details of the camera written with the link's (the frame intake's counters). */
  details: () => Record<string, unknown>;
}

export class LinkStatus {
  private readonly meter = new RateMeter(10_000);
  private readonly reconnects = new RateMeter(3_600_000);
  private readonly outage: CameraOutage;

  constructor(private readonly deps: LinkStatusDeps) {
    this.outage = new CameraOutage(deps.downAfterMs);
  }

  /** The camera (re)starts without frames: an outage from `since`. */
  begin(since: number): void {
    this.outage.begin(since);
  }

  /** A connection starts: the rate is measured from now. */
  connecting(now: number): void {
    this.meter.reset(now);
  }

  /** A frame arrived; returns the outage it ended (for the log line), or null. */
  frame(now: number): { since: number; attempts: number } | null {
    this.meter.add(now);
    return this.outage.framesBack();
  }

  /**
   * A connection ended for `reason`; the next is `delayMs` away. Returns when, within that wait,
   * a camera that never delivered turns red (the status must be written then), or null.
   */
  failed(now: number, lastFrameAt: number | null, reason: string, delayMs: number): number | null {
    this.reconnects.add(now);
    this.deps.status.count('reconnects');
    this.outage.failed(now, lastFrameAt, reason, delayMs);
    this.showOutage(now);
    this.refreshDetails();
    return this.outage.turnsRedWithin(now, delayMs);
  }

  /** The wait before the next connect is over. */
  waited(): void {
    this.outage.waited();
  }

  /** Every watchdog tick: the camera's state from its link and its picture's verdict. */
  refresh(now: number, picture: HealthVerdict): void {
    const { first, last } = this.deps.frames();
    const q = linkQuality({
      streaming: this.deps.running() && first !== null,
      fps: this.meter.rate(now),
      expectedFps: this.deps.expectedFps(),
      sinceLastFrameMs: last === null ? null : now - last,
      stallMs: this.deps.stallMs,
      reconnectsLastHour: this.reconnects.sum(now),
    });
    if (first === null || this.outage.active) this.showOutage(now);
    else {
      const v = cameraState(q, picture);
      this.deps.status.set(v.state, v.message);
    }
    this.deps.status.detail('quality', q.quality);
    this.refreshDetails();
  }

  /** No frames: the outage's state, dated to its start (camera-outage.ts). */
  showOutage(now: number): void {
    const v = this.outage.view(now);
    const status = this.deps.status;
    status.set(v.state, v.message, v.since);
    status.detail('outage_since', new Date(v.since).toISOString());
    status.detail('connect_attempts', v.attempts);
  }

  private refreshDetails(): void {
    const now = this.deps.clock.now();
    const status = this.deps.status;
    const { last } = this.deps.frames();
    status.detail('fps', Math.round(this.meter.rate(now) * 10) / 10);
    if (!this.outage.active) {
      status.detail('outage_since', null);
      status.detail('connect_attempts', 0);
    }
    status.detail('expected_fps', this.deps.expectedFps());
    status.detail('last_frame_at', last === null ? null : new Date(last).toISOString());
    status.detail('reconnects_per_h', this.reconnects.sum(now));
    for (const [k, v] of Object.entries(this.deps.details())) status.detail(k, v);
  }
}
