/**
 * Login and logout: password check, a growing per-account delay after repeated failures (kept on
 * the account, so a restart does not reset it), bounded concurrent hashing, a per-address limit
 * for remote addresses, and an audit row for every evaluated attempt (roseville 426.8 (a)).
 * The rules and why they hold under concurrency are in `login-guard.ts`.
 */
import type { Clock } from '../../shared/clock.js';
import type { StatusReporter } from '../../status/registry.js';
import type { AuditTrail } from '../audit-trail.js';
import type { UsersPort } from '../ports.js';
import { describeUnmet, unmetItems, type AccountsDeps } from '../../accounts/account-policy.js';
import type { AddressThrottle } from './address-throttle.js';
import { addressKey, type AccountState, type LoginGuard } from './login-guard.js';
import { hashPassword, verifyPassword } from '../../accounts/password.js';
import type { RefusalSampler } from './refusal-sampler.js';
import type { Session, SessionStore } from './session-store.js';

export type LoginResult =
  | { ok: true; session: Session }
  | { ok: false; code: 'HTTP_LOGIN_FAILED' | 'HTTP_ADDRESS_THROTTLED' | 'HTTP_LOGIN_BUSY' | 'HTTP_TOO_MANY_SESSIONS' }
  | { ok: false; code: 'HTTP_LOGIN_DELAYED'; retryAfterS: number }
  | { ok: false; code: 'HTTP_LOGIN_UNQUALIFIED'; detail: string };

export interface AuthenticatorDeps {
  users: UsersPort;
  sessions: SessionStore;
  throttle: AddressThrottle;
  guard: LoginGuard;
  refusals: RefusalSampler;
  audit: AuditTrail;
  clock: Clock;
  reporter: StatusReporter;
  /**
   * The agency's training and certification rules: the right password of an account that lacks a
   * required item, or holds it expired, still does not log in. Absent = nothing required.
   */
  accounts?: AccountsDeps;
  /** The password check (scrypt); replaceable so a test can hold hashes in flight. */
  verify?: (password: string, stored: string) => Promise<boolean>;
}

export class Authenticator {
  /** Checked against for unknown user names, so they take as long as wrong passwords. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly d: AuthenticatorDeps) {}

  async login(username: string, password: string, ip: string | null): Promise<LoginResult> {
    const { users, clock, audit, guard } = this.d;
    const addr = addressKey(ip);
    const now = clock.now();
    // Loopback is the MDC itself: a wall per address there would lock every local officer out.
    if (addr !== 'loopback' && this.d.throttle.blocked(addr)) return this.refuse(username, ip, addr, 'address throttled', { ok: false, code: 'HTTP_ADDRESS_THROTTLED' });

    const user = users.get(username);
    const state: AccountState = user ? { failures: user.failedLogins, notBefore: user.lockedUntil } : guard.unknownState(username);
    if (state.notBefore !== null && state.notBefore > now) {
      const retryAfterS = Math.ceil((state.notBefore - now) / 1000);
      return this.refuse(username, ip, addr, 'too early after failures', { ok: false, code: 'HTTP_LOGIN_DELAYED', retryAfterS });
    }
    if (!guard.acquire(username, addr)) return this.refuse(username, ip, addr, 'too many attempts in progress', { ok: false, code: 'HTTP_LOGIN_BUSY' });

    // Reserve: the attempt counts as a failure (with the delay that implies) before the hash
    // starts, and is taken back only if the password proves right.
    const reserved = guard.next(state, now);
    if (user) users.update(username, { failedLogins: reserved.failures, lockedUntil: reserved.notBefore });
    else guard.setUnknownState(username, reserved);

    let good: boolean;
    try {
      this.decoy ??= hashPassword('decoy password never used');
      const verify = this.d.verify ?? verifyPassword;
      good = user ? await verify(password, user.passwordHash) : (await verify(password, await this.decoy), false);
    } finally {
      guard.release(username, addr);
    }
    if (!user || !good || user.disabled) {
      if (addr !== 'loopback') this.d.throttle.fail(addr);
      this.d.reporter.count('login_failures');
      const reason = !user ? 'unknown user' : !good ? 'wrong password' : 'account disabled';
      audit.record({ user: username, action: 'login.failure', ip, details: { reason, failures: reserved.failures } });
      if (reserved.notBefore !== null && state.notBefore === null) {
        audit.record({ user: username, action: 'account.throttled', object: username, ip, details: { failures: reserved.failures } });
      }
      return { ok: false, code: 'HTTP_LOGIN_FAILED' };
    }
    // Checked after the password, so the answer tells nothing to someone who does not know it.
    const accounts = this.d.accounts;
    const unmet = accounts ? unmetItems(user.role, accounts.records.standing(username), accounts.config.required_items, now) : [];
    if (unmet.length) {
      users.update(username, { failedLogins: 0, lockedUntil: null });
      const detail = describeUnmet(unmet);
      this.d.reporter.count('login_refusals');
      audit.record({ user: username, action: 'login.refused', ip, details: { reason: 'training or certification', items: unmet.map((u) => `${u.item} ${u.problem}`) } });
      return { ok: false, code: 'HTTP_LOGIN_UNQUALIFIED', detail };
    }
    const session = this.d.sessions.create(user, ip);
    if (!session.ok) {
      users.update(username, { failedLogins: 0, lockedUntil: null });
      audit.record({ user: username, action: 'login.refused', ip, details: { reason: 'session table full' } });
      return { ok: false, code: 'HTTP_TOO_MANY_SESSIONS' };
    }
    users.update(username, { failedLogins: 0, lockedUntil: null });
    if (addr !== 'loopback') this.d.throttle.succeed(addr);
    audit.record({ user: username, action: 'login.success', ip, details: { role: user.role } });
    for (const old of session.evicted) {
      audit.record({ user: username, action: 'session.ended', ip, details: { reason: 'per-user session limit', startedAt: new Date(old.createdAt).toISOString() } });
    }
    this.d.reporter.count('logins');
    return { ok: true, session: session.session };
  }

  logout(session: Session, ip: string | null): void {
    this.d.sessions.destroy(session.id);
    this.d.audit.record({ user: session.username, action: 'logout', ip });
  }

  /** A refusal before any password check: counted always, audited as a sample. */
  private refuse<R extends LoginResult>(username: string, ip: string | null, addr: string, reason: string, result: R): R {
    this.d.reporter.count('login_refusals');
    const sample = this.d.refusals.sample(`${reason}|${addr}`);
    if (sample) this.d.audit.record({ user: username, action: 'login.refused', ip, details: { reason, notRecordedBefore: sample.suppressed } });
    return result;
  }
}
