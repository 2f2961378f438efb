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
}
