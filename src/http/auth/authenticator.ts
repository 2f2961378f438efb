/**
 * Login and logout: password check, account lockout kept on the account (it survives a restart),
 * a per-address limit, and an audit row for every attempt (roseville 426.8 (a)).
 */
import type { Clock } from '../../shared/clock.js';
import type { StatusReporter } from '../../status/registry.js';
import type { AuditTrail } from '../audit-trail.js';
import type { UsersPort } from '../ports.js';
import type { AddressThrottle } from './address-throttle.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Session, SessionStore } from './session-store.js';

export type LoginResult =
  | { ok: true; session: Session }
  | { ok: false; code: 'HTTP_LOGIN_FAILED' | 'HTTP_ADDRESS_THROTTLED' }
  | { ok: false; code: 'HTTP_ACCOUNT_LOCKED'; until: number };

export interface AuthenticatorDeps {
  users: UsersPort;
  sessions: SessionStore;
  throttle: AddressThrottle;
  audit: AuditTrail;
  clock: Clock;
  reporter: StatusReporter;
  maxFailures: number;
  lockoutMs: number;
}

export class Authenticator {
  /** Checked against for unknown user names, so they take as long as wrong passwords. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly d: AuthenticatorDeps) {}

  async login(username: string, password: string, ip: string | null): Promise<LoginResult> {
    const { users, clock, audit } = this.d;
    const addr = ip ?? 'unknown';
    const now = clock.now();
    if (this.d.throttle.blocked(addr)) {
      audit.record({ user: username, action: 'login.failure', ip, details: { reason: 'address throttled' } });
      this.d.reporter.count('login_failures');
      return { ok: false, code: 'HTTP_ADDRESS_THROTTLED' };
    }
    const user = users.get(username);
    if (user && user.lockedUntil !== null && user.lockedUntil > now) {
      this.d.throttle.fail(addr);
      audit.record({ user: username, action: 'login.failure', ip, details: { reason: 'account locked' } });
      this.d.reporter.count('login_failures');
      return { ok: false, code: 'HTTP_ACCOUNT_LOCKED', until: user.lockedUntil };
    }
    this.decoy ??= hashPassword('decoy password never used');
    const good = user ? await verifyPassword(password, user.passwordHash) : (await verifyPassword(password, await this.decoy), false);
    if (!user || !good || user.disabled) {
      this.d.throttle.fail(addr);
      this.d.reporter.count('login_failures');
      const reason = !user ? 'unknown user' : !good ? 'wrong password' : 'account disabled';
      audit.record({ user: username, action: 'login.failure', ip, details: { reason } });
      if (user && !good) {
        const failed = user.failedLogins + 1;
        if (failed >= this.d.maxFailures) {
          const until = clock.now() + this.d.lockoutMs;
          users.update(username, { failedLogins: failed, lockedUntil: until });
          audit.record({ user: username, action: 'account.locked', object: username, ip, details: { failedLogins: failed, until: new Date(until).toISOString() } });
          return { ok: false, code: 'HTTP_ACCOUNT_LOCKED', until };
        }
        users.update(username, { failedLogins: failed });
      }
      return { ok: false, code: 'HTTP_LOGIN_FAILED' };
    }
    if (user.failedLogins !== 0 || user.lockedUntil !== null) users.update(username, { failedLogins: 0, lockedUntil: null });
    this.d.throttle.succeed(addr);
    audit.record({ user: username, action: 'login.success', ip, details: { role: user.role } });
    this.d.reporter.count('logins');
    return { ok: true, session: this.d.sessions.create(user, ip) };
  }

  logout(session: Session, ip: string | null): void {
    this.d.sessions.destroy(session.id);
    this.d.audit.record({ user: session.username, action: 'logout', ip });
  }
}
