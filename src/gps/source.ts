/**
 * What every position source (serial, gpsd, replay, fixed) hands to the GPS unit. Sources own
 * their I/O and reconnects; the unit owns the fix store, trust and status.
 */
import type { GpsFix } from './fix.js';
import type { Unit } from '../shared/lifecycle.js';

export type GpsCounter =
  | 'bytes'
  | 'garbage_bytes'
  | 'sentences'
  | 'bad_checksum'
  | 'malformed'
  | 'unsupported'
  | 'reconnects';

export interface LinkStatus {
  connected: boolean;
  /** Serial path, gpsd host:port, replay file, or `configured position`. */
  device: string;
  /** Serial only: the rate in use (while detecting, the rate being tried). */
  baud?: number | null;
  /** Serial auto-baud: still looking for the rate. */
  detecting?: boolean;
  /** One line for the status page when not connected or not yet delivering. */
  message: string;
  /** Not connected: when the outage began (ms since epoch), kept across retries. */
  since?: number;
}

export interface GpsSink {
  fix(fix: GpsFix): void;
  link(status: LinkStatus): void;
  count(counter: GpsCounter, by?: number): void;
  /** Records the last error for the status page (state is the unit's decision). */
  error(err: unknown): void;
}

export type GpsSource = Unit;
