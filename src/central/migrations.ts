/**
 * The central schema, as numbered migrations the program applies itself (`alpr-edge central
 * migrate`, and every role at start). Each runs in its own transaction under an advisory lock, so
 * several receivers and workers starting at once apply each version exactly once. Applied
 * migrations are never edited: a change is a new version.
 *
 * Detections, images and hits are partitioned by month on the time in the detection's UUIDv7 id
 * (`captured_at`): retention drops whole partitions (no bulk DELETE, no vacuum debt), and the
 * unique key (device_id, id, captured_at) is the idempotency key, a function of the id alone.
 *
 * Images are `bytea` in a partitioned table rather than large objects: they are small JPEGs
 * (1–200 kB, far below bytea's 1 GB), written in the same transaction as their detection, and
 * leave with their partition when it is dropped. Large objects live in one unpartitioned
 * catalog (pg_largeobject), need an explicit lo_unlink per image (orphans otherwise), and are
 * not dumped per table. Storage is EXTERNAL: JPEG does not compress, so PostgreSQL should not
 * spend CPU trying.
 */
import type { PoolClient } from 'pg';
import { FLEET_MIGRATIONS } from './migrations-fleet.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'detections, images, hits (monthly partitions), audit chains, heartbeats, tokens, holds, purge log',
    sql: `
      CREATE TABLE detections (
        device_id text NOT NULL,
        id uuid NOT NULL,
        captured_at timestamptz NOT NULL,
        revision integer NOT NULL,
        camera_id text NOT NULL,
        plate text NOT NULL,
        confidence real NOT NULL,
        best_at timestamptz NOT NULL,
        lat double precision,
        lon double precision,
        evidence_hold boolean NOT NULL,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, id, captured_at)
      ) PARTITION BY RANGE (captured_at);
      CREATE INDEX detections_plate ON detections (plate, captured_at);
      CREATE INDEX detections_hold ON detections (captured_at) WHERE evidence_hold;

      CREATE TABLE images (
        device_id text NOT NULL,
        detection_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('plate', 'overview')),
        captured_at timestamptz NOT NULL,
        sha256 text NOT NULL,
        bytes integer NOT NULL,
        data bytea NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, detection_id, kind, captured_at)
      ) PARTITION BY RANGE (captured_at);

      CREATE TABLE hits (
        device_id text NOT NULL,
        id bigint NOT NULL,
        detection_id uuid NOT NULL,
        captured_at timestamptz NOT NULL,
        outcome text,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, id, captured_at)
      ) PARTITION BY RANGE (captured_at);
      CREATE INDEX hits_detection ON hits (device_id, detection_id);

      -- Rows kept past their partition's drop: evidence holds (device flag or central hold).
      CREATE TABLE held_detections (LIKE detections INCLUDING DEFAULTS);
      ALTER TABLE held_detections ADD PRIMARY KEY (device_id, id);
      CREATE TABLE held_images (LIKE images INCLUDING DEFAULTS);
      ALTER TABLE held_images ADD PRIMARY KEY (device_id, detection_id, kind);
      ALTER TABLE held_images ALTER COLUMN data SET STORAGE EXTERNAL;
      CREATE TABLE held_hits (LIKE hits INCLUDING DEFAULTS);
      ALTER TABLE held_hits ADD PRIMARY KEY (device_id, id);

      CREATE TABLE holds (
        device_id text NOT NULL,
        detection_id uuid NOT NULL,
        case_number text NOT NULL,
        placed_by text NOT NULL,
        placed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device_id, detection_id)
      );

      CREATE TABLE audit (
        device_id text NOT NULL,
        id bigint NOT NULL,
        at timestamptz NOT NULL,
        action text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, id)
      );

      -- How far each device's audit chain has been verified contiguously from its first row.
      CREATE TABLE audit_chains (
        device_id text PRIMARY KEY,
        head_id bigint NOT NULL,
        head_hash text NOT NULL,
        verified_at timestamptz NOT NULL
      );
      CREATE TABLE chain_breaks (
        id bigserial PRIMARY KEY,
        device_id text NOT NULL,
        row_id bigint NOT NULL,
        problem text NOT NULL,
        found_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (device_id, row_id)
      );

      CREATE TABLE heartbeats (
        device_id text PRIMARY KEY,
        last_contact_at timestamptz NOT NULL,
        last_sent_at timestamptz NOT NULL,
        batches bigint NOT NULL,
        detections bigint NOT NULL
      );

      CREATE TABLE device_tokens (
        token_sha256 text PRIMARY KEY,
        device_id text NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE INDEX device_tokens_device ON device_tokens (device_id);

      CREATE TABLE purge_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        month date NOT NULL,
        cutoff timestamptz NOT NULL,
        detections bigint NOT NULL,
        images bigint NOT NULL,
        hits bigint NOT NULL,
        held bigint NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'misread corrections reported on devices (issue 20), kept beside the detections like the audit log: unpartitioned, no foreign key',
    sql: `
      CREATE TABLE corrections (
        device_id text NOT NULL,
        id bigint NOT NULL,
        detection_id uuid NOT NULL,
        hit_id bigint,
        original_text text NOT NULL,
        corrected_text text NOT NULL,
        note text NOT NULL,
        reported_by text NOT NULL,
        reported_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, id)
      );
      CREATE INDEX corrections_detection ON corrections (device_id, detection_id);
      CREATE INDEX corrections_text ON corrections (corrected_text);
    `,
  },
  {
    version: 3,
    name: 'missing stretches of device audit chains (issue 19): one open gap per device, flagged after a wait, resolved when filled',
    sql: `
      -- Rows from_id..to_id of a device's audit log are missing: the device sent rows above them
      -- (to_id + 1 is the lowest row seen above the verified head) but not these. Open while
      -- resolved_at is null; flagged once it has been open for fleet.audit_gap_flag_after_s.
      CREATE TABLE audit_gaps (
        id bigserial PRIMARY KEY,
        device_id text NOT NULL,
        from_id bigint NOT NULL,
        to_id bigint NOT NULL CHECK (to_id >= from_id),
        seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        flagged_at timestamptz,
        resolved_at timestamptz
      );
      CREATE UNIQUE INDEX audit_gaps_open ON audit_gaps (device_id) WHERE resolved_at IS NULL;
      CREATE INDEX audit_gaps_device ON audit_gaps (device_id, id);
    `,
  },
  {
    version: 4,
    name: 'audit-chain heads reported by devices in their batches (issue 19): the end of the log is checked too',
    sql: `
      -- The newest head a device reported (batch audit_head): its newest audit row's id and hash,
      -- newest by the batch's sent_at. NULL for a device that never reported one.
      ALTER TABLE audit_chains
        ADD COLUMN reported_id bigint,
        ADD COLUMN reported_hash text,
        ADD COLUMN reported_sent_at timestamptz,
        ADD COLUMN reported_at timestamptz;
      -- true: the gap ends at the reported head (rows at the end of the log, nothing sent above
      -- them); false: it ends below the lowest row the device sent above it.
      ALTER TABLE audit_gaps ADD COLUMN tail boolean NOT NULL DEFAULT false;
    `,
  },
  ...FLEET_MIGRATIONS,
];

const LOCK_KEY = 0x41_4c_50_52; // 'ALPR'

/** Applies every migration not yet applied; returns the versions it applied. */
export async function migrate(client: PoolClient, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      applied.push(m.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
  return applied;
}

/** Newest version this program knows; a database ahead of it is refused (an older binary must not write a newer schema). */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
