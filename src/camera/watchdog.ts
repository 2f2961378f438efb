/**
 * The per-connection watchdog: trips when the first frame does not come within the connect
 * timeout, or when frames stop for the stall timeout (Frigate's CameraWatchdog restarts after
 * 20 s without a frame; the timeouts here are configurable per camera). It only decides; the
 * camera stops ffmpeg and reconnects with backoff.
 */
import type { Clock } from '../shared/clock.js';

export type TripReason = { kind: 'no-first-frame'; afterMs: number } | { kind: 'stalled'; afterMs: number };

export interface WatchdogOptions {
  connectTimeoutMs: number;
  stallMs: number;
  /** How often the watchdog looks (and the camera refreshes its status). */
  tickMs: number;
}

/** Pure verdict for one look. */
export function watchdogVerdict(now: number, startedAt: number, lastFrameAt: number | null, o: Pick<WatchdogOptions, 'connectTimeoutMs' | 'stallMs'>): TripReason | null {
  if (lastFrameAt === null) return now - startedAt >= o.connectTimeoutMs ? { kind: 'no-first-frame', afterMs: now - startedAt } : null;
  return now - lastFrameAt >= o.stallMs ? { kind: 'stalled', afterMs: now - lastFrameAt } : null;
}

export class Watchdog {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private tripped = false;
  firstFrameAt: number | null = null;
  lastFrameAt: number | null = null;

  constructor(
    private readonly opts: WatchdogOptions,
    private readonly clock: Clock,
    private readonly onTrip: (reason: TripReason) => void,
    private readonly onTick: () => void = () => undefined,
  ) {}

  start(): void {
    this.stop();
    this.startedAt = this.clock.now();
    this.firstFrameAt = null;
    this.lastFrameAt = null;
    this.tripped = false;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
  }

  frame(now: number = this.clock.now()): void {
    this.firstFrameAt ??= now;
    this.lastFrameAt = now;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (!this.tripped) {
      const verdict = watchdogVerdict(this.clock.now(), this.startedAt, this.lastFrameAt, this.opts);
      if (verdict) {
        // One trip per connection: the camera is already tearing this ffmpeg down.
        this.tripped = true;
        this.onTrip(verdict);
      }
    }
    this.onTick();
  }
}
