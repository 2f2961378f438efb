import { Type, type Static } from '@sinclair/typebox';
import { PathString, StringEnum } from '../helpers.js';
import type { ConfigCheck } from '../checks.js';
import { SecretRef } from '../secret.js';
import { CameraHealthSection } from './camera-health.js';

/** One row of the speed → sampling-rate table: at or above `min_mph`, sample `fps` frames a second. */
export const SpeedRate = Type.Object(
  {
    min_mph: Type.Number({ minimum: 0, maximum: 200, description: 'Lower bound of this speed band in miles per hour (inclusive).' }),
    fps: Type.Number({ exclusiveMinimum: 0, maximum: 30, description: 'Frames per second sent to recognition in this band.' }),
  },
  { additionalProperties: false },
);
export type SpeedRateConfig = Static<typeof SpeedRate>;

export const MotionSection = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Send frames to recognition only while something moves (fixed cameras). Patrol cameras leave this off.' }),
    pixel_delta: Type.Integer({ default: 24, minimum: 1, maximum: 255, description: 'Brightness change (0-255) that makes a sampled pixel count as changed.' }),
    threshold_pct: Type.Number({ default: 0.5, minimum: 0.01, maximum: 100, description: 'Share of sampled pixels (percent) that must change for a frame to count as motion.' }),
    hold_s: Type.Number({ default: 3, minimum: 0, maximum: 60, description: 'Keep sending frames this long after the last motion, so a slowing car is still read.' }),
    sample_width: Type.Integer({ default: 64, minimum: 16, maximum: 320, description: 'Width of the grid the frame is sampled on for the difference (pixels); height follows the aspect.' }),
  },
  { additionalProperties: false, default: {}, description: 'Cheap motion gating by frame difference on a small sample grid.' },
);

export const DEFAULT_SPEED_RATES: SpeedRateConfig[] = [
  { min_mph: 0, fps: 5 },
  { min_mph: 25, fps: 10 },
  { min_mph: 45, fps: 15 },
];

export const CameraSection = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'Camera id (lower case), used in logs, status and stored detections.' }),
    kind: StringEnum(['rtsp', 'onvif', 'mjpeg', 'file'] as const, { description: 'rtsp = RTSP URL; onvif = resolve the RTSP URL through ONVIF; mjpeg = MJPEG over HTTP; file = a video file looped (demo, tests).' }),
    url: Type.String({ default: '', description: 'rtsp:// or http:// URL (rtsp, mjpeg), ONVIF device address host[:port] (onvif). No credentials here: use username/password. For kind file prefer `path`.' }),
    path: PathString({ default: '', description: 'kind file: the video file (or give it as url); a relative path resolves against the config file.' }),
    username: Type.String({ default: '', description: 'Camera user name.' }),
    password: Type.Optional(SecretRef('Camera password: {env: VAR}, {file: PATH} or a literal (tests only).')),
    fps: Type.Number({ default: 5, exclusiveMinimum: 0, maximum: 60, description: 'Frames per second decoded for recognition when no GPS speed table applies.' }),
    enabled: Type.Boolean({ default: true, description: 'false = keep the entry but do not open the camera.' }),
    transport: StringEnum(['tcp', 'udp'] as const, { default: 'tcp', description: 'RTSP transport. TCP survives lossy links and NAT; UDP has less latency on a clean LAN.' }),
    codec: StringEnum(['auto', 'h264', 'h265'] as const, { default: 'auto', description: 'Stream codec; auto lets ffmpeg detect it. Needed with hwaccel on some drivers.' }),
    hwaccel: StringEnum(['none', 'vaapi'] as const, { default: 'none', description: 'Hardware decoding (VAAPI on Intel/AMD graphics).' }),
    vaapi_device: Type.String({ default: '/dev/dri/renderD128', minLength: 1, description: 'VAAPI render node used when hwaccel is vaapi.' }),
    width: Type.Integer({ default: 0, minimum: 0, maximum: 7680, description: 'Width of decoded frames in pixels; 0 = the stream size. Set with height to scale.' }),
    height: Type.Integer({ default: 0, minimum: 0, maximum: 4320, description: 'Height of decoded frames in pixels; 0 = the stream size.' }),
    pixel_format: StringEnum(['rgb24', 'gray'] as const, { default: 'rgb24', description: 'Raw pixel format handed to recognition.' }),
    loop: Type.Boolean({ default: true, description: 'kind file: loop the file forever.' }),
    realtime: Type.Boolean({ default: true, description: 'kind file: read at the native frame rate (-re), like a live camera.' }),
    stall_timeout_s: Type.Number({ default: 10, minimum: 1, maximum: 300, description: 'Restart ffmpeg when no frame arrived for this long.' }),
    connect_timeout_s: Type.Number({ default: 20, minimum: 1, maximum: 300, description: 'Restart when the first frame has not arrived this long after (re)connecting.' }),
    retry_initial_s: Type.Number({ default: 1, minimum: 0.05, maximum: 60, description: 'First wait before reconnecting; doubles per failure, with jitter.' }),
    retry_max_s: Type.Number({ default: 30, minimum: 0.1, maximum: 600, description: 'Longest wait between reconnects.' }),
    down_after_s: Type.Number({
      default: 60,
      minimum: 1,
      maximum: 3600,
      description: 'A camera that has delivered no frame since start (garbage or a silent server) turns red (down) after this long; until then it is amber (connecting). The outage start is kept across retries.',
    }),
    stable_after_s: Type.Number({ default: 10, minimum: 0, maximum: 600, description: 'Frames must flow this long before the retry delay resets to retry_initial_s.' }),
    queue_size: Type.Integer({ default: 2, minimum: 1, maximum: 64, description: 'Frames of this camera waiting for a free recognizer worker; when full the oldest waiting frame is dropped and counted (the camera\'s `dropped` counter). Workers take the cameras\' frames in turn.' }),
    speed_rates: Type.Array(SpeedRate, { default: DEFAULT_SPEED_RATES, maxItems: 8, description: 'Sampling rate by vehicle speed (patrol). Empty = always `fps`. Decoded at the highest rate and thinned in process, so a speed change never restarts ffmpeg.' }),
    speed_hysteresis_mph: Type.Number({ default: 2, minimum: 0, maximum: 20, description: 'Speed must fall this far below a band boundary before the lower rate applies, so a car cruising at a boundary does not flap.' }),
    motion: MotionSection,
    health: CameraHealthSection,
    zone: Type.Array(Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]), {
      default: [],
      maxItems: 32,
      description: 'Detection zone: polygon of [x, y] points as fractions of the frame (0..1), clockwise or not. Empty = whole frame. Motion gating looks only inside it; recognition gets it with each frame.',
    }),
    onvif_profile: Type.String({ default: '', description: 'kind onvif: media profile token or name; empty = highest resolution within onvif_max_width x onvif_max_height.' }),
    onvif_max_width: Type.Integer({ default: 1920, minimum: 160, maximum: 7680, description: 'kind onvif: widest profile chosen automatically (pixels).' }),
    onvif_max_height: Type.Integer({ default: 1080, minimum: 120, maximum: 4320, description: 'kind onvif: tallest profile chosen automatically (pixels).' }),
    onvif_timeout_s: Type.Number({ default: 10, minimum: 1, maximum: 120, description: 'kind onvif: timeout of each ONVIF request.' }),
  },
  { additionalProperties: false, description: 'One camera.' },
);
export type CameraConfig = Static<typeof CameraSection>;

export const CamerasSection = Type.Array(CameraSection, { default: [], maxItems: 8, description: 'Cameras on this device.' });

export const cameraChecks: ConfigCheck[] = [
  (config) => {
    const seen = new Set<string>();
    const errors: string[] = [];
    config.cameras.forEach((c, i) => {
      if (seen.has(c.id)) errors.push(`cameras[${i}].id: duplicate camera id "${c.id}"`);
      seen.add(c.id);
    });
    return errors;
  },
  (config) => config.cameras.flatMap((c, i) => checkCamera(c, `cameras[${i}]`)),
];

function checkCamera(c: CameraConfig, at: string): string[] {
  const errors: string[] = [];
  switch (c.kind) {
    case 'rtsp':
      if (!/^rtsps?:\/\//i.test(c.url)) errors.push(`${at}.url: must be an rtsp:// URL for kind rtsp`);
      break;
    case 'mjpeg':
      if (!/^https?:\/\//i.test(c.url)) errors.push(`${at}.url: must be an http(s):// URL for kind mjpeg`);
      break;
    case 'onvif':
      if (!/^[A-Za-z0-9.[\]:-]+$/.test(c.url)) errors.push(`${at}.url: must be the ONVIF device address host[:port] for kind onvif`);
      break;
    case 'file':
      if (c.path === '' && c.url === '') errors.push(`${at}.path: is required (the video file) for kind file`);
      if (c.path !== '' && c.url !== '') errors.push(`${at}: give the file as path or url, not both`);
      break;
  }
  // Credentials in the URL would reach logs and the status page; they belong in username/password.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/i.test(c.url)) errors.push(`${at}.url: must not contain credentials; use username and password`);
  if ((c.width === 0) !== (c.height === 0)) errors.push(`${at}: width and height must be set together (or both 0)`);
  if (c.pixel_format === 'rgb24' && c.width % 2 !== 0) errors.push(`${at}.width: must be even`);
  if (c.height % 2 !== 0) errors.push(`${at}.height: must be even`);
  if (c.retry_max_s < c.retry_initial_s) errors.push(`${at}.retry_max_s: must be at least retry_initial_s`);
  if (c.zone.length > 0 && c.zone.length < 3) errors.push(`${at}.zone: a polygon needs at least 3 points`);
  const mins = c.speed_rates.map((r) => r.min_mph);
  if (mins.some((m, i) => i > 0 && m <= mins[i - 1]!)) errors.push(`${at}.speed_rates: min_mph must increase from row to row`);
  if (c.speed_rates.length > 0 && mins[0] !== 0) errors.push(`${at}.speed_rates: the first row must start at min_mph 0`);
  return errors;
}
