/**
 * Connection quality of one camera from what actually arrives: measured against the expected
 * frame rate, the time since the last frame and the reconnects in the last hour. Pure: the
 * camera feeds it timestamps, the status registry shows the verdict.
 */
export type LinkQuality = 'good' | 'degraded' | 'down';

export interface QualityInput {
  /** An ffmpeg is running and has delivered at least one frame since it started. */
  streaming: boolean;
  fps: number;
  expectedFps: number;
  /** ms since the last frame, or null when none arrived in this connection. */
  sinceLastFrameMs: number | null;
  stallMs: number;
  reconnectsLastHour: number;
}

/** Below this share of the expected rate the link is degraded. */
export const MIN_FPS_SHARE = 0.7;
/** This many reconnects in an hour make a link that works degraded: it will fail again. */
export const FLAKY_RECONNECTS_PER_HOUR = 3;

export function linkQuality(q: QualityInput): { quality: LinkQuality; reason: string } {
  if (!q.streaming || q.sinceLastFrameMs === null) return { quality: 'down', reason: 'no frames' };
  if (q.sinceLastFrameMs >= q.stallMs) return { quality: 'down', reason: `no frame for ${Math.round(q.sinceLastFrameMs / 1000)} s` };
  const gapMs = Math.max(2_000, 3_000 / Math.max(q.expectedFps, 0.1));
  if (q.sinceLastFrameMs >= gapMs) return { quality: 'degraded', reason: `no frame for ${(q.sinceLastFrameMs / 1000).toFixed(1)} s` };
  if (q.fps < q.expectedFps * MIN_FPS_SHARE) return { quality: 'degraded', reason: `${q.fps.toFixed(1)} of ${round1(q.expectedFps)} fps` };
  if (q.reconnectsLastHour >= FLAKY_RECONNECTS_PER_HOUR) return { quality: 'degraded', reason: `${q.reconnectsLastHour} reconnects in the last hour` };
  return { quality: 'good', reason: `${q.fps.toFixed(1)} fps` };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Events per second over a sliding window (frames arriving). */
export class RateMeter {
  private readonly times: number[] = [];
  private since: number | null = null;

  constructor(private readonly windowMs = 10_000) {}

  reset(now: number): void {
    this.times.length = 0;
    this.since = now;
  }

  mark(now: number): void {
    this.times.push(now);
    this.trim(now);
  }

  /** Rate over the window, or over the time since `reset` when that is shorter (≥ 1 s). */
  rate(now: number): number {
    this.trim(now);
    const span = Math.max(1_000, Math.min(this.windowMs, this.since === null ? this.windowMs : now - this.since));
    return (this.times.length * 1000) / span;
  }

  private trim(now: number): void {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
  }
}

/** Counts events within the last hour (reconnects). */
export class HourCounter {
  private readonly times: number[] = [];

  add(now: number): void {
    this.times.push(now);
  }

  count(now: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - 3_600_000) this.times.shift();
    return this.times.length;
  }
}
