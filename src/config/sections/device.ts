import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { PathString, StringEnum } from '../helpers.js';

export const DeviceSection = Type.Object(
  {
    id: Type.String({ default: 'demo-unit', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Device identifier sent with every upload (agency asset number).' }),
    agency: Type.String({ default: '', maxLength: 128, description: 'Agency name shown on the status page and sent with uploads.' }),
    mode: StringEnum(['patrol', 'fixed'] as const, { default: 'patrol', description: 'patrol = moving vehicle with a GPS receiver; fixed = pole camera or trailer with a configured position.' }),
    data_dir: PathString({ default: '/var/lib/alpr-edge', minLength: 1, description: 'Directory for the database, images and state. Relative paths resolve against the config file.' }),
  },
  { additionalProperties: false, default: {}, description: 'This device.' },
);

export const LogSection = Type.Object(
  {
    level: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
      default: 'info',
      description: 'Log level (JSON lines on stdout).',
    }),
    format: StringEnum(['auto', 'json', 'pretty'] as const, {
      default: 'auto',
      description: 'auto = one human-readable line per record when stdout is a terminal (npm start), JSON lines otherwise (journald); json; pretty.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Logging.' },
);

/** Cross-field checks JSON Schema cannot express. */
export const deviceChecks: ConfigCheck[] = [];
