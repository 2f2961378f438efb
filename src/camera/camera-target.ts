/**
 * What one connection of a camera opens: the URL ffmpeg reads (credentials in it when the camera
 * has them), the same URL fit for logs and the status page, and whether it is secret (then it
 * reaches ffmpeg through a 0600 input file, never argv). ONVIF cameras are resolved to their RTSP
 * URI again before every connect: devices hand out new URIs after reboots and edits.
 */
import type { CameraConfig } from '../config/sections/camera.js';
import type { FfmpegInput, InputKind } from './ffmpeg-args.js';
import { resolveOnvifStream } from './onvif-resolver.js';
import type { MediaProfile } from './profile-choice.js';
import { displayUrl, withCredentials } from './stream-url.js';

export interface Target {
  kind: InputKind;
  url: string;
  display: string;
  /** The URL carries a user or password: it must not appear in ffmpeg's argv. */
  secret: boolean;
}

/** The ONVIF media profile chosen, for the status page. */
export type OnvifChoice = Pick<MediaProfile, 'token' | 'name' | 'width' | 'height'> & { reason: string };

/** The target of the next connection; `onvif` is set for an ONVIF camera. Throws when ONVIF fails. */
export async function resolveTarget(cfg: CameraConfig): Promise<{ target: Target; onvif?: OnvifChoice }> {
  const password = cfg.password?.reveal() ?? '';
  const secret = cfg.username !== '' || password !== '';
  switch (cfg.kind) {
    case 'rtsp':
    case 'mjpeg':
      return { target: { kind: cfg.kind, url: withCredentials(cfg.url, cfg.username, password), display: displayUrl(cfg.url), secret } };
    case 'file': {
      const file = cfg.path || cfg.url;
      return { target: { kind: 'file', url: file, display: file, secret: false } };
    }
    case 'onvif': {
      const r = await resolveOnvifStream({
        address: cfg.url,
        username: cfg.username,
        password,
        profile: cfg.onvif_profile,
        maxWidth: cfg.onvif_max_width,
        maxHeight: cfg.onvif_max_height,
        timeoutMs: cfg.onvif_timeout_s * 1000,
      });
      return {
        target: { kind: 'rtsp', url: withCredentials(r.uri, cfg.username, password), display: displayUrl(r.uri), secret },
        onvif: { token: r.profile.token, name: r.profile.name, width: r.profile.width, height: r.profile.height, reason: r.reason },
      };
    }
  }
}

/** ffmpeg's input for one connection to `target` at `fps` frames/s, from the camera's settings. */
export function ffmpegInputOf(config: CameraConfig, target: Pick<Target, 'kind' | 'url'>, fps: number): FfmpegInput {
  return {
    kind: target.kind,
    url: target.url,
    transport: config.transport,
    codec: config.codec,
    hwaccel: config.hwaccel,
    vaapiDevice: config.vaapi_device,
    fps,
    width: config.width,
    height: config.height,
    pixelFormat: config.pixel_format,
    loop: config.loop,
    realtime: config.realtime,
    ioTimeoutS: config.stall_timeout_s,
  };
}
