import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';

export const StoreSection = Type.Object(
  {
    database: Type.String({ default: 'alpr.db', minLength: 1, description: 'SQLite file, relative to device.data_dir.' }),
  },
  { additionalProperties: false, default: {}, description: 'Detection store.' },
);

/** Cross-field checks JSON Schema cannot express. */
export const storeChecks: ConfigCheck[] = [];
