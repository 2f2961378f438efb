/** A position fix as kept by the fix store. */
export type FixMode = 'none' | '2d' | '3d' | 'dgps' | 'rtk' | 'fixed';

export interface GpsFix {
  lat: number;
  lon: number;
  /** Metres above mean sea level, or null. */
  altitude_m: number | null;
  speed_mps: number | null;
  /** Degrees true, 0..360, or null. */
  heading_deg: number | null;
  mode: FixMode;
  satellites: number | null;
  hdop: number | null;
  /** Satellites in view (from GSV / gpsd SKY), used or not; absent when the source does not say. */
  satellitesInView?: number | null;
  /** Time of the fix as the receiver reports it (ms since epoch), or null. */
  gpsTime: number | null;
  /** Local wall-clock time the fix was received (ms since epoch). */
  receivedAt: number;
}

/** The position attached to a detection: the fix at capture time, with its trust verdict. */
export interface Position {
  lat: number;
  lon: number;
  altitude_m: number | null;
  speed_mps: number | null;
  heading_deg: number | null;
  mode: FixMode;
  satellites: number | null;
  hdop: number | null;
  /** Age of the fix relative to the capture time, ms (0 for fixed positions). */
  age_ms: number;
  trusted: boolean;
  /** Why the fix is not trusted (`stale`, `no fix`, `hdop 7.2 > 5`), or null. */
  untrusted_reason: string | null;
  /** True when interpolated between two fixes. */
  interpolated: boolean;
}
