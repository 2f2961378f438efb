/**
 * The hot list the central publishes to its devices, kept in PostgreSQL:
 *
 *   enter (officer, audited) ──▶ hotplates ──cut──▶ hotlist_versions (body, issue time, Ed25519
 *   signature) ──GET /v1/hotlist, ETag / If-None-Match──▶ device ListFetcher (src/hotlist)
 *
 * An entry meets the device's own policy check (`validateLocalEntry`, src/hotlist/local-entries.ts:
 * case number or XREF, reason, officer and contact, expiry at most 30 days, 24 hours when also in
 * NCIC/CLETS), so a plate cannot be put on every car with less than one car would demand.
 *
 * The body is JSON lines with the import column names (docs/hotlist.md), signed in the format
 * the devices verify (src/hotlist/signed-list.ts). A cut whose body equals the newest one is not
 * stored, so the ETag (the body's digest) stays and devices get 304.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { EntryRow } from '../hotlist/entry-row.js';
import { validateLocalEntry, type FieldError, type LocalEntryInput, type LocalRules } from '../hotlist/local-entries.js';
import { signedMessage } from '../hotlist/signed-list.js';

export interface ListVersion {
  version: number;
  issued: string;
  sha256: string;
  signature: string;
  entries: number;
  body: Buffer;
}

export interface PublishedEntry {
  id: string;
  plate: string;
  state: string | null;
  list: string;
  priority: number;
  reason: string;
  caseNumber: string | null;
  subjectXref: string | null;
  officerName: string;
  officerContact: string;
  informational: boolean;
  alsoInNcic: boolean;
  enteredBy: string;
  createdAt: number;
  expiresAt: number;
}

/** Serialises cuts, so issue times only grow (a device refuses a list issued before its own). */
const CUT_LOCK = 0x48_4f_54_4c; // 'HOTL'
const MAX_LIVE_ENTRIES = 100_000;

export const etagOf = (sha256: string): string => `"${sha256.slice(0, 32)}"`;

export class HotlistPublisher {
  private cached: ListVersion | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly key: KeyObject | null,
    private readonly rules: LocalRules,
    private readonly now: () => number = Date.now,
  ) {}

  get publishing(): boolean {
    return this.key !== null;
  }

  /** Checks and stores an entry and cuts the list with it, in one transaction. */
  async enter(input: LocalEntryInput, actor: string): Promise<{ ok: true; entry: PublishedEntry; version: number | null } | { ok: false; errors: FieldError[] }> {
    const t = this.now();
    const v = validateLocalEntry(input, actor, t, this.rules);
    if ('errors' in v) return { ok: false, errors: v.errors };
    const row = v.row;
    return this.inTransaction(async (c) => {
      const live = await c.query<{ n: string }>('SELECT count(*) AS n FROM hotplates WHERE removed_at IS NULL AND expires_at > now()');
      if (Number(live.rows[0]!.n) >= MAX_LIVE_ENTRIES) return { ok: false as const, errors: [{ field: 'plate', message: `the central list holds ${MAX_LIVE_ENTRIES} live entries at most` }] };
      await c.query(
        `INSERT INTO hotplates (id, plate, wildcard, state, list, priority, reason, case_number, subject_xref, officer_name, officer_contact,
                                informational, also_in_ncic, entered_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, to_timestamp($15::bigint / 1000.0), to_timestamp($16::bigint / 1000.0))`,
        [row.id, row.plate, row.wildcard, row.state, row.list, row.priority, row.reason, row.caseNumber, row.subjectXref, row.officerName, row.officerContact, row.informational, row.alsoInNcic, row.enteredBy, row.createdAt, row.expiresAt],
      );
      const version = this.key ? (await this.cutIn(c)).version : null;
      return { ok: true as const, entry: toPublished(row), version };
    });
  }

  /** Takes an entry off the list (kept, marked removed, for the record) and cuts the list. */
  async remove(id: string, actor: string): Promise<PublishedEntry | null> {
    return this.inTransaction(async (c) => {
      const r = await c.query<DbEntry>(`UPDATE hotplates SET removed_at = now(), removed_by = $2 WHERE id = $1 AND removed_at IS NULL RETURNING ${COLUMNS}`, [id, actor]);
      if (!r.rows[0]) return null;
      if (this.key) await this.cutIn(c);
      return fromDb(r.rows[0]);
    });
  }

  /** Entries in force (not removed, not expired), newest first. */
  async live(limit = 1000): Promise<PublishedEntry[]> {
    const r = await this.pool.query<DbEntry>(`SELECT ${COLUMNS} FROM hotplates WHERE removed_at IS NULL AND expires_at > to_timestamp($1::bigint / 1000.0) ORDER BY created_at DESC LIMIT $2`, [this.now(), limit]);
    return r.rows.map(fromDb);
  }

  /** Cuts the list now (periodic re-cut drops expired entries); returns the newest version. */
  async cut(): Promise<ListVersion> {
    return this.inTransaction((c) => this.cutIn(c));
  }

  /** The newest version; null when none was cut yet. The body is read only when it changed. */
  async current(): Promise<ListVersion | null> {
    const r = await this.pool.query<{ version: string; issued: string; sha256: string; signature: string; entries: number }>(
      'SELECT version, issued, sha256, signature, entries FROM hotlist_versions ORDER BY version DESC LIMIT 1',
    );
    const head = r.rows[0];
    if (!head) return null;
    if (this.cached && this.cached.version === Number(head.version)) return this.cached;
    const b = await this.pool.query<{ body: Buffer }>('SELECT body FROM hotlist_versions WHERE version = $1', [head.version]);
    this.cached = { version: Number(head.version), issued: head.issued, sha256: head.sha256, signature: head.signature, entries: head.entries, body: b.rows[0]!.body };
    return this.cached;
  }

  private async cutIn(c: PoolClient): Promise<ListVersion> {
    if (!this.key) throw new Error('no hot-list signing key configured (hotlist.signing_key_file)');
    await c.query('SELECT pg_advisory_xact_lock($1)', [CUT_LOCK]);
    const t = this.now();
    const rows = (await c.query<DbEntry>(`SELECT ${COLUMNS} FROM hotplates WHERE removed_at IS NULL AND expires_at > to_timestamp($1::bigint / 1000.0) ORDER BY id`, [t])).rows.map(fromDb);
    const body = Buffer.from(rows.map((e) => `${JSON.stringify(toLine(e))}\n`).join(''), 'utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const last = (await c.query<{ version: string; issued: string; sha256: string; signature: string; entries: number }>('SELECT version, issued, sha256, signature, entries FROM hotlist_versions ORDER BY version DESC LIMIT 1')).rows[0];
    if (last && last.sha256 === sha256) return { version: Number(last.version), issued: last.issued, sha256, signature: last.signature, entries: last.entries, body };
    // Issue times only grow, even if this host's clock stepped back.
    const lastMs = last ? Date.parse(last.issued) : 0;
    const issued = new Date(Math.max(t, lastMs + 1)).toISOString();
    const signature = sign(null, signedMessage(issued, sha256), this.key).toString('base64');
    const ins = await c.query<{ version: string }>('INSERT INTO hotlist_versions (issued, sha256, signature, entries, body) VALUES ($1, $2, $3, $4, $5) RETURNING version', [issued, sha256, signature, rows.length, body]);
    return { version: Number(ins.rows[0]!.version), issued, sha256, signature, entries: rows.length, body };
  }

  private async inTransaction<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }
}

const COLUMNS = `id, plate, state, list, priority, reason, case_number, subject_xref, officer_name, officer_contact, informational, also_in_ncic, entered_by,
  (extract(epoch FROM created_at) * 1000)::bigint AS created_ms, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms`;

interface DbEntry {
  id: string;
  plate: string;
  state: string | null;
  list: string;
  priority: number;
  reason: string;
  case_number: string | null;
  subject_xref: string | null;
  officer_name: string;
  officer_contact: string;
  informational: boolean;
  also_in_ncic: boolean;
  entered_by: string;
  created_ms: string;
  expires_ms: string;
}

function fromDb(r: DbEntry): PublishedEntry {
  return {
    id: r.id,
    plate: r.plate,
    state: r.state,
    list: r.list,
    priority: r.priority,
    reason: r.reason,
    caseNumber: r.case_number,
    subjectXref: r.subject_xref,
    officerName: r.officer_name,
    officerContact: r.officer_contact,
    informational: r.informational,
    alsoInNcic: r.also_in_ncic,
    enteredBy: r.entered_by,
    createdAt: Number(r.created_ms),
    expiresAt: Number(r.expires_ms),
  };
}

function toPublished(row: EntryRow): PublishedEntry {
  return {
    id: row.id!,
    plate: row.plate,
    state: row.state,
    list: row.list,
    priority: row.priority,
    reason: row.reason,
    caseNumber: row.caseNumber,
    subjectXref: row.subjectXref,
    officerName: row.officerName ?? '',
    officerContact: row.officerContact ?? '',
    informational: row.informational,
    alsoInNcic: row.alsoInNcic,
    enteredBy: row.enteredBy ?? '',
    createdAt: row.createdAt ?? 0,
    expiresAt: row.expiresAt ?? 0,
  };
}

/** One line of the published list, in the import column names (docs/hotlist.md). */
function toLine(e: PublishedEntry): Record<string, unknown> {
  return {
    id: e.id,
    plate: e.plate,
    state: e.state,
    list: e.list,
    priority: e.priority,
    reason: e.reason,
    case_number: e.caseNumber,
    subject_xref: e.subjectXref,
    officer_name: e.officerName,
    officer_contact: e.officerContact,
    source: 'central',
    created: e.createdAt,
    expires: e.expiresAt,
    informational: e.informational,
    also_in_ncic: e.alsoInNcic,
    entered_by: e.enteredBy,
  };
}
