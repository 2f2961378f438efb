/**
 * The NMEA 0183 sentences the receiver path understands, as plain data. Times are milliseconds
 * since UTC midnight (sentences carry no date except RMC); dates are ms since the epoch of that
 * day's UTC midnight; angles are decimal degrees, north and east positive.
 */

/** Talker ids accepted: GPS, any-GNSS, GLONASS, Galileo, BeiDou (both spellings), QZSS, NavIC. */
export const TALKERS = ['GP', 'GN', 'GL', 'GA', 'GB', 'BD', 'GQ', 'GI'] as const;
export type Talker = (typeof TALKERS)[number];

export interface GgaSentence {
  type: 'GGA';
  talker: Talker;
  timeMs: number | null;
  lat: number | null;
  lon: number | null;
  /** 0 invalid, 1 GPS, 2 DGPS, 3 PPS, 4 RTK fixed, 5 RTK float, 6 estimated, 7 manual, 8 simulator. */
  quality: number;
  satellites: number | null;
  hdop: number | null;
  altitude_m: number | null;
}

export interface RmcSentence {
  type: 'RMC';
  talker: Talker;
  timeMs: number | null;
  /** Status field: A = data valid, V = receiver warning. */
  valid: boolean;
  lat: number | null;
  lon: number | null;
  speed_knots: number | null;
  course_deg: number | null;
  dateMs: number | null;
  /** NMEA 2.3+ mode indicator (A, D, E, F, M, N, P, R, S), or null on older receivers. */
  modeIndicator: string | null;
}

export interface VtgSentence {
  type: 'VTG';
  talker: Talker;
  course_deg: number | null;
  speed_knots: number | null;
  speed_kmh: number | null;
  modeIndicator: string | null;
}

export interface GsaSentence {
  type: 'GSA';
  talker: Talker;
  /** 1 no fix, 2 2D, 3 3D. */
  fixType: 1 | 2 | 3 | null;
  /** Satellites used in the solution (up to 12 per sentence). */
  prns: number[];
  pdop: number | null;
  hdop: number | null;
  vdop: number | null;
  /** NMEA 4.1 GNSS system id (1 GPS, 2 GLONASS, 3 Galileo, 4 BeiDou ...), or null. */
  systemId: number | null;
}

export interface GnsSentence {
  type: 'GNS';
  talker: Talker;
  timeMs: number | null;
  lat: number | null;
  lon: number | null;
  /** One mode character per constellation (N no fix, A autonomous, D differential, R/F RTK ...). */
  modes: string;
  satellites: number | null;
  hdop: number | null;
  altitude_m: number | null;
}

export interface GsvSatellite {
  prn: number;
  elevation_deg: number | null;
  azimuth_deg: number | null;
  snr_db: number | null;
}

export interface GsvSentence {
  type: 'GSV';
  talker: Talker;
  total: number;
  index: number;
  inView: number;
  satellites: GsvSatellite[];
}

export type NmeaSentence = GgaSentence | RmcSentence | VtgSentence | GsaSentence | GnsSentence | GsvSentence;

/** What became of one candidate line. Every line ends in exactly one of these. */
export type NmeaParseResult =
  | { kind: 'sentence'; sentence: NmeaSentence }
  /** Checksum present and well-formed but wrong: corrupted in transit. */
  | { kind: 'bad_checksum' }
  /** Not a sentence: truncated, binary, missing checksum, impossible field values. */
  | { kind: 'malformed'; reason: string }
  /** A valid sentence this daemon does not use (GLL, ZDA, TXT, proprietary $P..., other talkers). */
  | { kind: 'unsupported'; address: string };
