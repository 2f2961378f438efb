/**
 * The GPS line on the status page, decided from the link, the position now and the clock check.
 * Green only with a trusted fix (operators confirm GPS is green at start-up: sacramento-pd
 * 525.08 D.3.d, roseville 426.6.1 (c)); amber while connected without one, or with a skewed clock; red
 * when the receiver or gpsd is not reachable. Pure.
 */
import type { UnitState } from '../status/registry.js';
import type { Position } from './fix.js';
import type { LinkStatus } from './source.js';

export type GpsSourceKind = 'serial' | 'gpsd' | 'fixed' | 'replay' | 'none';

export interface HealthInput {
  source: GpsSourceKind;
  link: LinkStatus | null;
  /** Position at the current time, or null before the first one. */
  position: Position | null;
  skew: { active: boolean; skewMs: number | null; limitMs: number };
}

export interface Health {
  state: UnitState;
  message: string;
}

export function gpsHealth(i: HealthInput): Health {
  if (i.source === 'none') return { state: 'disabled', message: 'no position source configured' };
  if (!i.link) return { state: 'starting', message: '' };
  if (!i.link.connected) return { state: 'down', message: i.link.message || `${i.link.device}: not connected` };
  const p = i.position;
  if (i.source === 'fixed' && p) return { state: 'ok', message: `fixed position ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}` };
  if (i.link.detecting) return { state: 'degraded', message: i.link.message || 'detecting baud rate' };
  if (!p) return { state: 'degraded', message: i.link.message || 'connected, no fix yet' };
  if (!p.trusted) return { state: 'degraded', message: p.untrusted_reason ?? 'untrusted fix' };
  if (i.skew.active && i.skew.skewMs !== null) {
    return { state: 'degraded', message: `clock skew: GPS time and system clock differ by ${(i.skew.skewMs / 1000).toFixed(1)} s (limit ${i.skew.limitMs / 1000} s)` };
  }
  const sats = p.satellites === null ? '' : `, ${p.satellites} satellites`;
  const hdop = p.hdop === null ? '' : `, HDOP ${p.hdop}`;
  return { state: 'ok', message: `${p.mode} fix${sats}${hdop}` };
}
