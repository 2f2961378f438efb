/**
 * Per-device bearer tokens. Only the token's SHA-256 is stored; the token itself is shown once,
 * when issued. Revoking marks every live token of the device; receivers re-check a token at
 * most `cache_s` seconds after they last looked, so that is the longest a revoked device can
 * still deliver (and 0 makes every request look it up).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

export interface TokenInfo {
  deviceId: string;
  issuedAt: Date;
  revokedAt: Date | null;
  /** First 8 hex characters of the token's SHA-256, to tell tokens apart without revealing them. */
  fingerprint: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class DeviceTokens {
  private readonly cache = new Map<string, { device: string | null; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token for the device (earlier tokens stay valid until revoked). */
  async issue(deviceId: string): Promise<string> {
    if (!DEVICE_ID.test(deviceId)) throw new Error('device id must be 1-64 characters A-Z a-z 0-9 . _ -');
    const token = `alpr_${randomBytes(32).toString('base64url')}`;
    await this.pool.query('INSERT INTO device_tokens (token_sha256, device_id) VALUES ($1, $2)', [sha256(token), deviceId]);
    return token;
  }

  /** Revokes every live token of the device; returns how many. */
  async revoke(deviceId: string): Promise<number> {
    const r = await this.pool.query('UPDATE device_tokens SET revoked_at = now() WHERE device_id = $1 AND revoked_at IS NULL', [deviceId]);
    this.cache.clear();
    return r.rowCount ?? 0;
  }

  async list(): Promise<TokenInfo[]> {
    const r = await this.pool.query<{ device_id: string; issued_at: Date; revoked_at: Date | null; token_sha256: string }>(
      'SELECT device_id, issued_at, revoked_at, token_sha256 FROM device_tokens ORDER BY device_id, issued_at',
    );
    return r.rows.map((x) => ({ deviceId: x.device_id, issuedAt: x.issued_at, revokedAt: x.revoked_at, fingerprint: x.token_sha256.slice(0, 8) }));
  }

  /** The device a live token belongs to, or null. */
  async deviceOf(token: string): Promise<string | null> {
    const key = sha256(token);
    const t = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > t) return hit.device;
    const r = await this.pool.query<{ device_id: string }>('SELECT device_id FROM device_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL', [key]);
    const device = r.rows[0]?.device_id ?? null;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(key, { device, until: t + this.cacheMs });
    return device;
  }
}
