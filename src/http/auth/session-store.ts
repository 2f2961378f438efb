/**
 * Login sessions, in memory: a restart logs everyone out, which is the safe direction. Expiry is
 * checked when a session is used (no timers), with an idle limit and an absolute limit of one
 * shift. The table is bounded two ways: one account holding `maxPerUser` sessions ends its own
 * oldest to open another, and a full table refuses a new login rather than end someone else's
 * session (one account logging in 64 times used to log everyone else out).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type { Role } from '../ports.js';

export interface Session {
  /** 256 random bits, base64url: the cookie value. */
  id: string;
  username: string;
  role: Role;
  fullName: string;
  /** Sent back by the page in `X-CSRF-Token` on every state change. */
  csrf: string;
  createdAt: number;
  lastSeen: number;
  ip: string | null;
  /** Fingerprint of the password hash at login: a changed password ends the session. */
  stamp: string;
}

export interface SessionLimits {
  idleMs: number;
  maxAgeMs: number;
  maxSessions: number;
  maxPerUser: number;
}

export type CreateResult = { ok: true; session: Session; evicted: Session[] } | { ok: false };

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly endListeners = new Set<(sessionId: string) => void>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly clock: Clock,
  ) {}

  create(user: { username: string; role: Role; fullName: string; passwordHash: string }, ip: string | null): CreateResult {
    this.sweep();
    const own = [...this.sessions.values()].filter((x) => x.username === user.username);
    const evicted: Session[] = [];
    while (own.length >= this.limits.maxPerUser) {
      const oldest = own.shift()!;
      this.sessions.delete(oldest.id);
      evicted.push(oldest);
    }
    if (this.sessions.size >= this.limits.maxSessions) return { ok: false };
    const now = this.clock.now();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      username: user.username,
      role: user.role,
      fullName: user.fullName,
      csrf: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeen: now,
      ip,
      stamp: credentialStamp(user.passwordHash),
    };
    this.sessions.set(session.id, session);
    return { ok: true, session, evicted };
  }

  /** The live session for a cookie value, or null; `touch` counts the request as activity. */
  get(id: string | undefined, touch = true): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (this.expired(s)) {
      this.sessions.delete(id);
      return null;
    }
    if (touch) s.lastSeen = this.clock.now();
    return s;
  }

  destroy(id: string): void {
    if (!this.sessions.delete(id)) return;
    for (const l of this.endListeners) l(id);
  }

  /**
   * Ends every session of an account at once (disabled, role or password changed in the
   * station): its open event streams close now instead of at their next check.
   */
  endSessionsOf(username: string): number {
    const ids = [...this.sessions.values()].filter((x) => x.username === username).map((x) => x.id);
    for (const id of ids) this.destroy(id);
    return ids.length;
  }

  /**
   * Hook for long-lived connections (the event stream, routes/events.ts): told at once when a
   * session is destroyed (logout, an account change found by access control). Expiry and
   * eviction are found by the holder's own periodic `get`. Returns the unsubscribe function.
   */
  onSessionEnd(listener: (sessionId: string) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(s: Session): boolean {
    const now = this.clock.now();
    return now - s.lastSeen > this.limits.idleMs || now - s.createdAt > this.limits.maxAgeMs;
  }

  private sweep(): void {
    for (const [id, s] of this.sessions) if (this.expired(s)) this.sessions.delete(id);
  }
}

export function credentialStamp(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
