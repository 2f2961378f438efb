import { Type } from '@sinclair/typebox';
import { SecretRef } from '../secret.js';

export const UploadSection = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Upload detections to the central server.' }),
    endpoint: Type.String({ default: '', description: 'HTTPS URL of the central server upload API.' }),
    token: Type.Optional(SecretRef('Bearer token: {env: VAR}, {file: PATH} or a literal (tests only).')),
  },
  { additionalProperties: false, default: {}, description: 'Store-and-forward upload.' },
);
