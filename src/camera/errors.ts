import { defineErrors } from '../shared/errors.js';

/** Stable codes of camera ingest; documented in docs/camera.md ("Error codes"). */
export const CameraErrors = defineErrors({
  CAMERA_FFMPEG_MISSING: 'cannot start {binary}: {detail} (install ffmpeg)',
  CAMERA_FFMPEG_EXITED: 'ffmpeg for camera {camera} exited ({detail})',
  CAMERA_NO_FIRST_FRAME: 'camera {camera}: no frame within {timeout_s} s of connecting',
  CAMERA_STALLED: 'camera {camera}: no frame for {seconds} s',
  CAMERA_FRAME_SIZE_UNKNOWN: 'camera {camera}: ffmpeg did not report the frame size',
  CAMERA_ONVIF_AUTH: 'ONVIF device {address} refused user "{user}": wrong user name or password',
  CAMERA_ONVIF_UNREACHABLE: 'ONVIF device {address} did not answer: {detail}',
  CAMERA_ONVIF_NO_PROFILE: 'ONVIF device {address} has no usable media profile: {detail}',
  CAMERA_ONVIF_FAILED: 'ONVIF device {address}: {detail}',
  CAMERA_DISCOVERY_FAILED: 'WS-Discovery probe failed: {detail}',
});
