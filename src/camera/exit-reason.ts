/**
 * Why one connection of a camera ended, in words for its status and log: the watchdog's trip when
 * it stopped ffmpeg (no first frame, stalled), a missing ffmpeg binary, else ffmpeg's own exit.
 */
import type { CameraConfig } from '../config/sections/camera.js';
import { AlprError } from '../shared/errors.js';
import { CameraErrors } from './errors.js';
import type { FfmpegExit } from './ffmpeg-process.js';
import type { TripReason } from './watchdog.js';

export function exitReason(exit: FfmpegExit, trip: TripReason | null, config: Pick<CameraConfig, 'id' | 'connect_timeout_s'>, binary: string): string {
  if (trip?.kind === 'no-first-frame') return new AlprError(CameraErrors.CAMERA_NO_FIRST_FRAME, { camera: config.id, timeout_s: config.connect_timeout_s }).message;
  if (trip?.kind === 'stalled') return new AlprError(CameraErrors.CAMERA_STALLED, { camera: config.id, seconds: Math.round(trip.afterMs / 1000) }).message;
  if (exit.spawnError) return new AlprError(CameraErrors.CAMERA_FFMPEG_MISSING, { binary, detail: exit.spawnError }).message;
  return `ffmpeg exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})`;
}
