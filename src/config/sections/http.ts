import { Type, type Static } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { PathString } from '../helpers.js';
import { Secret, SecretRef } from '../secret.js';

export const HttpSection = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address the operator station and API listen on. Loopback by default; TLS (tls_cert_file, tls_key_file) is required when bound elsewhere.' }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'TCP port (0 = any free port, for tests).' }),
    tls_cert_file: PathString({ default: '', description: 'PEM certificate chain for HTTPS. Empty = plain HTTP (loopback only).' }),
    tls_key_file: PathString({ default: '', description: 'PEM private key for HTTPS, readable by the daemon only.' }),
    session_idle_timeout_min: Type.Integer({ default: 60, minimum: 1, maximum: 720, description: 'A session with no request for this long ends (minutes). Open pages poll, so this only ends sessions of closed pages.' }),
    session_max_h: Type.Number({ default: 12, exclusiveMinimum: 0, maximum: 24, description: 'A session ends this long after login whatever the activity (hours): one shift.' }),
    max_sessions: Type.Integer({ default: 64, minimum: 1, maximum: 10_000, description: 'Live sessions kept; a login that would exceed it is refused (no other session is ended).' }),
    max_sessions_per_user: Type.Integer({ default: 4, minimum: 1, maximum: 64, description: "Live sessions of one account; its own oldest is ended (and audited) when a login would exceed it." }),
    login_max_failures: Type.Integer({ default: 5, minimum: 1, maximum: 100, description: 'Consecutive failed logins of one account after which each further attempt must wait a delay that doubles from 1 s up to login_max_delay_s.' }),
    login_max_delay_s: Type.Integer({ default: 60, minimum: 1, maximum: 3600, description: 'Longest wait between login attempts of an account that keeps failing (seconds). Short on purpose: an attack that stops cannot keep the right password holder out.' }),
    login_lockout_min: Type.Integer({ default: 15, minimum: 1, maximum: 1440, description: 'Window of the per-address limit (minutes).' }),
    login_ip_max_failures: Type.Integer({ default: 20, minimum: 1, maximum: 10_000, description: 'Failed logins from one remote address within login_lockout_min after which that address is refused (slows guessing across many user names). Loopback addresses are the MDC itself and are not walled; the per-account delay applies there.' }),
    allowed_hosts: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$' }), {
      default: [],
      maxItems: 32,
      description: 'Host names the station answers to (the Host header, without port). localhost, 127.0.0.1, [::1] and http.host are always accepted; add the names an MDC or a fixed site reaches it by. Other names are refused, so a web page using DNS rebinding cannot reach the login.',
    }),
    reads_shift_h: Type.Number({ default: 12, exclusiveMinimum: 0, maximum: 24, description: 'The Reads page shows only the reads of the last this many hours (the current shift); older reads need a search with a case number and a purpose.' }),
    search_max_window_h: Type.Number({ default: 72, exclusiveMinimum: 0, maximum: 8760, description: 'Longest time window of a search by place (camera or area) without a plate (hours).' }),
    search_max_total: Type.Integer({ default: 2000, minimum: 1, maximum: 100_000, description: 'Most detections one search reaches across all its pages; a search that would go further must be narrowed.' }),
    case_number_pattern: Type.String({ default: '^[A-Za-z0-9][A-Za-z0-9/_.-]{2,39}$', minLength: 1, maxLength: 200, description: "The agency's case number format (regular expression). Case numbers must also be visible characters only." }),
    search_purposes: Type.Array(Type.String({ minLength: 3, maxLength: 80 }), {
      default: ['criminal investigation', 'stolen vehicle', 'wanted person', 'missing or at-risk person', 'AMBER or Silver Alert', 'officer safety'],
      minItems: 1,
      maxItems: 50,
      description: 'Purposes an operator chooses from for a search of stored reads (shasta 467.6 (b)); free text describing the case goes with it.',
    }),
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
    // Unresolved ({env} not set) is reported by the loader; only a resolved token is judged here.
    const token = h.monitor_token instanceof Secret ? h.monitor_token.reveal() : undefined;
    if (token !== undefined && (token.length < 32 || new Set(token).size < 8)) {
      errors.push('http.monitor_token: must be at least 32 random characters (alpr-edge token makes one)');
    }
    try {
      new RegExp(h.case_number_pattern, 'u');
    } catch (err) {
      errors.push(`http.case_number_pattern: not a regular expression: ${err instanceof Error ? err.message : String(err)}`);
    }
    return errors;
  },
];
