import { createPublicKey } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { ConfusionTable, DEFAULT_CONFUSION_CLASSES } from '../../plate/confusion-table.js';
import type { ConfigCheck } from '../checks.js';
import { PathString, StringEnum } from '../helpers.js';
import { SecretRef } from '../secret.js';

const LIST_FORMAT = StringEnum(['auto', 'csv', 'jsonl'] as const, { default: 'auto', description: 'auto = by file extension (.csv, .jsonl) or first character; csv = CSV with a header row; jsonl = JSON lines.' });

export const HotlistSyncSection = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Fetch the hot list from the central server on a schedule.' }),
    url: Type.String({ default: '', description: 'HTTPS URL of the signed hot list (see docs/hotlist.md, "Signed list format").' }),
    format: LIST_FORMAT,
    interval_h: Type.Number({
      default: 6,
      minimum: 0.05,
      maximum: 12,
      description: 'Hours between syncs. At most 12: hot lists must be downloaded at least twice a day (roseville 426.6.4 (a)).',
    }),
    public_key: Type.String({ default: '', description: 'Ed25519 public key that signs the list: PEM (SPKI) or the raw 32 bytes in base64.' }),
    token: Type.Optional(SecretRef('Bearer token for the list URL: {env: VAR}, {file: PATH} or a literal (tests only). Unset = no Authorization header.')),
    ca_file: PathString({ default: '', description: 'PEM CA bundle to trust for the list server (agency CA). Empty = the system CAs.' }),
    timeout_s: Type.Number({ default: 120, minimum: 1, maximum: 3600, description: 'Whole-request timeout, headers and body (seconds).' }),
    max_mb: Type.Number({ default: 512, minimum: 0.001, maximum: 4096, description: 'Largest list body accepted (MiB); a larger one is refused before it is read whole.' }),
    retry_initial_s: Type.Number({ default: 60, minimum: 1, maximum: 3600, description: 'First retry delay after a failed sync (seconds); doubles with jitter up to retry_max_s.' }),
    retry_max_s: Type.Number({ default: 1800, minimum: 1, maximum: 21_600, description: 'Longest retry delay after failed syncs (seconds).' }),
    cache_file: Type.String({ default: 'hotlist-central', minLength: 1, description: 'Where the last verified list is kept, relative to device.data_dir (`.list` and `.meta.json` are appended); loaded at start so a device without network still has the newest list it got.' }),
  },
  { additionalProperties: false, default: {}, description: 'Hot-list sync from the central server.' },
);

export const HotlistSection = Type.Object(
  {
    files: Type.Array(PathString({ minLength: 1 }), { default: [], description: 'Hot-list files (CSV or JSON lines) loaded at start; each is its own list.' }),
    files_format: LIST_FORMAT,
    local_file: Type.String({ default: 'hotlist-local.jsonl', minLength: 1, description: 'Locally entered hot plates (JSON lines), relative to device.data_dir.' }),
    special_lists: Type.Array(Type.String({ pattern: '^[a-z0-9_]{1,40}$' }), {
      default: ['special', 'sex_offender', 'gang', 'informational'],
      description: 'Lists whose hits are informational only and never alarm (sacramento-pd I.1; roseville 426.6.4 (c)).',
    }),
    default_priority: Type.Integer({ default: 5, minimum: 1, maximum: 9, description: 'Priority of entries that give none (1 = most urgent).' }),
    confusion_classes: Type.Array(Type.String({ minLength: 2, maxLength: 36 }), {
      default: [...DEFAULT_CONFUSION_CLASSES],
      maxItems: 36,
      description: 'Characters OCR confuses; a substitution inside one class is a "confusion" match (e.g. O read as 0).',
    }),
    confusion_cost: Type.Number({
      default: 0,
      minimum: 0,
      maximum: 1,
      multipleOf: 0.5,
      description: 'What one confusion-class substitution costs against max_edit_distance: 0 = free, 0.5 = half an edit, 1 = a whole edit.',
    }),
    max_edit_distance: Type.Integer({ default: 1, minimum: 0, maximum: 2, description: 'Missing, extra or different characters tolerated (beyond confusions).' }),
    min_edit_length: Type.Integer({ default: 5, minimum: 1, maximum: 12, description: 'Reads shorter than this get no edit tolerance (a short read is within one edit of too many plates).' }),
    max_candidates: Type.Integer({ default: 10, minimum: 1, maximum: 50, description: "How many of a read's candidate texts (best first) are checked." }),
    max_hits: Type.Integer({ default: 20, minimum: 1, maximum: 200, description: 'Most hits reported for one read, best first.' }),
    max_wildcard_entries: Type.Integer({ default: 10_000, minimum: 0, maximum: 1_000_000, description: 'Most wildcard (partial-plate) entries one list may hold; a list with more is refused.' }),
    min_wildcard_literals: Type.Integer({ default: 3, minimum: 1, maximum: 12, description: 'Known characters a partial plate must have.' }),
    max_age_h: Type.Number({
      default: 24,
      minimum: 1,
      maximum: 168,
      description: 'Readiness is red when the synced list was last confirmed, or a list file was issued (its `# issued:` line, else its modification time), longer ago than this (hours): the newest list must be on the device before deployment.',
    }),
    purge_interval_s: Type.Integer({ default: 300, minimum: 1, maximum: 86_400, description: 'How often expired local hot plates are purged (seconds).' }),
    local_max_expiry_h: Type.Number({ default: 720, minimum: 1, maximum: 720, description: 'Longest expiry of a locally entered hot plate (hours): at most 30 days (sacramento-da IV.E.a; roseville 426.6.5).' }),
    local_ncic_max_expiry_h: Type.Number({
      default: 24,
      minimum: 1,
      maximum: 24,
      description: 'Longest expiry of a local hot plate also entered in NCIC/CLETS (hours): at most 24 (sacramento-pd E.2; roseville 426.6.5).',
    }),
    max_local_entries: Type.Integer({ default: 10_000, minimum: 1, maximum: 100_000, description: 'Most locally entered hot plates at once.' }),
    retroactive_window_h: Type.Number({ default: 24, minimum: 0, maximum: 168, description: 'When a list gains entries, reads from this many past hours are checked against the new entries (0 = off).' }),
    build: StringEnum(['worker', 'inline'] as const, { default: 'worker', description: 'worker = build list indexes in a worker thread (matching never pauses); inline = on the main thread (small lists, debugging).' }),
    sync: HotlistSyncSection,
  },
  { additionalProperties: false, default: {}, description: 'Hot lists and matching.' },
);

export type HotlistConfig = Static<typeof HotlistSection>;
export type HotlistSyncConfig = Static<typeof HotlistSyncSection>;

/** Parses an Ed25519 public key given as PEM (SPKI) or as the raw 32 bytes in base64. */
export function parseEd25519PublicKey(text: string): ReturnType<typeof createPublicKey> {
  const t = text.trim();
  const key = t.startsWith('-----BEGIN')
    ? createPublicKey(t)
    : createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), rawKey(t)]), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}

function rawKey(b64: string): Buffer {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32) throw new Error('a raw Ed25519 public key is 32 bytes (44 characters of base64)');
  return raw;
}

/** Cross-field checks JSON Schema cannot express. */
export const hotlistChecks: ConfigCheck[] = [
  (config) => {
    const h = config.hotlist;
    const errors: string[] = [];
    const classes = ConfusionTable.parse(h.confusion_classes);
    for (const e of classes.errors) errors.push(`hotlist.confusion_classes${e}`);
    if (h.local_ncic_max_expiry_h > h.local_max_expiry_h) errors.push('hotlist.local_ncic_max_expiry_h: must not exceed hotlist.local_max_expiry_h');
    const s = h.sync;
    if (s.retry_initial_s > s.retry_max_s) errors.push('hotlist.sync.retry_initial_s: must not exceed hotlist.sync.retry_max_s');
    if (!s.enabled) return errors;
    if (!/^https:\/\/[^/]+/.test(s.url)) errors.push('hotlist.sync.url: an https:// URL is required when hotlist.sync.enabled is true');
    if (s.public_key === '') errors.push('hotlist.sync.public_key: the Ed25519 key that signs the list is required when hotlist.sync.enabled is true');
    else {
      try {
        parseEd25519PublicKey(s.public_key);
      } catch (err) {
        errors.push(`hotlist.sync.public_key: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (h.max_age_h <= s.interval_h) errors.push('hotlist.max_age_h: must be longer than hotlist.sync.interval_h, or every list would turn stale before the next sync');
    return errors;
  },
];
