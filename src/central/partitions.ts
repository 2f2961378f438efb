/**
 * Month partitions of the time-partitioned tables: names, bounds, creation on demand. A
 * partition is created before the first row of its month is written (and the next month ahead
 * of time by retention), under an advisory lock so that concurrent writers do not race on
 * CREATE TABLE.
 */
import type { Pool } from 'pg';

export const PARTITIONED = ['detections', 'images', 'hits'] as const;
const LOCK_KEY = 0x41_4c_50_53;

/** First instant (ms, UTC) of the month holding `ms`. */
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextMonth(start: number): number {
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** `y2026m01`: the suffix of a month's partition names. */
export function monthSuffix(start: number): string {
  const d = new Date(start);
  return `y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function parseSuffix(name: string): number | null {
  const m = /_y(\d{4})m(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, 1) : null;
}

export class Partitions {
  private readonly known = new Set<number>();

  constructor(private readonly pool: Pool) {}

  /** Makes sure the partitions of every month in `starts` exist. */
  async ensure(starts: Iterable<number>): Promise<void> {
    const missing = [...new Set(starts)].filter((s) => !this.known.has(s));
    if (missing.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      for (const start of missing) {
        const from = new Date(start).toISOString();
        const to = new Date(nextMonth(start)).toISOString();
        for (const table of PARTITIONED) {
          const name = `${table}_${monthSuffix(start)}`;
          const exists = await client.query('SELECT 1 FROM pg_class WHERE relname = $1', [name]);
          if (exists.rowCount) continue;
          await client.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`);
          if (table === 'images') await client.query(`ALTER TABLE ${name} ALTER COLUMN data SET STORAGE EXTERNAL`);
        }
      }
      await client.query('COMMIT');
      for (const s of missing) this.known.add(s);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Month starts (ms) that have a detections partition, oldest first. */
  async months(): Promise<number[]> {
    const r = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'detections'`,
    );
    return r.rows
      .map((x) => parseSuffix(x.name))
      .filter((x): x is number => x !== null)
      .sort((a, b) => a - b);
  }

  /** Forgets a month (after its partitions were dropped). */
  forget(start: number): void {
    this.known.delete(start);
  }
}
