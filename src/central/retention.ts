/**
 * Retention on the central store: a month whose every detection is older than `retention.days`
 * is purged by dropping its partitions (detections, images, hits) after copying the rows under
 * an evidence hold (the device's evidence_hold flag or a central hold with a case number) into
 * the held_* tables (sacramento-pd 525.08 C.1: kept past the retention period when needed as
 * evidence). Each purge writes a purge_log row and a log line, in the same transaction as the
 * drop. A whole month goes at once, so a row may outlive `days` by up to a month, never less.
 */
import type { Logger } from '../shared/logger.js';
import type { CentralStore } from './central-store.js';
import { monthStart, monthSuffix, nextMonth } from './partitions.js';

export interface PurgeRecord {
  month: string;
  detections: number;
  images: number;
  hits: number;
  held: number;
}

const DAY_MS = 86_400_000;

export async function purgeExpired(store: CentralStore, days: number, now: number, logger: Logger): Promise<PurgeRecord[]> {
  const cutoff = now - days * DAY_MS;
  // Partitions for this month and the next exist before any device needs them.
  await store.partitions.ensure([monthStart(now), nextMonth(monthStart(now))]);
  const out: PurgeRecord[] = [];
  for (const start of await store.partitions.months()) {
    const end = nextMonth(start);
    if (end > cutoff) continue;
    const sfx = monthSuffix(start);
    const client = await store.pool.connect();
    try {
      await client.query('BEGIN');
      const count = async (t: string): Promise<number> => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}_${sfx}`)).rows[0]!.n);
      const held = await client.query(
        `INSERT INTO held_detections SELECT d.* FROM detections_${sfx} d
         WHERE d.evidence_hold OR EXISTS (SELECT 1 FROM holds h WHERE h.device_id = d.device_id AND h.detection_id = d.id)
         ON CONFLICT DO NOTHING`,
      );
      await client.query(
        `INSERT INTO held_images SELECT i.* FROM images_${sfx} i JOIN held_detections h ON h.device_id = i.device_id AND h.id = i.detection_id ON CONFLICT DO NOTHING`,
      );
      await client.query(`INSERT INTO held_hits SELECT x.* FROM hits_${sfx} x JOIN held_detections h ON h.device_id = x.device_id AND h.id = x.detection_id ON CONFLICT DO NOTHING`);
      const rec: PurgeRecord = { month: sfx, detections: await count('detections'), images: await count('images'), hits: await count('hits'), held: held.rowCount ?? 0 };
      await client.query(`DROP TABLE detections_${sfx}, images_${sfx}, hits_${sfx}`);
      await client.query('INSERT INTO purge_log (month, cutoff, detections, images, hits, held) VALUES ($1, to_timestamp($2 / 1000.0), $3, $4, $5, $6)', [
        new Date(start).toISOString().slice(0, 10),
        cutoff,
        rec.detections,
        rec.images,
        rec.hits,
        rec.held,
      ]);
      await client.query('COMMIT');
      store.partitions.forget(start);
      logger.info({ ...rec, cutoff: new Date(cutoff).toISOString() }, 'retention purge: month partition dropped');
      out.push(rec);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  return out;
}
