/**
 * Resolves a configured ONVIF camera to its RTSP URI, with the `onvif` client: device time
 * (WS-Security timestamps are checked against the device clock), services (falling back to
 * capabilities on pre-2.0 devices), media profiles, then GetStreamUri for the chosen profile.
 * Called before every (re)connect: cameras hand out new URIs (session tokens, changed ports)
 * after a reboot or a profile edit, and a stale URI would fail forever.
 *
 * The client's own `connect()` is not used: it also matches profiles to video sources and throws
 * from inside a socket callback when a device's configuration does not fit its expectations,
 * which no caller can catch. The four steps are called one by one instead.
 */
import onvif from 'onvif';
import { AlprError } from '../shared/errors.js';
import { CameraErrors } from './errors.js';
import { chooseProfile, profileFromOnvif, type MediaProfile } from './profile-choice.js';

export interface OnvifTarget {
  /** host[:port] of the device service (port 80 by default). */
  address: string;
  username: string;
  password: string;
  /** Profile token or name; empty = highest resolution within the limits. */
  profile: string;
  maxWidth: number;
  maxHeight: number;
  timeoutMs: number;
}

export interface ResolvedStream {
  /** The RTSP URI as the device gave it (no credentials added). */
  uri: string;
  profile: MediaProfile;
  reason: string;
}

type Callback<T> = (err: Error | null, data?: T) => void;
interface CamSteps {
  getSystemDateAndTime(cb: Callback<Date>): void;
  getServices(includeCapability: boolean, cb: Callback<unknown>): void;
  getCapabilities(cb: Callback<unknown>): void;
  getProfiles(cb: Callback<unknown[]>): void;
  getStreamUri(options: { protocol: string; profileToken: string }, cb: Callback<{ uri?: unknown }>): void;
}

export function parseAddress(address: string): { hostname: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address.trim());
  if (!m) throw new AlprError(CameraErrors.CAMERA_ONVIF_FAILED, { address, detail: 'not a host[:port] address' });
  return { hostname: m[1]!, port: m[2] ? Number(m[2]) : 80 };
}

export async function resolveOnvifStream(t: OnvifTarget): Promise<ResolvedStream> {
  const { hostname, port } = parseAddress(t.address);
  const cam = new onvif.Cam({
    hostname,
    port,
    username: t.username || undefined,
    password: t.password || undefined,
    timeout: t.timeoutMs,
    autoconnect: false,
    // Devices behind a port forward advertise service addresses nobody outside can reach:
    // keep talking to the address we were given.
    preserveAddress: true,
  }) as unknown as CamSteps;
  const step = <T>(name: string, run: (cb: Callback<T>) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      try {
        run((err, data) => (err ? reject(mapError(err, t)) : resolve(data as T)));
      } catch (err) {
        reject(mapError(err, t, name));
      }
    });

  await step<Date>('GetSystemDateAndTime', (cb) => cam.getSystemDateAndTime(cb));
  try {
    await step('GetServices', (cb) => cam.getServices(true, cb));
  } catch (err) {
    if (err instanceof AlprError && err.code === CameraErrors.CAMERA_ONVIF_AUTH) throw err;
    await step('GetCapabilities', (cb) => cam.getCapabilities(cb));
  }
  const raw = await step<unknown[]>('GetProfiles', (cb) => cam.getProfiles(cb));
  const profiles = (Array.isArray(raw) ? raw : [raw]).map(profileFromOnvif).filter((p): p is MediaProfile => p !== null);
  const choice = chooseProfile(profiles, t.profile, t.maxWidth, t.maxHeight);
  if ('error' in choice) throw new AlprError(CameraErrors.CAMERA_ONVIF_NO_PROFILE, { address: t.address, detail: choice.error });
  const res = await step<{ uri?: unknown }>('GetStreamUri', (cb) => cam.getStreamUri({ protocol: 'RTSP', profileToken: choice.profile.token }, cb));
  const uri = typeof res?.uri === 'string' ? res.uri.trim() : '';
  if (!/^rtsps?:\/\//i.test(uri)) {
    throw new AlprError(CameraErrors.CAMERA_ONVIF_FAILED, { address: t.address, detail: `GetStreamUri returned no RTSP URI for profile ${choice.profile.token}` });
  }
  return { uri, profile: choice.profile, reason: choice.reason };
}

/** Turns the client's errors into stable codes; the wrong-password case must read as such. */
export function mapError(err: unknown, t: Pick<OnvifTarget, 'address' | 'username'>, step?: string): AlprError {
  if (err instanceof AlprError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (/not ?authori[sz]ed|authentication failed|unauthori[sz]ed|\b401\b|FailedAuthentication/i.test(msg)) {
    return new AlprError(CameraErrors.CAMERA_ONVIF_AUTH, { address: t.address, user: t.username }, { cause: err });
  }
  if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'ECONNRESET' || /timed? ?out/i.test(msg)) {
    return new AlprError(CameraErrors.CAMERA_ONVIF_UNREACHABLE, { address: t.address, detail: code ?? msg }, { cause: err });
  }
  return new AlprError(CameraErrors.CAMERA_ONVIF_FAILED, { address: t.address, detail: step ? `${step}: ${msg}` : msg }, { cause: err });
}
