/**
 * The central store on PostgreSQL: writes accepted items idempotently, one transaction per call.
 *
 * - Detections are keyed by (device_id, id, captured_at), captured_at a function of the id, so a
 *   repeat is a no-op (ON CONFLICT) and a higher revision replaces the row: exactly-once
 *   storage under at-least-once delivery, over any time span.
 * - Rows go in as one json_to_recordset statement per table (one round trip for a thousand rows),
 *   sorted by key so that concurrent writers take row locks in the same order.
 * - Audit rows are taken only in chain order (appendAudit, synchronously at the receiver, as the
 *   reference receiver does): a row ahead of a gap waits for the device to send it again; a row
 *   that contradicts the stored chain is refused and recorded in chain_breaks; a missing stretch
 *   below rows ahead is recorded in audit_gaps and flagged after a wait (audit-chains.ts).
 */
import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../shared/logger.js';
import { auditHash, GENESIS_HASH, isKeyedHash } from '../store/audit-repo.js';
import { checkReportedHead, DEFAULT_GAP_FLAG_AFTER_MS, missingTo, trackGap, type ReportedHead } from './audit-chains.js';
import type { ImageKind, WireAudit } from '../upload/wire.js';
import type { AuditVerdict, ContactItem, CorrectionItem, DetectionItem, HitItem, ImageItem, IngestItem } from './items.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { monthStart, Partitions } from './partitions.js';

export interface WriteStats {
  /** Detections written: new ones and higher revisions of held ones. */
  detectionsStored: number;
  /** Detections already held at an equal or higher revision (redeliveries). */
  detectionsRepeated: number;
  images: number;
  hits: number;
}

/** How the store keeps time and when it flags a gap in a device's audit chain (src/central/audit-chains.ts). */
export interface StoreOptions {
  now?: () => number;
  /** fleet.audit_gap_flag_after_s in ms. */
  gapFlagAfterMs?: number;
}

export interface StoreConnection {
  url: string;
  password?: string;
  poolMax: number;
  applicationName?: string;
}

const IMAGE_ROWS_PER_STATEMENT = 500;
const RETRYABLE = new Set(['40P01', '40001']);

export class CentralStore {
  readonly pool: Pool;
  readonly partitions: Partitions;
  private readonly now: () => number;
  private readonly gapFlagAfterMs: number;

  constructor(
    conn: StoreConnection,
    private readonly logger: Logger,
    opts: StoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.gapFlagAfterMs = opts.gapFlagAfterMs ?? DEFAULT_GAP_FLAG_AFTER_MS;
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
    const contacts = new Map<string, ContactItem[]>();
    const corrections = new Map<string, CorrectionItem>();
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
        case 'contact':
          contacts.set(i.device, [...(contacts.get(i.device) ?? []), i]);
          break;
        case 'correction':
          corrections.set(`${i.device}\u0000${i.correction.id}`, i);
          break;
      }
    }
    const stats: WriteStats = { detectionsStored: 0, detectionsRepeated: 0, images: 0, hits: 0 };
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
      // Evidence is write-once: the first image stored under a name stays. Bytes go as binary parameters (node-pg sends a Buffer as bytea without hex or base64).
      const list = sorted(imgs);
      for (let i = 0; i < list.length; i += IMAGE_ROWS_PER_STATEMENT) {
        const chunk = list.slice(i, i + IMAGE_ROWS_PER_STATEMENT);
        const params: unknown[] = [now];
        const values = chunk.map((img) => {
          params.push(img.device, img.detectionId, img.imageKind, img.capturedAt, img.sha256, img.data);
          const b = params.length - 6;
          return `($${b + 1}, $${b + 2}::uuid, $${b + 3}, to_timestamp($${b + 4}::bigint / 1000.0), $${b + 5}, $${b + 6}::bytea)`;
        });
        const r = await c.query(
          `INSERT INTO images (device_id, detection_id, kind, captured_at, sha256, bytes, data, received_at)
           SELECT x.device_id, x.detection_id, x.kind, x.captured_at, x.sha256, length(x.data), x.data, to_timestamp($1::bigint / 1000.0)
           FROM (VALUES ${values.join(', ')}) AS x(device_id, detection_id, kind, captured_at, sha256, data)
           ON CONFLICT (device_id, detection_id, kind, captured_at) DO NOTHING`,
          params,
        );
        stats.images += r.rowCount ?? 0;
      }
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

    if (corrections.size > 0) {
      // Written once: a repeat (retry, redelivery) is a no-op; the detection may not be held yet.
      const rows = sorted(corrections).map(({ device, correction }) => ({ device_id: device, ...correction }));
      await c.query(
        `INSERT INTO corrections (device_id, id, detection_id, hit_id, original_text, corrected_text, note, reported_by, reported_at, received_at)
         SELECT x.device_id, x.id, x.detection_id, x.hit_id, x.original_text, x.corrected_text, x.note, x.reported_by,
                to_timestamp(x.reported_at / 1000.0), to_timestamp($2 / 1000.0)
         FROM json_to_recordset($1::json) AS x(device_id text, id bigint, detection_id uuid, hit_id bigint, original_text text,
              corrected_text text, note text, reported_by text, reported_at bigint)
         ON CONFLICT (device_id, id) DO NOTHING`,
        [JSON.stringify(rows), now],
      );
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
   * Appends a device's audit rows in chain order, in one transaction holding the device's chain
   * head: the next id, chained to the stored head, hashing to what it claims (keyed rows, HMACed
   * on the device, are checked for their place only). `rows` sorted by id; one verdict each.
   * `reported`: the batch's `audit_head` (issue 19), checked and kept (checkReportedHead); rows
   * between the verified head and it that do not come are a gap like any other.
   */
  async appendAudit(device: string, rows: readonly WireAudit[], reported: ReportedHead | null = null): Promise<AuditVerdict[]> {
    if (rows.length === 0 && reported === null) return [];
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('INSERT INTO audit_chains (device_id, head_id, head_hash, verified_at) VALUES ($1, 0, $2, now()) ON CONFLICT DO NOTHING', [device, GENESIS_HASH]);
      const head = (
        await c.query<{ head_id: string; head_hash: string; reported_id: string | null; reported_hash: string | null; reported_ms: string | null }>(
          'SELECT head_id, head_hash, reported_id, reported_hash, (extract(epoch FROM reported_sent_at) * 1000)::bigint AS reported_ms FROM audit_chains WHERE device_id = $1 FOR UPDATE',
          [device],
        )
      ).rows[0]!;
      let headId = Number(head.head_id);
      let headHash = head.head_hash;
      const before = headId;
      const prior: ReportedHead | null = head.reported_id === null ? null : { id: Number(head.reported_id), hash: head.reported_hash!, sentAt: Number(head.reported_ms) };
      const stored = new Map(
        rows.length === 0
          ? []
          : (await c.query<{ id: string; hash: string }>('SELECT id, hash FROM audit WHERE device_id = $1 AND id = ANY($2::bigint[])', [device, rows.map((r) => r.id)])).rows.map((r) => [Number(r.id), r.hash]),
      );
      const verdicts: AuditVerdict[] = [];
      const now = this.now();
      let lowestAhead: number | null = null;
      for (const a of rows) {
        if (!isKeyedHash(a.hash) && !rowHashHolds(a)) {
          verdicts.push({ reason: 'the row does not hash to its hash field' });
          continue;
        }
        const have = stored.get(a.id);
        if (have !== undefined) {
          if (have === a.hash) verdicts.push('stored');
          else {
            await this.flag(c, device, a.id, `row ${a.id} contradicts the stored row (the device's log was rewritten?)`);
            verdicts.push({ reason: `contradicts audit row ${a.id} already stored (the device's log was rewritten?)` });
          }
          continue;
        }
        const expected = headId + 1;
        if (a.id > expected) {
          lowestAhead ??= a.id;
          verdicts.push('ahead');
          continue;
        }
        if (a.id < expected) {
          verdicts.push({ reason: `row ${a.id} comes after row ${expected - 1} was stored without it` });
          continue;
        }
        if (a.prev_hash !== headHash) {
          await this.flag(c, device, a.id, `row ${a.id} does not follow row ${headId} (prev_hash differs)`);
          verdicts.push({ reason: `does not chain to audit row ${a.id - 1} as stored (prev_hash differs)` });
          continue;
        }
        await c.query(
          'INSERT INTO audit (device_id, id, at, action, prev_hash, hash, payload, received_at) VALUES ($1, $2, to_timestamp($3::bigint / 1000.0), $4, $5, $6, $7, to_timestamp($8::bigint / 1000.0))',
          [device, a.id, a.at, a.action, a.prev_hash, a.hash, JSON.stringify(a), now],
        );
        stored.set(a.id, a.hash);
        headId = a.id;
        headHash = a.hash;
        verdicts.push('stored');
      }
      let keep = prior;
      if (reported) {
        const storedHash = async (id: number): Promise<string | null> =>
          stored.get(id) ?? (await c.query<{ hash: string }>('SELECT hash FROM audit WHERE device_id = $1 AND id = $2', [device, id])).rows[0]?.hash ?? null;
        const seen = await checkReportedHead(reported, prior, before, { id: headId, hash: headHash }, storedHash);
        for (const b of seen.breaks) await this.flag(c, device, b.rowId, b.problem);
        keep = seen.keep;
      }
      await trackGap(c, device, headId, missingTo(headId, lowestAhead, keep?.id ?? null), now, this.gapFlagAfterMs, this.logger);
      await c.query(
        `UPDATE audit_chains SET head_id = $2, head_hash = $3, verified_at = now(),
           reported_id = $4, reported_hash = $5, reported_sent_at = to_timestamp($6::bigint / 1000.0),
           reported_at = CASE WHEN $7 THEN to_timestamp($8::bigint / 1000.0) ELSE reported_at END
         WHERE device_id = $1`,
        [device, headId, headHash, keep?.id ?? null, keep?.hash ?? null, keep?.sentAt ?? null, keep !== prior, now],
      );
      await c.query('COMMIT');
      return verdicts;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /** Detections of `device` that already hold a different image of a kind (write-once evidence). */
  async imageConflicts(device: string, images: readonly { detectionId: string; kind: ImageKind; sha256: string; capturedAt: number }[]): Promise<Map<string, ImageKind>> {
    const out = new Map<string, ImageKind>();
    if (images.length === 0) return out;
    const r = await this.pool.query<{ detection_id: string; kind: ImageKind; sha256: string }>(
      `SELECT i.detection_id, i.kind, i.sha256 FROM images i
       JOIN unnest($2::uuid[], $3::text[], $4::double precision[]) AS x(id, kind, ms)
         ON i.detection_id = x.id AND i.kind = x.kind AND i.captured_at = to_timestamp(x.ms / 1000.0)
       WHERE i.device_id = $1`,
      [device, images.map((i) => i.detectionId), images.map((i) => i.kind), images.map((i) => i.capturedAt)],
    );
    const want = new Map(images.map((i) => [`${i.detectionId}/${i.kind}`, i.sha256]));
    for (const row of r.rows) if (want.get(`${row.detection_id}/${row.kind}`) !== row.sha256 && !out.has(row.detection_id)) out.set(row.detection_id, row.kind);
    return out;
  }

  private async flag(c: PoolClient, device: string, rowId: number, problem: string): Promise<void> {
    const r = await c.query('INSERT INTO chain_breaks (device_id, row_id, problem) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [device, rowId, problem]);
    if (r.rowCount) this.logger.warn({ device, row: rowId, problem }, 'device audit chain broken: flagged for the administrator');
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

