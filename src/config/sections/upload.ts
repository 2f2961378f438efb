import { Type, type Static } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { PathString, StringEnum } from '../helpers.js';
import { SecretRef } from '../secret.js';

export const UploadTlsSection = Type.Object(
  {
    ca_file: PathString({ default: '', description: 'PEM file of the CA that signed the server certificate; empty = the system CAs.' }),
    cert_file: PathString({ default: '', description: 'PEM client certificate, for servers that authenticate devices by certificate.' }),
    key_file: PathString({ default: '', description: 'PEM private key of the client certificate.' }),
  },
  { additionalProperties: false, default: {}, description: 'TLS for the upload connection.' },
);

export const UploadSection = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Upload detections to the central server.' }),
    endpoint: Type.String({ default: '', description: 'Base URL of the central server upload API (docs/upload-api.yaml), e.g. https://alpr.example.gov/api. Plain http:// only to a loopback address.' }),
    token: Type.Optional(SecretRef('Bearer token: {env: VAR}, {file: PATH} or a literal (tests only).')),
    tls: UploadTlsSection,
    batch_size: Type.Integer({ default: 200, minimum: 1, maximum: 5000, description: 'A batch is sent once this many items wait (and holds at most this many) ...' }),
    batch_interval_s: Type.Number({ default: 5, minimum: 0, maximum: 3600, description: '... or once the oldest waiting item is this old (seconds), whichever comes first. Hits are sent at once.' }),
    batch_target_s: Type.Number({
      default: 3,
      minimum: 0.5,
      maximum: 120,
      description: 'A batch holds about this many seconds of sending at the measured upload rate (at least 32 KB), so a slow link drains in small batches and a hit waits at most one of them.',
    }),
    batch_max_mb: Type.Number({ default: 8, minimum: 0.05, maximum: 512, description: 'Upper bound on a batch body (MiB), whatever the link carries.' }),
    min_rate_kbit_s: Type.Number({
      default: 32,
      minimum: 1,
      maximum: 1_000_000,
      description: 'Slowest uplink the time limit allows for: each request gets timeout_s plus its bytes at this rate (kbit/s).',
    }),
    format: StringEnum(['msgpack', 'json'] as const, { default: 'msgpack', description: 'Body encoding of a batch.' }),
    images: StringEnum(['inline', 'separate', 'deferred', 'none'] as const, {
      default: 'deferred',
      description:
        'deferred = records first (text, time, position, hits), images after (small ones many to a batch, big ones in resumable pieces; whole images to a version-1 receiver); inline = JPEGs inside the batch; separate = one PUT per image before the batch that names it; none = only their SHA-256 (images stay on the device).',
    }),
    gzip: Type.Boolean({ default: false, description: 'Compress batch bodies with gzip (helps JSON; JPEGs barely shrink).' }),
    timeout_s: Type.Number({ default: 30, minimum: 1, maximum: 600, description: 'Time limit of a request with an empty body, connect to last byte (seconds); bigger bodies get more (min_rate_kbit_s).' }),
    retry_initial_s: Type.Number({ default: 1, minimum: 0.05, maximum: 3600, description: 'First retry delay after a failed batch (seconds); doubles per failure, with jitter.' }),
    retry_max_s: Type.Number({ default: 300, minimum: 0.05, maximum: 86_400, description: 'Longest retry delay (seconds).' }),
    retry_after_max_s: Type.Number({ default: 3600, minimum: 1, maximum: 86_400, description: 'Upper bound on a server-requested Retry-After wait (seconds).' }),
    down_after_s: Type.Number({ default: 300, minimum: 1, maximum: 86_400, description: 'Upload turns red when no batch has succeeded for this long while items wait (seconds); amber before.' }),
  },
  { additionalProperties: false, default: {}, description: 'Store-and-forward upload to the central server.' },
);
export type UploadConfig = Static<typeof UploadSection>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export const uploadChecks: ConfigCheck[] = [
  (config) => {
    const u = config.upload;
    if (!u.enabled) return [];
    if (!u.endpoint) return ['upload.endpoint: is required when upload.enabled is true'];
    let url: URL;
    try {
      url = new URL(u.endpoint);
    } catch {
      return ['upload.endpoint: must be an http(s):// URL'];
    }
    const errors: string[] = [];
    // Detections are personal data in transit: only loopback (tests, the demo receiver) may go unencrypted.
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) errors.push('upload.endpoint: must be https:// (plain http:// only to a loopback address)');
    else if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.push('upload.endpoint: must be an http(s):// URL');
    if (Boolean(u.tls.cert_file) !== Boolean(u.tls.key_file)) errors.push('upload.tls: cert_file and key_file go together');
    if (u.retry_initial_s > u.retry_max_s) errors.push('upload.retry_initial_s: must not exceed upload.retry_max_s');
    return errors;
  },
];
