import { Type } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';

export const RecognizerSection = Type.Object(
  {
    workers: Type.Integer({ default: 1, minimum: 1, maximum: 16, description: 'Recognizer worker threads.' }),
    threads_per_worker: Type.Integer({ default: 1, minimum: 1, maximum: 16, description: 'onnxruntime intra-op threads per worker.' }),
    models_dir: Type.String({ default: '', description: 'Directory holding models.json and the ONNX files; empty = the models bundled with the package.' }),
  },
  { additionalProperties: false, default: {}, description: 'Plate detector and OCR.' },
);

/** Cross-field checks JSON Schema cannot express. */
export const recognizerChecks: ConfigCheck[] = [];
