import { Type, type Static } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { StringEnum } from '../helpers.js';
import { Secret, SecretRef } from '../secret.js';

const DAY_MAX = 3650;

export const RetentionSection = Type.Object(
  {
    min_age_d: Type.Number({
      default: 0,
      minimum: 0,
      maximum: DAY_MAX,
      description: 'Retention never purges a detection younger than this (days since capture), even once uploaded. The agency copy on the central server carries the legal minimum (90 days / 1 year).',
    }),
    max_age_d: Type.Number({
      default: 730,
      minimum: 1,
      maximum: DAY_MAX,
      description: 'Nothing older than this (days since capture) survives on the device unless on evidence hold, uploaded or not (sacramento-pd C.1: at most two years).',
    }),
    grace_after_upload_h: Type.Number({
      default: 72,
      minimum: 0,
      maximum: 24 * DAY_MAX,
      description: 'A detection the server acknowledged stays on the device this long afterwards (hours), for local searches and hit review.',
    }),
    check_interval_s: Type.Number({ default: 300, minimum: 1, maximum: 86_400, description: 'How often retention and the disk quota are checked (seconds).' }),
    purge_batch_ms: Type.Number({
      default: 20,
      minimum: 1,
      maximum: 50,
      description: 'Time budget of one purge transaction (milliseconds). Purges run in batches sized to this so that storing new detections never waits longer.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Retention by age and upload acknowledgement.' },
);

export const QuotaSection = Type.Object(
  {
    max_mb: Type.Number({ default: 16_384, minimum: 0, maximum: 16_777_216, description: 'Size limit of the database files in device.data_dir (MiB); 0 = no limit. Past it, the oldest already-uploaded detections are purged first.' }),
    min_free_mb: Type.Number({ default: 256, minimum: 0, maximum: 1_048_576, description: 'Free space the file system must keep (MiB). Below it the store purges like over quota and turns red.' }),
    reserve_mb: Type.Number({
      default: 16,
      minimum: 0,
      maximum: 4096,
      description: 'Space held by a ballast file in device.data_dir (MiB) and released when the disk is full, so that uploaded detections can still be purged to make room; 0 = none.',
    }),
    purge_unuploaded: Type.Boolean({ default: false, description: 'Whether the quota may also purge detections the server has not acknowledged (oldest first) once no uploaded ones are left. Off: they are kept and the store turns red.' }),
  },
  { additionalProperties: false, default: {}, description: 'Disk quota of the detection store.' },
);

export const StoreSection = Type.Object(
  {
    database: Type.String({ default: 'alpr.db', minLength: 1, pattern: '^[^/\\\\]+$', description: 'SQLite file name inside device.data_dir.' }),
    audit_key: Type.Optional(
      SecretRef(
        "Key of the audit log's hash chain (HMAC-SHA256), held outside the database: {file: $CREDENTIALS_DIRECTORY/audit-key} (systemd LoadCredential=) or {env: VAR}; at least 32 characters (alpr-edge token makes one). Unset = a plain SHA-256 chain that anyone able to write the database can recompute.",
      ),
    ),
    synchronous: StringEnum(['full', 'normal'] as const, {
      default: 'full',
      description: 'SQLite synchronous mode. full = every stored detection survives a power cut (one fsync per commit); normal = faster, but the last commits can be lost on power loss. See docs/store.md.',
    }),
    group_commit_ms: Type.Number({ default: 5, minimum: 0, maximum: 1000, description: 'Detections arriving within this window are committed together (one fsync); 0 = commit each alone.' }),
    integrity_check_interval_h: Type.Number({
      default: 6,
      minimum: 0,
      maximum: 720,
      description: 'How often SQLite quick_check reads the whole database in a background thread to find damage (hours); 0 = never. Damage turns the store red.',
    }),
    reopen_interval_s: Type.Number({
      default: 30,
      minimum: 1,
      maximum: 3600,
      description: 'After a start without a database (disk full at start), how often opening it is tried again (seconds). Reading and alerting go on meanwhile.',
    }),
    retention: RetentionSection,
    quota: QuotaSection,
  },
  { additionalProperties: false, default: {}, description: 'Detection store (SQLite in device.data_dir).' },
);
export type StoreConfig = Static<typeof StoreSection>;

export const storeChecks: ConfigCheck[] = [
  (config) => {
    const r = config.store.retention;
    return r.min_age_d > r.max_age_d ? [`store.retention.min_age_d: must not exceed store.retention.max_age_d (${r.max_age_d})`] : [];
  },
  (config) => {
    const key = config.store.audit_key;
    return key instanceof Secret && key.reveal().trim().length < 32 ? ['store.audit_key: must be at least 32 characters (alpr-edge token makes one)'] : [];
  },
];
