import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';

export const HotlistSection = Type.Object(
  {
    files: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Hot-list files (CSV or JSON lines) loaded at start.' }),
  },
  { additionalProperties: false, default: {}, description: 'Hot lists and matching.' },
);

/** Cross-field checks JSON Schema cannot express. */
export const hotlistChecks: ConfigCheck[] = [];
