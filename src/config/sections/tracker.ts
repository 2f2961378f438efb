import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';

export const TrackerSection = Type.Object(
  {
    leave_timeout_s: Type.Number({ default: 2, minimum: 0.2, maximum: 30, description: 'A vehicle pass ends this long after its plate was last seen; its detection is then emitted.' }),
  },
  { additionalProperties: false, default: {}, description: 'Grouping per-frame reads into one detection per vehicle pass.' },
);

/** Cross-field checks JSON Schema cannot express. */
export const trackerChecks: ConfigCheck[] = [];
