/**
 * The agency's people at the central: bearer tokens issued by `alpr-edge central staff issue NAME
 * --role admin|officer|metrics`, kept as SHA-256 only (as device tokens are). A browser signs in
 * by posting its token once to /admin/login, which sets it as an HttpOnly, SameSite=Strict cookie;
 * scripts and Prometheus send it as `Authorization: Bearer`. Receivers are stateless, so there is
 * no server-side session to share: every receiver checks the token itself (cached `cache_s`).
 *
 * Roles: admin (fleet health, hot plates, search, releases), officer (search, hot plates),
 * metrics (GET /metrics only).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

export type StaffRole = 'admin' | 'officer' | 'metrics';
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'officer', 'metrics'];

export interface Staff {
  name: string;
  role: StaffRole;
}

export const STAFF_COOKIE = 'alpr_central_staff';
const TOKEN_PREFIX = 'alprs_';
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class StaffTokens {
  private readonly cache = new Map<string, { staff: Staff | null; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(name: string, role: StaffRole): Promise<string> {
    if (!NAME.test(name)) throw new Error('staff name must be 1-64 characters A-Z a-z 0-9 . _ @ -');
    if (!STAFF_ROLES.includes(role)) throw new Error(`role must be one of ${STAFF_ROLES.join(', ')}`);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    await this.pool.query('INSERT INTO staff_tokens (token_sha256, name, role) VALUES ($1, $2, $3)', [sha256(token), name, role]);
    return token;
  }

  async revoke(name: string): Promise<number> {
    const r = await this.pool.query('UPDATE staff_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL', [name]);
    this.cache.clear();
    return r.rowCount ?? 0;
  }

  async list(): Promise<{ name: string; role: StaffRole; issuedAt: Date; revokedAt: Date | null; fingerprint: string }[]> {
    const r = await this.pool.query<{ name: string; role: StaffRole; issued_at: Date; revoked_at: Date | null; token_sha256: string }>(
      'SELECT name, role, issued_at, revoked_at, token_sha256 FROM staff_tokens ORDER BY name, issued_at',
    );
    return r.rows.map((x) => ({ name: x.name, role: x.role, issuedAt: x.issued_at, revokedAt: x.revoked_at, fingerprint: x.token_sha256.slice(0, 8) }));
  }

  /** Who holds a live token, or null. Device tokens never pass here (another table, another prefix). */
  async staffOf(token: string): Promise<Staff | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const key = sha256(token);
    const t = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > t) return hit.staff;
    const r = await this.pool.query<{ name: string; role: StaffRole }>('SELECT name, role FROM staff_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL', [key]);
    const staff = r.rows[0] ? { name: r.rows[0].name, role: r.rows[0].role } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { staff, until: t + this.cacheMs });
    return staff;
  }
}

/** The staff token a request carries: `Authorization: Bearer`, else the sign-in cookie. */
export function requestToken(headers: { authorization?: string | undefined; cookie?: string | undefined }): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (m) return m[1]!;
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === STAFF_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}
