/**
 * The central's own audit log: every search, release step, hot-plate entry and view of the fleet
 * page, written before the data leaves (shasta 467.6 (a); roseville 426.8 (a)). Rows are
 * hash-chained with the device's row hash (src/store/audit-repo.ts), so one verifier serves
 * both logs. Appends are serialised by a row lock on the newest row (receivers are many).
 */
import type { Pool } from 'pg';
import { auditHash, GENESIS_HASH } from '../store/audit-repo.js';

export interface CentralAuditInput {
  staff: string | null;
  action: string;
  object?: string | null;
  purpose?: string | null;
  caseNumber?: string | null;
  details?: Record<string, unknown> | null;
  ip?: string | null;
}

export interface CentralAuditRow {
  id: number;
  at: number;
  staff: string | null;
  action: string;
  object: string | null;
  purpose: string | null;
  caseNumber: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  hash: string;
}

/** Serialises appends across processes without a table lock on readers. */
const AUDIT_LOCK = 0x41_55_44_54; // 'AUDT'

export class CentralAudit {
  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
  ) {}

  async append(e: CentralAuditInput): Promise<CentralAuditRow> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
      const head = (await c.query<{ id: string; hash: string }>('SELECT id, hash FROM central_audit ORDER BY id DESC LIMIT 1')).rows[0];
      const id = head ? Number(head.id) + 1 : 1;
      const prev = head?.hash ?? GENESIS_HASH;
      const row = { id, at: this.now(), user: e.staff, action: e.action, object: e.object ?? null, purpose: e.purpose ?? null, caseNumber: e.caseNumber ?? null, details: e.details ?? null, ip: e.ip ?? null };
      const hash = auditHash(prev, row);
      await c.query(
        `INSERT INTO central_audit (id, at, staff, action, object, purpose, case_number, details, ip, prev_hash, hash)
         VALUES ($1, to_timestamp($2::bigint / 1000.0), $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [id, row.at, row.user, row.action, row.object, row.purpose, row.caseNumber, row.details === null ? null : JSON.stringify(row.details), row.ip, prev, hash],
      );
      await c.query('COMMIT');
      return { id, at: row.at, staff: row.user, action: row.action, object: row.object, purpose: row.purpose, caseNumber: row.caseNumber, details: row.details, ip: row.ip, hash };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async get(id: number): Promise<CentralAuditRow | null> {
    return (await this.query('WHERE id = $1', [id]))[0] ?? null;
  }

  async byAction(action: string, limit: number): Promise<CentralAuditRow[]> {
    return this.query('WHERE action = $1 ORDER BY id DESC LIMIT $2', [action, limit]);
  }

  /** Rows of any of `actions` at or after `fromMs`, newest first (at most `limit`). */
  async since(actions: readonly string[], fromMs: number, limit: number): Promise<CentralAuditRow[]> {
    return this.query('WHERE action = ANY($1::text[]) AND at >= to_timestamp($2::bigint / 1000.0) ORDER BY id DESC LIMIT $3', [actions, fromMs, limit]);
  }

  /** Recomputes every row's hash from the first; the id of the first row that does not hold, or null. */
  async verify(): Promise<number | null> {
    let prev = GENESIS_HASH;
    for (const r of await this.query('ORDER BY id', [])) {
      const h = auditHash(prev, { id: r.id, at: r.at, user: r.staff, action: r.action, object: r.object, purpose: r.purpose, caseNumber: r.caseNumber, details: r.details, ip: r.ip });
      if (h !== r.hash) return r.id;
      prev = r.hash;
    }
    return null;
  }

  private async query(where: string, params: unknown[]): Promise<CentralAuditRow[]> {
    const r = await this.pool.query<{ id: string; at: Date; staff: string | null; action: string; object: string | null; purpose: string | null; case_number: string | null; details: Record<string, unknown> | null; ip: string | null; hash: string }>(
      `SELECT id, at, staff, action, object, purpose, case_number, details, ip, hash FROM central_audit ${where}`,
      params,
    );
    return r.rows.map((x) => ({ id: Number(x.id), at: x.at.getTime(), staff: x.staff, action: x.action, object: x.object, purpose: x.purpose, caseNumber: x.case_number, details: x.details, hash: x.hash, ip: x.ip }));
  }
}
