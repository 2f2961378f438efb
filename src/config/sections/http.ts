import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';

export const HttpSection = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address the status page and API listen on. Loopback by default; TLS is required when bound elsewhere.' }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'TCP port (0 = any free port, for tests).' }),
  },
  { additionalProperties: false, default: {}, description: 'Local HTTP server: status page, operator station, API.' },
);

/** Cross-field checks JSON Schema cannot express. */
export const httpChecks: ConfigCheck[] = [];
