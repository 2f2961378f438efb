import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { SecretRef } from '../secret.js';

export const UploadSection = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Upload detections to the central server.' }),
    endpoint: Type.String({ default: '', description: 'HTTPS URL of the central server upload API.' }),
    token: Type.Optional(SecretRef('Bearer token: {env: VAR}, {file: PATH} or a literal (tests only).')),
  },
  { additionalProperties: false, default: {}, description: 'Store-and-forward upload.' },
);

export const uploadChecks: ConfigCheck[] = [
  (config) => {
    if (!config.upload.enabled) return [];
    if (!config.upload.endpoint) return ['upload.endpoint: is required when upload.enabled is true'];
    return /^https?:\/\//.test(config.upload.endpoint) ? [] : ['upload.endpoint: must be an http(s):// URL'];
  },
];
