import { Type, type Static } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { PathString } from '../helpers.js';
import { SecretRef } from '../secret.js';

export const HttpSection = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address the operator station and API listen on. Loopback by default; TLS (tls_cert_file, tls_key_file) is required when bound elsewhere.' }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'TCP port (0 = any free port, for tests).' }),
    tls_cert_file: PathString({ default: '', description: 'PEM certificate chain for HTTPS. Empty = plain HTTP (loopback only).' }),
    tls_key_file: PathString({ default: '', description: 'PEM private key for HTTPS, readable by the daemon only.' }),
    session_idle_timeout_min: Type.Integer({ default: 60, minimum: 1, maximum: 720, description: 'A session with no request for this long ends (minutes). Open pages poll, so this only ends sessions of closed pages.' }),
    session_max_h: Type.Number({ default: 12, exclusiveMinimum: 0, maximum: 24, description: 'A session ends this long after login whatever the activity (hours): one shift.' }),
    max_sessions: Type.Integer({ default: 64, minimum: 1, maximum: 10_000, description: 'Live sessions kept; the oldest is ended when a login would exceed it.' }),
    login_max_failures: Type.Integer({ default: 5, minimum: 1, maximum: 100, description: 'Consecutive failed logins that lock an account.' }),
    login_lockout_min: Type.Integer({ default: 15, minimum: 1, maximum: 1440, description: 'How long a locked account stays locked (minutes).' }),
    login_ip_max_failures: Type.Integer({ default: 20, minimum: 1, maximum: 10_000, description: 'Failed logins from one address within login_lockout_min after which that address is refused (slows guessing across many user names).' }),
    monitor_token: Type.Optional(
      SecretRef('Bearer token that opens /metrics and /api/status to fleet monitoring and `alpr-edge doctor`: {env: VAR}, {file: PATH} or a literal (tests only). Unset = those routes need a logged-in session.'),
    ),
    snapshot_interval_ms: Type.Integer({ default: 1000, minimum: 200, maximum: 60_000, description: 'How often an open live-view page asks for a new camera snapshot (ms).' }),
    max_export_rows: Type.Integer({ default: 5000, minimum: 1, maximum: 10_000, description: 'Most detections in one export (CSV rows, and image pairs in the zip; the zip has no ZIP64, so it stays under 65,535 files and 4 GiB).' }),
    search_max_rows: Type.Integer({ default: 500, minimum: 1, maximum: 10_000, description: 'Most detections one search page returns.' }),
  },
  { additionalProperties: false, default: {}, description: 'Local HTTP server: status page, operator station, API.' },
);
export type HttpConfig = Static<typeof HttpSection>;

/** Loopback addresses: the only ones served without TLS. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Cross-field checks JSON Schema cannot express. */
export const httpChecks: ConfigCheck[] = [
  (config) => {
    const h = config.http;
    const errors: string[] = [];
    if (Boolean(h.tls_cert_file) !== Boolean(h.tls_key_file)) {
      errors.push(`http.${h.tls_cert_file ? 'tls_key_file' : 'tls_cert_file'}: is required when the other TLS file is set`);
    }
    // Stored reads may only be reached through a login (shasta 467.6 (a)); passwords and session
    // cookies must not cross a network in clear text, so anything but loopback needs TLS.
    if (!isLoopbackHost(h.host) && !(h.tls_cert_file && h.tls_key_file)) {
      errors.push(`http.host: "${h.host}" is not a loopback address; set http.tls_cert_file and http.tls_key_file to serve HTTPS there`);
    }
    return errors;
  },
];
