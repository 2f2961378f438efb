import { describe, expect, test, vi } from 'vitest';
import { AuditTrail } from '../../src/http/audit-trail.js';
import { AddressThrottle } from '../../src/http/auth/address-throttle.js';
import { Authenticator } from '../../src/http/auth/authenticator.js';
import { addressKey, delayAfter, LoginGuard } from '../../src/http/auth/login-guard.js';
import { RefusalSampler } from '../../src/http/auth/refusal-sampler.js';
import { SessionStore } from '../../src/http/auth/session-store.js';
import { ManualClock } from '../../src/shared/clock.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { MemoryAudit, MemoryUsers } from './doubles.js';

/** An Authenticator whose password checks wait until the test lets them finish. */
function gated() {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
  const users = new MemoryUsers(clock);
  const audit = new MemoryAudit(clock);
  const registry = new StatusRegistry(clock);
  const reporter = registry.reporter('http', 'http');
  const pending: ((ok: boolean) => void)[] = [];
  const auth = new Authenticator({
    users,
    sessions: new SessionStore({ idleMs: 3600_000, maxAgeMs: 12 * 3600_000, maxSessions: 64, maxPerUser: 4 }, clock),
    throttle: new AddressThrottle(1000, 60_000, clock),
    guard: new LoginGuard({ freeFailures: 100, baseDelayMs: 1000, maxDelayMs: 60_000, hashesPerAccount: 2, hashesPerAddress: 4 }),
    refusals: new RefusalSampler(60_000, clock),
    audit: new AuditTrail(audit, reporter),
    clock,
    reporter,
    verify: () => new Promise<boolean>((resolve) => pending.push(resolve)),
  });
  users.create({ username: 'olive', role: 'operator', passwordHash: 'scrypt$12$8$1$x$y', fullName: 'Olive', contact: '' });
  return { auth, users, pending };
}

describe('concurrent hashing is bounded', () => {
  test('per account: 60 simultaneous attempts start 2 hashes; the other 58 are refused at once, unhashed', async () => {
    const g = gated();
    const results = Array.from({ length: 60 }, (_, i) => g.auth.login('olive', `guess ${i}`, `10.0.${i}.1`));
    // Every attempt has been decided or is hashing before any hash finishes.
    const settled = await Promise.all(results.slice(2));
    expect(g.pending).toHaveLength(2);
    expect(settled.every((r) => !r.ok && r.code === 'HTTP_LOGIN_BUSY')).toBe(true);
    // Both attempts in flight were counted before their hash started.
    expect(g.users.get('olive')!.failedLogins).toBe(2);
    for (const p of g.pending) p(false);
    expect(await Promise.all(results.slice(0, 2))).toEqual([{ ok: false, code: 'HTTP_LOGIN_FAILED' }, { ok: false, code: 'HTTP_LOGIN_FAILED' }]);
    expect(g.users.get('olive')!.failedLogins).toBe(2);
  });

  test('per address: one client guessing many names holds at most 4 hashes', async () => {
    const g = gated();
    const results = Array.from({ length: 20 }, (_, i) => g.auth.login(`name${i}`, 'guess', '203.0.113.9'));
    const refused = await Promise.all(results.slice(4));
    // Unknown names hash against a decoy that is made first: wait for the 4 checks to start.
    await vi.waitFor(() => expect(g.pending).toHaveLength(4), { timeout: 60_000, interval: 20 });
    expect(refused.every((r) => !r.ok && r.code === 'HTTP_LOGIN_BUSY')).toBe(true);
    for (const p of g.pending) p(false);
    await Promise.all(results.slice(0, 4));
  });
});

describe('policy', () => {
  test.each([
    [4, 0],
    [5, 1000],
    [6, 2000],
    [10, 32_000],
    [11, 60_000],
    [500, 60_000],
  ])('after %i failures the next attempt waits %i ms', (failures, ms) => {
    expect(delayAfter(failures, { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60_000 })).toBe(ms);
  });

  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:DB8::1', '2001:db8::1'],
    [null, 'unknown'],
  ])('address %s counts as %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});
