/**
 * Login sessions, in memory: a restart logs everyone out, which is the safe direction. Expiry is
 * checked when a session is used (no timers), with an idle limit and an absolute limit of one
 * shift; the table is bounded and drops the oldest session when full.
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
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly clock: Clock,
  ) {}

  create(user: { username: string; role: Role; fullName: string; passwordHash: string }, ip: string | null): Session {
    this.sweep();
    while (this.sessions.size >= this.limits.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
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
    return session;
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
    this.sessions.delete(id);
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
