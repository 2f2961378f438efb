/**
 * The audit log: every view, search, export and administrative act of the operator station,
 * by name, date and time (roseville 426.8 (a); shasta 467.6 (a)), with purpose and case number
 * where the act needs one (sacramento-da IV.C.b).
 *
 * Hash-chained: `hash = sha256(prevHash + canonicalJson(fields))` — or, with the audit key,
 * `k1:` + HMAC-SHA256 over the same — starting from 64 zeros. An
 * edited row breaks its own hash; a deleted row breaks the next row's `prevHash`; a deleted
 * tail shows as a gap to the AUTOINCREMENT high-water mark. Each row is also queued for upload,
 * so the central server holds a copy the device cannot rewrite.
 *
 * Every string of an entry (keys included) is made well-formed Unicode before it is hashed and
 * stored: SQLite and JSON would otherwise store a lone surrogate (`"x\ud800y"` typed as a user
 * name) as U+FFFD, and the stored row would never hash to what was chained.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../shared/clock.js';
import { canonicalJson } from './canonical-json.js';
import type { OutboxRepo } from './outbox-repo.js';

export interface AuditInput {
  user: string | null;
  action: string;
  object: string | null;
  purpose: string | null;
  caseNumber: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
}

export interface AuditRecord extends AuditInput {
  id: number;
  at: number;
  prevHash: string;
  hash: string;
}

export interface AuditBreak {
  id: number;
  problem: string;
}

export interface AuditVerdict {
  ok: boolean;
  checked: number;
  firstBadId: number | null;
  problem: string | null;
  /** Every broken link found (the first `MAX_BREAKS`); `breakCount` counts them all. */
  breaks: AuditBreak[];
  breakCount: number;
  /**
   * Rows hashed without the audit key (written before one was configured): anyone who can
   * write the database could have rewritten those consistently; only the uploaded copy tells.
   */
  unkeyed?: number;
}

/** Most broken links listed in a verdict (all are counted). */
export const MAX_BREAKS = 1000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A value with every string (and object key) made well-formed: lone surrogates become U+FFFD. */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD') as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => wellFormed(v)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[wellFormed(k)] = wellFormed(v);
  return out as T;
}

export const GENESIS_HASH = '0'.repeat(64);

interface AuditRow {
  id: number;
  at: number;
  user: string | null;
  action: string;
  object: string | null;
  purpose: string | null;
  case_number: string | null;
  details: string | null;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * Rows hashed with the audit key carry this prefix: `k1:` + HMAC-SHA256(key, prevHash +
 * canonicalJson(fields)). Without the key (held outside the database, `store.audit_key`), a
 * keyed row can neither be forged nor re-hashed after an edit (issue 16 item 4).
 */
export const KEYED_PREFIX = 'k1:';

export function isKeyedHash(hash: string): boolean {
  return hash.startsWith(KEYED_PREFIX);
}

/** The hash of a row given its predecessor's; exported so that verifiers elsewhere agree. */
export function auditHash(prevHash: string, r: Omit<AuditRecord, 'prevHash' | 'hash'>, key: Buffer | null = null): string {
  const fields = {
    id: r.id,
    at: r.at,
    user: r.user,
    action: r.action,
    object: r.object,
    purpose: r.purpose,
    caseNumber: r.caseNumber,
    details: r.details,
    ip: r.ip,
  };
  if (key) return KEYED_PREFIX + createHmac('sha256', key).update(prevHash).update(canonicalJson(fields)).digest('hex');
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

function toRecord(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    at: r.at,
    user: r.user,
    action: r.action,
    object: r.object,
    purpose: r.purpose,
    caseNumber: r.case_number,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
    ip: r.ip,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

const VERIFY_PAGE = 1000;

export class AuditRepo {
  private readonly insertStmt: Statement;
  private readonly lastStmt: Statement<[], { id: number; hash: string }>;
  private readonly seqStmt: Statement<[], { seq: number }>;
  private readonly pageStmt: Statement<[number, number], AuditRow>;
  private readonly getStmt: Statement<[number], AuditRow>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly outbox: OutboxRepo,
    /** The audit key (`store.audit_key`): new rows are keyed, and keyed rows can be checked. */
    private readonly key: Buffer | null = null,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO audit (id, at, user, action, object, purpose, case_number, details, ip, prev_hash, hash)
       VALUES (@id, @at, @user, @action, @object, @purpose, @caseNumber, @details, @ip, @prevHash, @hash)`,
    );
    this.lastStmt = db.prepare('SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1');
    this.seqStmt = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit'");
    this.pageStmt = db.prepare('SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?');
    this.getStmt = db.prepare('SELECT * FROM audit WHERE id = ?');
  }

  /** Appends one entry (and queues it for upload) in one transaction; returns the stored row. */
  append(e: AuditInput): AuditRecord {
    return this.db.transaction((): AuditRecord => {
      const last = this.lastStmt.get();
      const seq = this.seqStmt.get()?.seq ?? 0;
      const base = { ...wellFormed(e), id: Math.max(last?.id ?? 0, seq) + 1, at: this.clock.now() };
      const prevHash = last?.hash ?? GENESIS_HASH;
      const record: AuditRecord = { ...base, prevHash, hash: auditHash(prevHash, base, this.key) };
      this.insertStmt.run({ ...record, details: record.details === null ? null : JSON.stringify(record.details) });
      this.outbox.enqueue('audit', record.id, 0);
      return record;
    })();
  }

  get(id: number): AuditRecord | null {
    const r = this.getStmt.get(id);
    return r ? toRecord(r) : null;
  }

  /** Newest first. */
  query(f: { from?: number; to?: number; user?: string; users?: readonly string[]; action?: string; beforeId?: number; limit?: number; offset?: number }): AuditRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    // Any of these logins (the station's filter by name resolves a name to its accounts).
    if (f.users !== undefined) {
      where.push(f.users.length === 0 ? '0' : `user IN (${f.users.map((_, i) => `@u${i}`).join(', ')})`);
      f.users.forEach((u, i) => (params[`u${i}`] = u));
    }
    const filters: [keyof typeof f, string][] = [
      ['from', 'at >= @from'],
      ['to', 'at <= @to'],
      ['user', 'user = @user'],
      ['action', 'action = @action'],
      // Keyset paging (the quarterly audit reads a whole quarter): an offset walks every row before it.
      ['beforeId', 'id < @beforeId'],
    ];
    for (const [key, clause] of filters) {
      if (f[key] === undefined) continue;
      where.push(clause);
      params[key] = f[key];
    }
    params.limit = Math.min(Math.max(f.limit ?? 100, 1), 10_000);
    params.offset = Math.max(f.offset ?? 0, 0);
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit OFFSET @offset`;
    return (this.db.prepare(sql).all(params) as AuditRow[]).map(toRecord);
  }

  /**
   * Walks the whole chain and reports every link that does not fit, not only the first: after a
   * bad row the walk goes on from the row as stored, so a later edit or deletion in the same copy
   * is reported too.
   */
  verify(): AuditVerdict {
    const breaks: AuditBreak[] = [];
    let breakCount = 0;
    const report = (id: number, problem: string): void => {
      breakCount++;
      if (breaks.length < MAX_BREAKS) breaks.push({ id, problem });
    };
    let prevHash = GENESIS_HASH;
    let expectedId = 1;
    let checked = 0;
    let keyedSeen = false;
    let unkeyed = 0;
    for (;;) {
      const rows = this.pageStmt.all(expectedId - 1, VERIFY_PAGE);
      for (const row of rows) {
        const r = toRecord(row);
        if (r.id !== expectedId) {
          report(expectedId, r.id === expectedId + 1 ? `row ${expectedId} is missing` : `rows ${expectedId}..${r.id - 1} are missing`);
        } else if (r.prevHash !== prevHash) {
          report(r.id, `row ${r.id} does not follow row ${r.id - 1} (prev_hash differs)`);
        }
        if (isKeyedHash(r.hash)) {
          keyedSeen = true;
          if (!this.key) report(r.id, `row ${r.id} is keyed: give the audit key (store.audit_key) to check it`);
          else if (auditHash(r.prevHash, r, this.key) !== r.hash) report(r.id, `row ${r.id} was altered (keyed hash differs)`);
        } else {
          unkeyed++;
          if (keyedSeen) report(r.id, `row ${r.id} is not keyed although earlier rows are (rewritten without the key?)`);
          else if (auditHash(r.prevHash, r) !== r.hash) report(r.id, `row ${r.id} was altered (hash differs)`);
        }
        prevHash = r.hash;
        expectedId = r.id + 1;
        checked++;
      }
      if (rows.length < VERIFY_PAGE) break;
    }
    const seq = this.seqStmt.get()?.seq ?? 0;
    if (seq > expectedId - 1) report(expectedId, `rows ${expectedId}..${seq} were deleted from the end of the log`);
    const first = breaks[0] ?? null;
    return { ok: breakCount === 0, checked, firstBadId: first?.id ?? null, problem: first?.problem ?? null, breaks, breakCount, unkeyed };
  }
}
