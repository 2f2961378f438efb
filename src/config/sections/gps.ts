import { Type, type Static } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { PathString, StringEnum } from '../helpers.js';

/** Baud rates a receiver may be set to; `auto` cycles through the common ones (docs/gps.md). */
export const BAUD_RATES = [4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800] as const;

const SerialSection = Type.Object(
  {
    path: Type.String({
      default: '/dev/ttyUSB0',
      minLength: 1,
      description: 'Serial device of the receiver. Prefer a /dev/serial/by-id/... link: it keeps its name when the receiver is unplugged and re-enumerated.',
    }),
    baud: Type.Unsafe<'auto' | number>({
      default: 'auto',
      description: 'Baud rate, or `auto` to try the common rates (9600, 4800, 38400, 115200, 19200, 57600) until valid sentences arrive.',
      anyOf: [
        { type: 'string', enum: ['auto'] },
        { type: 'integer', enum: [...BAUD_RATES] },
      ],
    }),
    probe_s: Type.Number({ default: 2.5, minimum: 0.5, maximum: 30, description: 'Auto baud: how long one rate is tried without a valid sentence before the next (a 1 Hz receiver needs more than 1 s).' }),
  },
  { additionalProperties: false, default: {}, description: 'source serial: the NMEA 0183 receiver.' },
);

const GpsdSection = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'gpsd host.' }),
    port: Type.Integer({ default: 2947, minimum: 1, maximum: 65535, description: 'gpsd TCP port.' }),
  },
  { additionalProperties: false, default: {}, description: 'source gpsd: a running gpsd (JSON protocol).' },
);

const FixedSection = Type.Object(
  {
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90, description: 'Latitude of the installation, decimal degrees (WGS84, north positive). Required for source fixed.' })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'Longitude of the installation, decimal degrees (WGS84, east positive). Required for source fixed.' })),
    altitude_m: Type.Optional(Type.Number({ minimum: -500, maximum: 9000, description: 'Altitude above mean sea level, metres.' })),
    heading_deg: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 360, description: 'Direction the camera looks, degrees true.' })),
  },
  { additionalProperties: false, default: {}, description: 'source fixed: the surveyed position of a pole camera or parked trailer.' },
);

const ReplaySection = Type.Object(
  {
    file: PathString({ default: '', description: 'NMEA log played as if it came from a receiver (demo, tests). Relative paths resolve against the config file.' }),
    speed: Type.Number({ default: 1, minimum: 0.1, maximum: 100, description: 'Playback speed factor: 1 = real time, 10 = ten epochs per second of a 1 Hz log.' }),
    loop: Type.Boolean({ default: true, description: 'Start again at the end of the log.' }),
  },
  { additionalProperties: false, default: {}, description: 'source replay: timestamps are shifted so the log plays as now.' },
);

const ReconnectSection = Type.Object(
  {
    initial_s: Type.Number({ default: 1, minimum: 0.05, maximum: 60, description: 'First wait before reopening a lost serial port or gpsd connection; doubles per failure, with jitter.' }),
    max_s: Type.Number({ default: 30, minimum: 0.1, maximum: 600, description: 'Longest wait between reconnect attempts.' }),
  },
  { additionalProperties: false, default: {}, description: 'Reconnect backoff.' },
);

export const GpsSection = Type.Object(
  {
    source: StringEnum(['serial', 'gpsd', 'fixed', 'replay', 'none'] as const, { default: 'none', description: 'serial = NMEA receiver on a serial port; gpsd = a gpsd daemon; fixed = position from this file (pole cameras); replay = an NMEA log file (demo, tests); none = no position.' }),
    serial: SerialSection,
    gpsd: GpsdSection,
    fixed: FixedSection,
    replay: ReplaySection,
    max_fix_age_s: Type.Number({ default: 3, minimum: 0.2, maximum: 600, description: 'A position older than this at the capture time is untrusted (stale). Detections still carry it, marked untrusted.' }),
    max_hdop: Type.Number({ default: 5, minimum: 0.5, maximum: 99, description: 'A fix with horizontal dilution of precision above this is untrusted.' }),
    clock_skew_limit_s: Type.Number({ default: 2, minimum: 0.1, maximum: 3600, description: 'GPS time and the system clock may differ by this much before the status turns amber (evidence timestamps come from the system clock).' }),
    history_s: Type.Number({ default: 120, minimum: 5, maximum: 3600, description: 'How far back fixes are kept for placing a frame at its capture time.' }),
    idle_timeout_s: Type.Number({ default: 5, minimum: 1, maximum: 300, description: 'Reopen the serial port or gpsd connection after this long without any data.' }),
    reconnect: ReconnectSection,
  },
  { additionalProperties: false, default: {}, description: 'Position source.' },
);

export type GpsConfig = Static<typeof GpsSection>;

/** Cross-field checks JSON Schema cannot express. */
export const gpsChecks: ConfigCheck[] = [
  (config) => {
    const gps = config.gps;
    const errors: string[] = [];
    switch (gps.source) {
      case 'fixed':
        if (gps.fixed.lat === undefined) errors.push('gps.fixed.lat: is required when gps.source is fixed');
        if (gps.fixed.lon === undefined) errors.push('gps.fixed.lon: is required when gps.source is fixed');
        // A configured position in a moving car would stamp every detection with the wrong place.
        if (config.device.mode === 'patrol') errors.push('gps.source: fixed is for fixed installations; device.mode is patrol (use serial, gpsd or replay)');
        break;
      case 'replay':
        if (!gps.replay.file) errors.push('gps.replay.file: is required when gps.source is replay');
        break;
      case 'serial':
      case 'gpsd':
      case 'none':
        break;
    }
    // device.mode fixed with a receiver (serial/gpsd) is allowed: a trailer that is towed between
    // sites keeps its live position without editing the configuration.
    if (gps.reconnect.initial_s > gps.reconnect.max_s) errors.push('gps.reconnect.initial_s: must not exceed gps.reconnect.max_s');
    if (gps.history_s < gps.max_fix_age_s) errors.push('gps.history_s: must be at least gps.max_fix_age_s');
    return errors;
  },
];
