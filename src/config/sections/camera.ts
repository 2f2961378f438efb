import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../helpers.js';
import type { ConfigCheck } from '../checks.js';
import { SecretRef } from '../secret.js';

export const CameraSection = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'Camera id (lower case), used in logs, status and stored detections.' }),
    kind: StringEnum(['rtsp', 'onvif', 'mjpeg', 'file'] as const, { description: 'rtsp = RTSP URL; onvif = resolve the RTSP URL through ONVIF; mjpeg = MJPEG over HTTP; file = a video file looped (demo, tests).' }),
    url: Type.String({ default: '', description: 'rtsp:// or http:// URL (rtsp, mjpeg), ONVIF device address host[:port] (onvif), or path (file). No credentials here: use username/password.' }),
    username: Type.String({ default: '', description: 'Camera user name.' }),
    password: Type.Optional(SecretRef('Camera password: {env: VAR}, {file: PATH} or a literal (tests only).')),
    fps: Type.Number({ default: 5, exclusiveMinimum: 0, maximum: 60, description: 'Frames per second decoded for recognition when no GPS speed table applies.' }),
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
];
