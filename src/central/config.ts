/**
 * Configuration of the central (agency) side: one YAML file for every role. Its own schema, not
 * the device's (a central server has no cameras); the same conventions: every key has a default,
 * bounds and a description, units in names, unknown keys are errors, all problems at once.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import AjvModule from 'ajv';
import { parseDocument } from 'yaml';
import { StringEnum } from '../config/helpers.js';
import { SECRET_KEYWORD, Secret, SecretRef } from '../config/secret.js';

const Ajv = AjvModule.default;

export const CentralSchema = Type.Object(
  {
    mode: StringEnum(['direct', 'nats'] as const, {
      default: 'direct',
      description: 'direct = the HTTP receiver writes PostgreSQL itself (one process, small agencies); nats = receivers publish to JetStream and ingest workers write PostgreSQL.',
    }),
    postgres: Type.Object(
      {
        url: Type.String({ minLength: 1, description: 'Connection URL without the password, e.g. postgres://alpr@db.example.gov:5432/alpr.' }),
        password: Type.Optional(SecretRef('Password: {env: VAR}, {file: PATH} or a literal (tests only).')),
        pool_max: Type.Integer({ default: 8, minimum: 1, maximum: 200, description: 'Connections per process.' }),
      },
      { additionalProperties: false },
    ),
    nats: Type.Object(
      {
        servers: Type.Array(Type.String({ minLength: 1 }), { default: ['nats://127.0.0.1:4222'], minItems: 1, description: 'NATS server URLs.' }),
        stream: Type.String({ default: 'ALPR_INGEST', pattern: '^[A-Za-z0-9_-]+$', description: 'JetStream stream that carries accepted items.' }),
        subject: Type.String({ default: 'alpr.ingest', pattern: '^[A-Za-z0-9_.-]+$', description: 'Subject prefix; items go to <subject>.<kind>.' }),
        consumer: Type.String({ default: 'ingest', pattern: '^[A-Za-z0-9_-]+$', description: 'Durable pull consumer shared by all ingest workers.' }),
        duplicate_window_s: Type.Integer({ default: 600, minimum: 10, maximum: 86_400, description: 'JetStream de-duplication window by message id (seconds). PostgreSQL\'s unique keys cover any longer span.' }),
        ack_wait_s: Type.Number({ default: 30, minimum: 1, maximum: 3600, description: 'A message a worker took but did not acknowledge is delivered again after this long (seconds).' }),
        max_bytes_mb: Type.Integer({ default: 10_240, minimum: 16, maximum: 10_485_760, description: 'Stream size limit (MiB); publishes are refused (devices retry) when full, never silently dropped.' }),
        message: StringEnum(['batch', 'item'] as const, {
          default: 'batch',
          description: 'batch = one message per accepted batch (its id the batch key; chunked under 768 KiB); item = one message per item, its id the detection id and revision (about 100 times the messages; see docs/central.md).',
        }),
        max_ack_pending: Type.Integer({ default: 2000, minimum: 10, maximum: 1_000_000, description: 'Messages handed to workers and not yet acknowledged, at most (bounds worker memory).' }),
        publish_timeout_s: Type.Number({ default: 10, minimum: 0.5, maximum: 120, description: 'Longest wait for a publish acknowledgement (seconds).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', description: 'Address the receiver listens on.' }),
        port: Type.Integer({ default: 8443, minimum: 0, maximum: 65_535, description: 'Port the receiver listens on (0 = any free port).' }),
        body_limit_mb: Type.Integer({ default: 64, minimum: 1, maximum: 1024, description: 'Largest accepted request body (MiB); larger batches get 413 and the device halves them.' }),
        tls_cert_file: Type.String({ default: '', description: 'PEM server certificate; empty = plain HTTP (behind a TLS proxy or on loopback only).' }),
        tls_key_file: Type.String({ default: '', description: 'PEM private key of the server certificate.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    auth: Type.Object(
      {
        mode: StringEnum(['tokens', 'none'] as const, {
          default: 'tokens',
          description: 'tokens = each device presents its own bearer token (`alpr-edge central token issue`); none = no authentication (loopback development only).',
        }),
        cache_s: Type.Number({ default: 5, minimum: 0, maximum: 300, description: 'How long a receiver remembers a token check (seconds): the longest a revoked device can still deliver.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    worker: Type.Object(
      {
        fetch_max: Type.Integer({ default: 100, minimum: 1, maximum: 10_000, description: 'Messages an ingest worker pulls at once and writes in one transaction at most (batch messages carry a whole upload batch; with nats.message item use ~2000).' }),
        linger_ms: Type.Integer({ default: 20, minimum: 0, maximum: 5000, description: 'When fewer than fetch_max messages wait, wait this long for more before writing (fewer, larger transactions).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    retention: Type.Object(
      {
        days: Type.Integer({
          default: 365,
          minimum: 90,
          maximum: 730,
          description: 'Detections older than this are purged, a month partition at a time (sacramento-pd 525.08 C.1: at least 90 days, at most 2 years; shasta 467.5: 1 year). Held rows are kept.',
        }),
        run_every_h: Type.Number({ default: 6, minimum: 0, maximum: 168, description: 'How often the worker (or direct receiver) runs retention (hours); 0 = only by `alpr-edge central purge`.' }),
        future_days: Type.Integer({ default: 1, minimum: 0, maximum: 30, description: 'Detections timed further ahead than this are refused (a device clock far in the future).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    hotlist: Type.Object(
      {
        signing_key_file: Type.String({ default: '', description: 'PEM Ed25519 private key (PKCS#8) that signs the published hot list; its public key is the devices\' hotlist.sync.public_key. Empty = no list is published (GET /v1/hotlist answers 503).' }),
        special_lists: Type.Array(Type.String({ pattern: '^[a-z0-9_]{1,40}$' }), { default: [], description: 'Lists whose entries are informational only, as on the device (hotlist.special_lists).' }),
        default_priority: Type.Integer({ default: 5, minimum: 1, maximum: 9, description: 'Priority of entries that give none (1 = most urgent).' }),
        min_wildcard_literals: Type.Integer({ default: 3, minimum: 1, maximum: 12, description: 'Known characters a partial plate must have.' }),
        max_expiry_h: Type.Number({ default: 720, minimum: 1, maximum: 720, description: 'Longest expiry of a hot plate entered at the central (hours): at most 30 days (sacramento-da IV.E.a; roseville 426.6.5).' }),
        ncic_max_expiry_h: Type.Number({ default: 24, minimum: 1, maximum: 24, description: 'Longest expiry of a hot plate also entered in NCIC/CLETS (hours): at most 24 (sacramento-pd E.2; roseville 426.6.5).' }),
        recut_every_h: Type.Number({ default: 6, minimum: 0, maximum: 12, description: 'The list is cut again (new issue time) this often even when unchanged, dropping expired entries (hours; 0 = only on changes).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    search: Type.Object(
      {
        case_number_pattern: Type.String({ default: '^[A-Za-z0-9][A-Za-z0-9/_.-]{2,39}$', minLength: 1, maxLength: 200, description: "The agency's case number format (regular expression), as the devices' http.case_number_pattern." }),
        purposes: Type.Array(Type.String({ minLength: 3, maxLength: 80 }), {
          default: ['criminal investigation', 'stolen vehicle', 'wanted person', 'missing or at-risk person', 'AMBER or Silver Alert', 'officer safety'],
          minItems: 1,
          maxItems: 50,
          description: 'The purposes a search may give, as the devices\' http.search_purposes.',
        }),
        max_window_h: Type.Number({ default: 72, exclusiveMinimum: 0, maximum: 8760, description: 'Longest time window of a search by place (camera or area) without a plate (hours).' }),
        max_rows: Type.Integer({ default: 500, minimum: 1, maximum: 10_000, description: 'Most detections one search page returns.' }),
        max_total: Type.Integer({ default: 2000, minimum: 1, maximum: 100_000, description: 'Most detections one search reaches across all its pages.' }),
        max_export_rows: Type.Integer({ default: 5000, minimum: 1, maximum: 10_000, description: 'Most detections in one release.' }),
        approval_valid_h: Type.Number({ default: 24, exclusiveMinimum: 0, maximum: 720, description: "How long a supervisor's approval of an off-list purpose may be answered, and once given used (hours), as the devices' accounts.approval_valid_h." }),
      },
      { additionalProperties: false, default: {} },
    ),
    fleet: Type.Object(
      {
        heartbeat_late_s: Type.Integer({ default: 300, minimum: 30, maximum: 86_400, description: 'A device whose last heartbeat is older than this shows as not reporting (seconds).' }),
        hotlist_max_age_h: Type.Number({ default: 24, minimum: 1, maximum: 720, description: 'A device whose hot list was last confirmed longer ago than this shows as stale (hours), as the device\'s hotlist.max_age_h.' }),
        audit_gap_flag_after_s: Type.Integer({
          default: 3600,
          minimum: 60,
          maximum: 30 * 86_400,
          description: 'Audit rows a device sent above a missing stretch of its audit log are a gap; it is flagged to the administrator once open this long (seconds), and resolved when the rows arrive.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    log_level: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info', description: 'Log level.' }),
  },
  { additionalProperties: false },
);

export type CentralConfig = Omit<Static<typeof CentralSchema>, 'postgres'> & {
  postgres: Omit<Static<typeof CentralSchema>['postgres'], 'password'> & { password?: Secret };
};

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: SECRET_KEYWORD });
const validate = ajv.compile(CentralSchema);

export class CentralConfigError extends Error {
  constructor(
    readonly source: string,
    readonly errors: string[],
  ) {
    super(`${source}: invalid central configuration:\n${errors.map((e) => `  ${e}`).join('\n')}`);
    this.name = 'CentralConfigError';
  }
}

/** Validates a parsed object (defaults filled in); throws listing every problem as `path: message`. */
export function centralConfigFromObject(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv = {}, source = '<central config>'): CentralConfig {
  const data = structuredClone(raw ?? {}) as Record<string, unknown>;
  if (!validate(data)) {
    const errors = (validate.errors ?? []).map((e) => {
      const path = e.instancePath.slice(1).replace(/\//g, '.') || '(root)';
      if (e.keyword === 'additionalProperties') return `${path === '(root)' ? '' : `${path}.`}${String(e.params.additionalProperty)}: unknown key`;
      if (e.keyword === 'required') return `${path === '(root)' ? '' : `${path}.`}${String(e.params.missingProperty)}: is required`;
      return `${path}: ${e.message ?? e.keyword}`;
    });
    throw new CentralConfigError(source, [...new Set(errors)]);
  }
  const cfg = data as unknown as Static<typeof CentralSchema>;
  const errors: string[] = [];
  const pw = cfg.postgres.password as unknown;
  let password: Secret | undefined;
  if (pw !== undefined) {
    const r = resolveSecret(pw, env, baseDir);
    if (typeof r === 'string') errors.push(`postgres.password: ${r}`);
    else password = r;
  }
  for (const k of ['tls_cert_file', 'tls_key_file'] as const) {
    if (cfg.http[k] && !isAbsolute(cfg.http[k])) cfg.http[k] = resolve(baseDir, cfg.http[k]);
  }
  // The signing key is a secret: under systemd it comes as a credential (LoadCredential=), like the PostgreSQL password.
  if (cfg.hotlist.signing_key_file.startsWith('$CREDENTIALS_DIRECTORY')) {
    if (env.CREDENTIALS_DIRECTORY) cfg.hotlist.signing_key_file = cfg.hotlist.signing_key_file.replace('$CREDENTIALS_DIRECTORY', env.CREDENTIALS_DIRECTORY);
    else errors.push('hotlist.signing_key_file: $CREDENTIALS_DIRECTORY is not set (start the service with LoadCredential=)');
  }
  if (cfg.hotlist.signing_key_file && !isAbsolute(cfg.hotlist.signing_key_file)) cfg.hotlist.signing_key_file = resolve(baseDir, cfg.hotlist.signing_key_file);
  if (cfg.hotlist.ncic_max_expiry_h > cfg.hotlist.max_expiry_h) errors.push('hotlist.ncic_max_expiry_h: must not exceed hotlist.max_expiry_h');
  try {
    new RegExp(cfg.search.case_number_pattern, 'u');
  } catch (err) {
    errors.push(`search.case_number_pattern: not a regular expression: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Boolean(cfg.http.tls_cert_file) !== Boolean(cfg.http.tls_key_file)) errors.push('http.tls_cert_file: tls_cert_file and tls_key_file go together');
  try {
    const u = new URL(cfg.postgres.url);
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') errors.push('postgres.url: must be a postgres:// URL');
    if (u.password) errors.push('postgres.url: must not hold the password; use postgres.password {env|file}');
  } catch {
    errors.push('postgres.url: must be a postgres:// URL');
  }
  if (errors.length > 0) throw new CentralConfigError(source, errors);
  return { ...cfg, postgres: { ...cfg.postgres, ...(password ? { password } : {}) } };
}

export function loadCentralConfig(file: string, env: NodeJS.ProcessEnv = process.env): CentralConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CentralConfigError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new CentralConfigError(file, doc.errors.map((e) => e.message.split('\n')[0]!));
  return centralConfigFromObject(doc.toJS(), dirname(resolve(file)), env, file);
}

function resolveSecret(v: unknown, env: NodeJS.ProcessEnv, baseDir: string): Secret | string {
  if (typeof v === 'string') return new Secret(v);
  const ref = v as { env?: string; file?: string };
  if (ref.env !== undefined) return env[ref.env] ? new Secret(env[ref.env]!) : `environment variable ${ref.env} is not set`;
  const file = (ref.file ?? '').replace(/^\$CREDENTIALS_DIRECTORY/, env.CREDENTIALS_DIRECTORY ?? '$CREDENTIALS_DIRECTORY');
  try {
    const s = readFileSync(resolve(baseDir, file), 'utf8').trim();
    return s ? new Secret(s) : `secret file ${file} is empty`;
  } catch (err) {
    return `cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
}
