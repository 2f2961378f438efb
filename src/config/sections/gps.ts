import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { StringEnum } from '../helpers.js';

export const GpsSection = Type.Object(
  {
    source: StringEnum(['serial', 'gpsd', 'fixed', 'replay', 'none'] as const, { default: 'none', description: 'serial = NMEA receiver on a serial port; gpsd = a gpsd daemon; fixed = position from this file (pole cameras); replay = an NMEA log file (demo, tests); none = no position.' }),
  },
  { additionalProperties: false, default: {}, description: 'Position source.' },
);

/** Cross-field checks JSON Schema cannot express. */
export const gpsChecks: ConfigCheck[] = [];
