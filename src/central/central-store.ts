/**
 * The central store on PostgreSQL: writes accepted items idempotently, one transaction per call.
 *
 * - Detections are keyed by (device_id, id, captured_at), captured_at a function of the id, so a
 *   repeat is a no-op (ON CONFLICT) and a higher revision replaces the row: exactly-once
 *   storage under at-least-once delivery, over any time span.
 * - Rows go in as one json_to_recordset statement per table (one round trip for a thousand rows),
 *   sorted by key so that concurrent writers take row locks in the same order.
 * - Audit rows are checked against their own hash on arrival and then chained onto the device's
 *   verified head (audit_chains); a row that does not follow is recorded in chain_breaks.
 */
import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../shared/logger.js';
import { auditHash } from '../store/audit-repo.js';
import type { WireAudit } from '../upload/wire.js';
import type { AuditItem, ContactItem, DetectionItem, HitItem, ImageItem, IngestItem } from './items.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { monthStart, Partitions } from './partitions.js';

export interface WriteStats {
  /** Detections written: new ones and higher revisions of held ones. */
  detectionsStored: number;
  /** Detections already held at an equal or higher revision (redeliveries). */
  detectionsRepeated: number;
  images: number;
  hits: number;
  audit: number;
  chainBreaks: number;
}

export interface StoreConnection {
  url: string;
  password?: string;
  poolMax: number;
  applicationName?: string;
}

const GENESIS = '0'.repeat(64);
const RETRYABLE = new Set(['40P01', '40001']);

export class CentralStore {
  readonly pool: Pool;
  readonly partitions: Partitions;

  constructor(
    conn: StoreConnection,
    private readonly logger: Logger,
  ) {
    this.pool = new Pool({
      connectionString: conn.url,
      ...(conn.password !== undefined ? { password: conn.password } : {}),
      max: conn.poolMax,
      application_name: conn.applicationName ?? 'alpr-central',
      connectionTimeoutMillis: 10_000,
    });
    // An idle client that loses its server (PostgreSQL restarted) emits here; without a listener it would crash the process.
    this.pool.on('error', (err) => this.logger.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
    this.partitions = new Partitions(this.pool);
  }

  /** Applies pending migrations; refuses a database newer than this program. */
  async migrate(): Promise<number[]> {
    const client = await this.pool.connect();
    try {
      const applied = await migrate(client);
      const r = await client.query<{ v: number }>('SELECT max(version) AS v FROM schema_migrations');
      if ((r.rows[0]?.v ?? 0) > SCHEMA_VERSION) throw new Error(`database schema version ${r.rows[0]!.v} is newer than this program's (${SCHEMA_VERSION})`);
      return applied;
    } finally {
      client.release();
    }
  }

  async write(items: readonly IngestItem[]): Promise<WriteStats> {
    const months = new Set<number>();
    for (const i of items) if (i.kind === 'detection' || i.kind === 'hit' || i.kind === 'image') months.add(monthStart(i.capturedAt));
    await this.partitions.ensure(months);
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const stats = await this.writeIn(client, items);
        await client.query('COMMIT');
        return stats;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 5) continue;
        throw err;
      } finally {
        client.release();
      }
    }
  }

  private async writeIn(c: PoolClient, items: readonly IngestItem[]): Promise<WriteStats> {
    const dets = new Map<string, DetectionItem>();
    const imgs = new Map<string, ImageItem>();
    const hits = new Map<string, HitItem>();
    const audit = new Map<string, AuditItem>();
    const contacts = new Map<string, ContactItem[]>();
    const addHit = (h: HitItem): void => {
      const key = `${h.device}\u0000${h.hit.id}`;
      const prev = hits.get(key);
      // Within one write, keep the version that carries a verification outcome.
      if (!prev || prev.hit.outcome === null || h.hit.outcome !== null) hits.set(key, h);
    };
    for (const i of items) {
      switch (i.kind) {
        case 'detection': {
          const key = `${i.device}\u0000${i.detection.id}`;
          const prev = dets.get(key);
          if (!prev || prev.detection.revision < i.detection.revision) dets.set(key, i);
          for (const img of i.images) imgs.set(`${img.device}\u0000${img.detectionId}\u0000${img.imageKind}`, img);
          for (const h of i.detection.hits) addHit({ kind: 'hit', device: i.device, capturedAt: i.capturedAt, hit: h });
          break;
        }
        case 'image':
          imgs.set(`${i.device}\u0000${i.detectionId}\u0000${i.imageKind}`, i);
          break;
        case 'hit':
          addHit(i);
          break;
        case 'audit':
          audit.set(`${i.device}\u0000${i.row.id}`, i);
          break;
        case 'contact':
          contacts.set(i.device, [...(contacts.get(i.device) ?? []), i]);
          break;
      }
    }
    const stats: WriteStats = { detectionsStored: 0, detectionsRepeated: 0, images: 0, hits: 0, audit: 0, chainBreaks: 0 };
    const now = Date.now();
    const sorted = <T>(m: Map<string, T>): T[] => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);

    if (dets.size > 0) {
      const rows = sorted(dets).map((i) => {
        const d = i.detection;
        return {
          device_id: i.device,
          id: d.id,
          captured_ms: i.capturedAt,
          revision: d.revision,
          camera_id: d.camera_id,
          plate: d.text,
          confidence: d.confidence,
          best_ms: d.best_at,
          lat: d.position?.lat ?? null,
          lon: d.position?.lon ?? null,
          evidence_hold: d.evidence_hold === true,
          payload: { ...d, hits: undefined },
        };
      });
      const r = await c.query(
        `INSERT INTO detections (device_id, id, captured_at, revision, camera_id, plate, confidence, best_at, lat, lon, evidence_hold, payload, received_at)
         SELECT x.device_id, x.id, to_timestamp(x.captured_ms / 1000.0), x.revision, x.camera_id, x.plate, x.confidence,
                to_timestamp(x.best_ms / 1000.0), x.lat, x.lon, x.evidence_hold, x.payload, to_timestamp($2 / 1000.0)
         FROM json_to_recordset($1::json) AS x(device_id text, id uuid, captured_ms bigint, revision integer, camera_id text, plate text,
              confidence real, best_ms bigint, lat double precision, lon double precision, evidence_hold boolean, payload jsonb)
         ON CONFLICT (device_id, id, captured_at) DO UPDATE SET
           revision = excluded.revision, camera_id = excluded.camera_id, plate = excluded.plate, confidence = excluded.confidence,
           best_at = excluded.best_at, lat = excluded.lat, lon = excluded.lon, evidence_hold = excluded.evidence_hold,
           payload = excluded.payload, received_at = excluded.received_at
         WHERE detections.revision < excluded.revision
         RETURNING 1`,
        [JSON.stringify(rows), now],
      );
      stats.detectionsStored = r.rowCount ?? 0;
      stats.detectionsRepeated = items.filter((i) => i.kind === 'detection').length - stats.detectionsStored;
    }

    if (imgs.size > 0) {
      const rows = sorted(imgs).map((i) => ({
        device_id: i.device,
        detection_id: i.detectionId,
        kind: i.imageKind,
        captured_ms: i.capturedAt,
        sha256: i.sha256,
        data: i.data.toString('base64'),
      }));
      const r = await c.query(
        `INSERT INTO images (device_id, detection_id, kind, captured_at, sha256, bytes, data, received_at)
         SELECT x.device_id, x.detection_id, x.kind, to_timestamp(x.captured_ms / 1000.0), x.sha256, length(decode(x.data, 'base64')),
                decode(x.data, 'base64'), to_timestamp($2 / 1000.0)
         FROM json_to_recordset($1::json) AS x(device_id text, detection_id uuid, kind text, captured_ms bigint, sha256 text, data text)
         ON CONFLICT (device_id, detection_id, kind, captured_at) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, data = excluded.data,
           received_at = excluded.received_at
         WHERE images.sha256 <> excluded.sha256`,
        [JSON.stringify(rows), now],
      );
      stats.images = r.rowCount ?? 0;
    }

    if (hits.size > 0) {
      const rows = sorted(hits).map((h) => ({
        device_id: h.device,
        id: h.hit.id,
        detection_id: h.hit.detection_id,
        captured_ms: h.capturedAt,
        outcome: h.hit.outcome ?? null,
        payload: h.hit,
      }));
      // The newest version of a hit wins, and a verified hit is never replaced by an unverified copy that arrives late.
      const r = await c.query(
        `INSERT INTO hits (device_id, id, detection_id, captured_at, outcome, payload, received_at)
         SELECT x.device_id, x.id, x.detection_id, to_timestamp(x.captured_ms / 1000.0), x.outcome, x.payload, to_timestamp($2 / 1000.0)
         FROM json_to_recordset($1::json) AS x(device_id text, id bigint, detection_id uuid, captured_ms bigint, outcome text, payload jsonb)
         ON CONFLICT (device_id, id, captured_at) DO UPDATE SET outcome = excluded.outcome, payload = excluded.payload, received_at = excluded.received_at
         WHERE hits.payload IS DISTINCT FROM excluded.payload AND (hits.outcome IS NULL OR excluded.outcome IS NOT NULL)`,
        [JSON.stringify(rows), now],
      );
      stats.hits = r.rowCount ?? 0;
    }

    if (audit.size > 0) {
      const list = sorted(audit);
      const rows = list.map((a) => ({ device_id: a.device, id: a.row.id, at_ms: a.row.at, action: a.row.action, prev_hash: a.row.prev_hash, hash: a.row.hash, payload: a.row }));
      const r = await c.query(
        `INSERT INTO audit (device_id, id, at, action, prev_hash, hash, payload, received_at)
         SELECT x.device_id, x.id, to_timestamp(x.at_ms / 1000.0), x.action, x.prev_hash, x.hash, x.payload, to_timestamp($2 / 1000.0)
         FROM json_to_recordset($1::json) AS x(device_id text, id bigint, at_ms bigint, action text, prev_hash text, hash text, payload jsonb)
         ON CONFLICT (device_id, id) DO NOTHING`,
        [JSON.stringify(rows), now],
      );
      stats.audit = r.rowCount ?? 0;
      for (const a of list) {
        if (!rowHashHolds(a.row)) stats.chainBreaks += await this.flag(c, a.device, a.row.id, `row ${a.row.id} does not hash to its hash (altered)`);
      }
      for (const device of [...new Set(list.map((a) => a.device))].sort()) stats.chainBreaks += await this.advanceChain(c, device);
    }

    if (contacts.size > 0) {
      const rows = [...contacts.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([device, cs]) => ({
          device_id: device,
          contact_ms: Math.max(...cs.map((x) => x.receivedAt)),
          sent_ms: Math.max(...cs.map((x) => x.sentAt)),
          batches: cs.length,
          detections: cs.reduce((s, x) => s + x.detections, 0),
        }));
      await c.query(
        `INSERT INTO heartbeats (device_id, last_contact_at, last_sent_at, batches, detections)
         SELECT x.device_id, to_timestamp(x.contact_ms / 1000.0), to_timestamp(x.sent_ms / 1000.0), x.batches, x.detections
         FROM json_to_recordset($1::json) AS x(device_id text, contact_ms bigint, sent_ms bigint, batches bigint, detections bigint)
         ON CONFLICT (device_id) DO UPDATE SET last_contact_at = greatest(heartbeats.last_contact_at, excluded.last_contact_at),
           last_sent_at = greatest(heartbeats.last_sent_at, excluded.last_sent_at),
           batches = heartbeats.batches + excluded.batches, detections = heartbeats.detections + excluded.detections`,
        [JSON.stringify(rows)],
      );
    }
    return stats;
  }

  /**
   * Walks the device's audit rows forward from its verified head while they are contiguous. A
   * gap waits (the missing rows may still be in flight); a row whose prev_hash is not its
   * predecessor's hash is a rewritten or missing stretch and is flagged.
   */
  private async advanceChain(c: PoolClient, device: string): Promise<number> {
    await c.query(`INSERT INTO audit_chains (device_id, head_id, head_hash, verified_at) VALUES ($1, 0, $2, now()) ON CONFLICT DO NOTHING`, [device, GENESIS]);
    const head = (await c.query<{ head_id: string; head_hash: string }>('SELECT head_id, head_hash FROM audit_chains WHERE device_id = $1 FOR UPDATE', [device])).rows[0]!;
    let id = Number(head.head_id);
    let hash = head.head_hash;
    let breaks = 0;
    const next = await c.query<{ id: string; prev_hash: string; hash: string }>(
      'SELECT id, prev_hash, hash FROM audit WHERE device_id = $1 AND id > $2 ORDER BY id LIMIT 50000',
      [device, id],
    );
    for (const r of next.rows) {
      const rid = Number(r.id);
      if (rid !== id + 1) break;
      if (r.prev_hash !== hash) breaks += await this.flag(c, device, rid, id === 0 ? `first row ${rid} does not start from the genesis hash` : `row ${rid} does not follow row ${id} (prev_hash differs)`);
      id = rid;
      hash = r.hash;
    }
    if (id !== Number(head.head_id)) await c.query('UPDATE audit_chains SET head_id = $2, head_hash = $3, verified_at = now() WHERE device_id = $1', [device, id, hash]);
    return breaks;
  }

  private async flag(c: PoolClient, device: string, rowId: number, problem: string): Promise<number> {
    const r = await c.query('INSERT INTO chain_breaks (device_id, row_id, problem) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [device, rowId, problem]);
    if (r.rowCount) this.logger.warn({ device, row: rowId, problem }, 'device audit chain broken');
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function rowHashHolds(a: WireAudit): boolean {
  return (
    auditHash(a.prev_hash, {
      id: a.id,
      at: a.at,
      user: a.user ?? null,
      action: a.action,
      object: a.object ?? null,
      purpose: a.purpose ?? null,
      caseNumber: a.case_number ?? null,
      details: a.details ?? null,
      ip: a.ip ?? null,
    }) === a.hash
  );
}

