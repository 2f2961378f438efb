/**
 * Look-ups in the central's detections, under the device's rules: the criteria are those the
 * device checks (`criteria`, src/http/search-criteria.ts), so a search needs a plate (3+ known
 * characters) or a place with a bounded time window, and is capped and paged by the caller.
 *
 * Times filter on `captured_at`, the partition key, so a windowed search reads only the months
 * it covers. Every statement runs under a time limit: a leading-wildcard plate over two years of
 * partitions is a scan, and it ends in bounded time with a clear error rather than holding a
 * connection.
 */
import type { Pool } from 'pg';
import type { SearchQuery } from '../store/detections-repo.js';

export interface CentralDetection {
  deviceId: string;
  id: string;
  capturedAt: number;
  cameraId: string;
  plate: string;
  confidence: number;
  lat: number | null;
  lon: number | null;
  direction: string | null;
  evidenceHold: boolean;
  hits: number;
}

export interface CentralQuery extends SearchQuery {
  /** One device only. */
  deviceId?: string;
}

const STATEMENT_TIMEOUT_MS = 15_000;

/** `*` → `%`, `?` → `_`; the normalised pattern holds only A–Z 0–9 * ?, so nothing else needs escaping. */
export function likePattern(plate: string): string {
  return plate.replace(/\*/g, '%').replace(/\?/g, '_');
}

export class CentralDetections {
  constructor(private readonly pool: Pool) {}

  async search(q: CentralQuery, limit: number, offset: number): Promise<CentralDetection[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => `$${params.push(v)}`;
    if (q.plate !== undefined) where.push(/[*?]/.test(q.plate) ? `d.plate LIKE ${p(likePattern(q.plate))}` : `d.plate = ${p(q.plate)}`);
    if (q.from !== undefined) where.push(`d.captured_at >= to_timestamp(${p(q.from)}::bigint / 1000.0)`);
    if (q.to !== undefined) where.push(`d.captured_at <= to_timestamp(${p(q.to)}::bigint / 1000.0)`);
    if (q.cameraId !== undefined) where.push(`d.camera_id = ${p(q.cameraId)}`);
    if (q.deviceId !== undefined) where.push(`d.device_id = ${p(q.deviceId)}`);
    if (q.bbox) where.push(`d.lat BETWEEN ${p(q.bbox.minLat)} AND ${p(q.bbox.maxLat)} AND d.lon BETWEEN ${p(q.bbox.minLon)} AND ${p(q.bbox.maxLon)}`);
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.captured_at DESC, d.device_id, d.id LIMIT ${p(limit)} OFFSET ${p(offset)}`;
    return this.run(sql, params);
  }

  /** The detections named by (device, id); those not stored (purged) are absent. */
  async byKeys(keys: readonly { deviceId: string; id: string }[]): Promise<CentralDetection[]> {
    if (keys.length === 0) return [];
    return this.run(`${SELECT} JOIN unnest($1::text[], $2::uuid[]) AS k(device_id, id) ON d.device_id = k.device_id AND d.id = k.id ORDER BY d.captured_at`, [
      keys.map((k) => k.deviceId),
      keys.map((k) => k.id),
    ]);
  }

  private async run(sql: string, params: unknown[]): Promise<CentralDetection[]> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN READ ONLY');
      await c.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      const r = await c.query<Row>(sql, params);
      await c.query('COMMIT');
      return r.rows.map((x) => ({
        deviceId: x.device_id,
        id: x.id,
        capturedAt: Number(x.captured_ms),
        cameraId: x.camera_id,
        plate: x.plate,
        confidence: x.confidence,
        lat: x.lat,
        lon: x.lon,
        direction: x.direction,
        evidenceHold: x.evidence_hold,
        hits: Number(x.hits),
      }));
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      if ((err as { code?: string }).code === '57014') throw new Error(`the search took longer than ${STATEMENT_TIMEOUT_MS / 1000} s; narrow it (a time window, or more known characters at the start of the plate)`, { cause: err });
      throw err;
    } finally {
      c.release();
    }
  }
}

const SELECT = `SELECT d.device_id, d.id, (extract(epoch FROM d.captured_at) * 1000)::bigint AS captured_ms, d.camera_id, d.plate, d.confidence, d.lat, d.lon,
  d.payload->>'direction' AS direction, d.evidence_hold,
  (SELECT count(*) FROM hits h WHERE h.device_id = d.device_id AND h.detection_id = d.id AND h.captured_at = d.captured_at) AS hits
  FROM detections d`;

interface Row {
  device_id: string;
  id: string;
  captured_ms: string;
  camera_id: string;
  plate: string;
  confidence: number;
  lat: number | null;
  lon: number | null;
  direction: string | null;
  evidence_hold: boolean;
  hits: string;
}
