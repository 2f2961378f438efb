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

/** The camera's unit state from its link and its picture's verdict (while frames flow). */
export function cameraState(link: { quality: LinkQuality; reason: string }, picture: { level: 'ok' | 'amber' | 'red'; message: string }): { state: 'ok' | 'degraded' | 'down'; message: string } {
  // A red picture fault takes the camera down; an amber one degrades a good link; a link that is
  // already worse keeps its own state, with the picture's words after its reason.
  if (picture.level === 'red' && link.quality !== 'down') return { state: 'down', message: `${picture.message}; ${link.reason}` };
  if (picture.level === 'amber' && link.quality === 'good') return { state: 'degraded', message: `${picture.message}; ${link.reason}` };
  return { state: link.quality === 'good' ? 'ok' : link.quality, message: picture.level === 'ok' ? link.reason : `${link.reason}; ${picture.message}` };
}
