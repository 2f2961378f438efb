/**
 * gpsd's JSON reports (https://gpsd.gitlab.io/gpsd/gpsd_json.html) → `GpsFix`. TPV carries the
 * position and time of one cycle; SKY, sent around it, carries HDOP and the satellites, so the
 * latest SKY is merged into each TPV. Pure.
 */
import type { FixMode, GpsFix } from './fix.js';

export type GpsdEvent =
  | { kind: 'fix'; fix: GpsFix }
  | { kind: 'device'; path: string; activated: boolean }
  | { kind: 'error'; message: string }
  /** VERSION, WATCH, SKY, DEVICES and anything newer gpsd may add: nothing to report. */
  | { kind: 'other' }
  | { kind: 'malformed'; reason: string };

interface Sky {
  hdop: number | null;
  used: number | null;
  inView: number | null;
}

export class GpsdMessages {
  private sky: Sky | null = null;
  private lastPosition: { lat: number; lon: number } | null = null;

  /** One line of gpsd output. */
  handleLine(line: string, receivedAt: number): GpsdEvent {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return { kind: 'malformed', reason: 'not JSON' };
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return { kind: 'malformed', reason: 'not a JSON object' };
    return this.handle(msg as Record<string, unknown>, receivedAt);
  }

  handle(msg: Record<string, unknown>, receivedAt: number): GpsdEvent {
    switch (msg.class) {
      case 'TPV':
        return { kind: 'fix', fix: this.tpv(msg, receivedAt) };
      case 'SKY':
        this.sky = mergeSky(this.sky, skyOf(msg));
        return { kind: 'other' };
      case 'DEVICE':
        return typeof msg.path === 'string' ? { kind: 'device', path: msg.path, activated: msg.activated !== 0 } : { kind: 'other' };
      case 'DEVICES': {
        const list = Array.isArray(msg.devices) ? (msg.devices as Record<string, unknown>[]) : [];
        const path = list.find((d) => typeof d.path === 'string')?.path;
        return typeof path === 'string' ? { kind: 'device', path, activated: true } : { kind: 'other' };
      }
      case 'ERROR':
        return { kind: 'error', message: typeof msg.message === 'string' ? msg.message : 'unknown error' };
      case undefined:
        return { kind: 'malformed', reason: 'no class' };
      default:
        return { kind: 'other' };
    }
  }

  private tpv(m: Record<string, unknown>, receivedAt: number): GpsFix {
    const lat = num(m.lat);
    const lon = num(m.lon);
    let mode = modeOf(num(m.mode) ?? 0, num(m.status) ?? 1);
    if (lat === null || lon === null) mode = 'none';
    if (mode !== 'none') this.lastPosition = { lat: lat!, lon: lon! };
    const fixed = mode !== 'none';
    const time = typeof m.time === 'string' ? Date.parse(m.time) : NaN;
    const sky = this.sky;
    return {
      lat: fixed ? lat! : (this.lastPosition?.lat ?? 0),
      lon: fixed ? lon! : (this.lastPosition?.lon ?? 0),
      // gpsd ≥ 3.20 reports altMSL and altHAE; older ones `alt` (MSL).
      altitude_m: fixed && mode !== '2d' ? (num(m.altMSL) ?? num(m.alt)) : null,
      speed_mps: fixed ? num(m.speed) : null,
      heading_deg: fixed ? num(m.track) : null,
      mode,
      satellites: sky?.used ?? null,
      hdop: sky?.hdop ?? null,
      satellitesInView: sky?.inView ?? null,
      gpsTime: Number.isFinite(time) ? time : null,
      receivedAt,
    };
  }
}

/** TPV mode 0/1 no fix, 2 2D, 3 3D; status 2 DGPS, 3/4 RTK fixed/float, 5 dead reckoning,
 *  7 time only, 8 simulated. Dead reckoning and simulation are not measurements: no fix. */
function modeOf(mode: number, status: number): FixMode {
  if (mode < 2) return 'none';
  switch (status) {
    case 2:
      return 'dgps';
    case 3:
    case 4:
      return 'rtk';
    case 5:
    case 7:
    case 8:
      return 'none';
    default:
      return mode === 2 ? '2d' : '3d';
  }
}

function skyOf(m: Record<string, unknown>): Sky {
  const sats = Array.isArray(m.satellites) ? (m.satellites as Record<string, unknown>[]) : null;
  const used = num(m.uSat) ?? (sats ? sats.filter((s) => s.used === true).length : null);
  const inView = num(m.nSat) ?? (sats ? sats.length : null);
  return { hdop: num(m.hdop), used, inView };
}

/** A SKY built from GSA alone lacks the satellite list, one from GSV lacks DOPs: keep what the
 *  newer one does not say. */
function mergeSky(old: Sky | null, next: Sky): Sky {
  return { hdop: next.hdop ?? old?.hdop ?? null, used: next.used ?? old?.used ?? null, inView: next.inView ?? old?.inView ?? null };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
