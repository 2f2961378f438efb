/**
 * Local accounts of the operator station: stored data only behind a login (roseville 426.8 (a)).
 * Password hashing and lockout policy belong to the caller; this only keeps the records.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../shared/clock.js';

export type Role = 'operator' | 'administrator' | 'auditor';

export interface UserRecord {
  username: string;
  role: Role;
  passwordHash: string;
  fullName: string;
  contact: string;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

export type UserPatch = Partial<Pick<UserRecord, 'role' | 'passwordHash' | 'fullName' | 'contact' | 'disabled' | 'failedLogins' | 'lockedUntil'>>;

interface UserRow {
  username: string;
  role: Role;
  password_hash: string;
  full_name: string;
  contact: string;
  disabled: number;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
}

const COLUMNS: Record<keyof UserPatch, string> = {
  role: 'role',
  passwordHash: 'password_hash',
  fullName: 'full_name',
  contact: 'contact',
  disabled: 'disabled',
  failedLogins: 'failed_logins',
  lockedUntil: 'locked_until',
};

function toRecord(r: UserRow): UserRecord {
  return {
    username: r.username,
    role: r.role,
    passwordHash: r.password_hash,
    fullName: r.full_name,
    contact: r.contact,
    disabled: r.disabled !== 0,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class UsersRepo {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<[string], UserRow>;
  private readonly listStmt: Statement<[], UserRow>;
  private readonly countStmt: Statement<[], { n: number }>;
  private recordsRepo: AccountRecordsRepo | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO users (username, role, password_hash, full_name, contact, disabled, failed_logins, locked_until, created_at, updated_at)
       VALUES (@username, @role, @passwordHash, @fullName, @contact, 0, 0, NULL, @now, @now)`,
    );
    this.getStmt = db.prepare('SELECT * FROM users WHERE username = ?');
    this.listStmt = db.prepare('SELECT * FROM users ORDER BY username');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM users');
  }

  /** Throws (SQLite constraint) when the username exists. */
  create(u: { username: string; role: Role; passwordHash: string; fullName: string; contact: string }): UserRecord {
    this.insertStmt.run({ ...u, now: this.clock.now() });
    return this.get(u.username)!;
  }

  get(username: string): UserRecord | null {
    const r = this.getStmt.get(username);
    return r ? toRecord(r) : null;
  }

  list(): UserRecord[] {
    return this.listStmt.all().map(toRecord);
  }

  update(username: string, patch: UserPatch): void {
    const sets: string[] = [];
    const params: Record<string, unknown> = { username, now: this.clock.now() };
    for (const key of Object.keys(patch) as (keyof UserPatch)[]) {
      const value = patch[key];
      if (value === undefined || !(key in COLUMNS)) continue;
      sets.push(`${COLUMNS[key]} = @${key}`);
      params[key] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE users SET ${sets.join(', ')}, updated_at = @now WHERE username = @username`).run(params);
  }

  count(): number {
    return this.countStmt.get()!.n;
  }

  /** The account-policy records on the same database (training, review, supervisor right, corrections). */
  get records(): AccountRecordsRepo {
    this.recordsRepo ??= new AccountRecordsRepo(this.db, this.clock);
    return this.recordsRepo;
  }
}

/**
 * One training or certification item of an account (shasta 467.4 (d), sacramento-da IV.C.a):
 * `alpr_training`, `cjis_security`, `clets`, or an agency's own item name.
 */
export interface Qualification {
  item: string;
  completedAt: number;
  /** null = does not expire. */
  expiresAt: number | null;
  course: string;
  trainer: string;
  /** Certificate or authorisation number, as the agency records it. */
  certificate: string;
  recordedBy: string;
  recordedAt: number;
}

export type QualificationInput = Omit<Qualification, 'recordedAt'>;

/** What the account policies keep about an account besides its login record. */
export interface AccountStanding {
  username: string;
  /** May approve uses outside the agency's purpose list (a second account with that right). */
  supervisor: boolean;
  /** Last access review (or creation, for an account never reviewed). */
  reviewedAt: number;
  reviewedBy: string | null;
  qualifications: Qualification[];
}

/** A data error reported on a read: the original stays as it was; the correction sits beside it. */
export interface Correction {
  id: number;
  detectionId: string;
  hitId: number | null;
  originalText: string;
  correctedText: string;
  note: string;
  reportedBy: string;
  reportedAt: number;
}

interface QualificationRow {
  username: string;
  item: string;
  completed_at: number;
  expires_at: number | null;
  course: string;
  trainer: string;
  certificate: string;
  recorded_by: string;
  recorded_at: number;
}

interface CorrectionRow {
  id: number;
  detection_id: string;
  hit_id: number | null;
  original_text: string;
  corrected_text: string;
  note: string;
  reported_by: string;
  reported_at: number;
}

const toQualification = (r: QualificationRow): Qualification => ({
  item: r.item,
  completedAt: r.completed_at,
  expiresAt: r.expires_at,
  course: r.course,
  trainer: r.trainer,
  certificate: r.certificate,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at,
});

const toCorrection = (r: CorrectionRow): Correction => ({
  id: r.id,
  detectionId: r.detection_id,
  hitId: r.hit_id,
  originalText: r.original_text,
  correctedText: r.corrected_text,
  note: r.note,
  reportedBy: r.reported_by,
  reportedAt: r.reported_at,
});

/**
 * The account-policy records (migration 5): training and certification, access review, the
 * supervisor right, and data errors reported by accounts. Kept apart from `UsersRepo` so the
 * login record's port stays as it was; `UsersRepo.standing` hands this out.
 */
export class AccountRecordsRepo {
  private readonly standingStmt: Statement<[string], { username: string; supervisor: number; reviewed_at: number | null; reviewed_by: string | null; created_at: number }>;
  private readonly qualStmt: Statement<[string], QualificationRow>;
  private readonly upsertQualStmt: Statement;
  private readonly deleteQualStmt: Statement<[string, string]>;
  private readonly expiringStmt: Statement<[number], QualificationRow>;
  private readonly insertCorrectionStmt: Statement;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.standingStmt = db.prepare('SELECT username, supervisor, reviewed_at, reviewed_by, created_at FROM users WHERE username = ?');
    this.qualStmt = db.prepare('SELECT * FROM user_qualifications WHERE username = ? ORDER BY item');
    this.upsertQualStmt = db.prepare(
      `INSERT INTO user_qualifications (username, item, completed_at, expires_at, course, trainer, certificate, recorded_by, recorded_at)
       VALUES (@username, @item, @completedAt, @expiresAt, @course, @trainer, @certificate, @recordedBy, @now)
       ON CONFLICT (username, item) DO UPDATE SET completed_at = excluded.completed_at, expires_at = excluded.expires_at, course = excluded.course,
         trainer = excluded.trainer, certificate = excluded.certificate, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
    );
    this.deleteQualStmt = db.prepare('DELETE FROM user_qualifications WHERE username = ? AND item = ?');
    this.expiringStmt = db.prepare('SELECT * FROM user_qualifications WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, username');
    this.insertCorrectionStmt = db.prepare(
      `INSERT INTO corrections (detection_id, hit_id, original_text, corrected_text, note, reported_by, reported_at)
       VALUES (@detectionId, @hitId, @originalText, @correctedText, @note, @reportedBy, @now)`,
    );
  }

  standing(username: string): AccountStanding | null {
    const r = this.standingStmt.get(username);
    if (!r) return null;
    return {
      username: r.username,
      supervisor: r.supervisor !== 0,
      reviewedAt: r.reviewed_at ?? r.created_at,
      reviewedBy: r.reviewed_by,
      qualifications: this.qualStmt.all(username).map(toQualification),
    };
  }

  setQualification(username: string, q: QualificationInput): void {
    this.upsertQualStmt.run({ username, ...q, now: this.clock.now() });
  }

  /** Returns whether the account had that item. */
  removeQualification(username: string, item: string): boolean {
    return this.deleteQualStmt.run(username, item).changes > 0;
  }

  /** Items expiring (or expired) by `until`, with their accounts. */
  expiring(until: number): (Qualification & { username: string })[] {
    return this.expiringStmt.all(until).map((r) => ({ ...toQualification(r), username: r.username }));
  }

  markReviewed(username: string, by: string): void {
    this.db.prepare('UPDATE users SET reviewed_at = ?, reviewed_by = ? WHERE username = ?').run(this.clock.now(), by, username);
  }

  setSupervisor(username: string, supervisor: boolean): void {
    this.db.prepare('UPDATE users SET supervisor = ?, updated_at = ? WHERE username = ?').run(supervisor ? 1 : 0, this.clock.now(), username);
  }

  addCorrection(c: Omit<Correction, 'id' | 'reportedAt'>): Correction {
    const id = Number(this.insertCorrectionStmt.run({ ...c, now: this.clock.now() }).lastInsertRowid);
    return toCorrection(this.db.prepare<[number], CorrectionRow>('SELECT * FROM corrections WHERE id = ?').get(id)!);
  }

  /** Newest first; `text` matches the corrected or the original text exactly (upper case). */
  corrections(q: { detectionId?: string; text?: string; limit?: number }): Correction[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: Math.min(q.limit ?? 200, 1000) };
    if (q.detectionId !== undefined) {
      where.push('detection_id = @detectionId');
      params.detectionId = q.detectionId;
    }
    if (q.text !== undefined) {
      where.push('(corrected_text = @text OR original_text = @text)');
      params.text = q.text;
    }
    const sql = `SELECT * FROM corrections ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
    return this.db.prepare<[Record<string, unknown>], CorrectionRow>(sql).all(params).map(toCorrection);
  }
}
