/**
 * Schema of the central's own work, beside the ingest tables of migration 1: staff tokens and
 * the central audit log, the published hot list (entries and signed versions), the devices'
 * status heartbeats. Numbered from 5 so that ingest migrations (2–4) can be added without a
 * clash; each version is applied once, whatever order they were written in.
 */
import type { Migration } from './migrations.js';

export const FLEET_MIGRATIONS: readonly Migration[] = [
  {
    version: 5,
    name: 'staff tokens, central audit log, central hot plates and signed list versions, device status heartbeats',
    sql: `
      -- People at the agency (administrators, officers, supervisors); only the token's SHA-256 is kept.
      CREATE TABLE staff_tokens (
        token_sha256 text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'officer', 'metrics')),
        issued_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE INDEX staff_tokens_name ON staff_tokens (name);

      -- Every access and change at the central, hash-chained as the device's log is (same row hash).
      CREATE TABLE central_audit (
        id bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        staff text,
        action text NOT NULL,
        object text,
        purpose text,
        case_number text,
        details jsonb,
        ip text,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      CREATE INDEX central_audit_action ON central_audit (action, id);

      CREATE TABLE hotplates (
        id uuid PRIMARY KEY,
        plate text NOT NULL,
        wildcard boolean NOT NULL,
        state text,
        list text NOT NULL,
        priority integer NOT NULL,
        reason text NOT NULL,
        case_number text,
        subject_xref text,
        officer_name text NOT NULL,
        officer_contact text NOT NULL,
        informational boolean NOT NULL,
        also_in_ncic boolean NOT NULL,
        entered_by text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        removed_at timestamptz,
        removed_by text
      );
      CREATE INDEX hotplates_live ON hotplates (expires_at) WHERE removed_at IS NULL;

      -- Each cut of the published list, signed; devices fetch the newest (ETag = its digest).
      CREATE TABLE hotlist_versions (
        version bigserial PRIMARY KEY,
        issued text NOT NULL,
        sha256 text NOT NULL,
        signature text NOT NULL,
        entries integer NOT NULL,
        body bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      -- The newest status heartbeat of each device (POST /v1/heartbeats).
      CREATE TABLE device_status (
        device_id text PRIMARY KEY,
        received_at timestamptz NOT NULL,
        sent_at timestamptz NOT NULL,
        readiness text NOT NULL,
        reasons jsonb NOT NULL,
        cameras jsonb NOT NULL,
        backlog_items bigint NOT NULL,
        backlog_detections bigint NOT NULL,
        oldest_backlog_s bigint NOT NULL,
        hotlist_issued_at timestamptz,
        hotlist_confirmed_at timestamptz,
        version text
      );
    `,
  },
];
