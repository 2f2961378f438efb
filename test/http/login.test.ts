import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { addUser, auth, login, makeHarness, PASSWORD, type Harness } from './harness.js';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
let h: Harness;

beforeEach(async () => {
  clock.set(Date.UTC(2026, 5, 1, 8));
  h = await makeHarness({ clock, config: { login_max_failures: 5, login_lockout_min: 15, login_ip_max_failures: 8 } });
  await addUser(h, 'olive', 'operator');
});
afterAll(async () => {
  await h.app.close();
});

const attempt = (username: string, password: string, ip = '10.0.0.5') =>
  h.app.inject({ method: 'POST', url: '/api/login', remoteAddress: ip, payload: { username, password } });

describe('login', () => {
  test('sets an HttpOnly SameSite=Strict session cookie, not Secure over plain HTTP', async () => {
    const res = await attempt('olive', PASSWORD);
    expect(res.statusCode).toBe(200);
    const c = res.cookies.find((x) => x.name === 'alpr_session')!;
    expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(c.secure).toBeFalsy();
    expect(c.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('a wrong password and an unknown user get the same answer, and both are audited', async () => {
    const a = await attempt('olive', 'wrong password!');
    const b = await attempt('nobody', 'wrong password!');
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json()).toEqual(b.json());
    const failures = h.audit.rows.filter((r) => r.action === 'login.failure');
    expect(failures.map((r) => [r.user, r.details?.reason, r.ip])).toEqual([
      ['olive', 'wrong password', '10.0.0.5'],
      ['nobody', 'unknown user', '10.0.0.5'],
    ]);
  });

  test('a disabled account cannot log in', async () => {
    h.users.update('olive', { disabled: true });
    expect((await attempt('olive', PASSWORD)).statusCode).toBe(401);
  });
});

describe('brute force', () => {
  test('five wrong passwords lock the account: even the right one is refused until the lockout ends', async () => {
    for (let i = 0; i < 4; i++) expect((await attempt('olive', `guess-${i}-xxxxxx`)).statusCode).toBe(401);
    const fifth = await attempt('olive', 'guess-5-xxxxxx');
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json()).toMatchObject({ error: 'HTTP_ACCOUNT_LOCKED' });
    expect((await attempt('olive', PASSWORD, '10.0.0.6')).statusCode).toBe(429);
    expect(h.audit.actions()).toContain('account.locked');

    clock.advance(15 * 60_000 + 1);
    expect((await attempt('olive', PASSWORD, '10.0.0.6')).statusCode).toBe(200);
    expect(h.users.get('olive')).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  test('one address guessing across many user names is refused after the address limit', async () => {
    for (let i = 0; i < 8; i++) await addUser(h, `user${i}`, 'operator');
    for (let i = 0; i < 8; i++) await attempt(`user${i}`, 'not the password');
    const res = await attempt('olive', PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ error: 'HTTP_ADDRESS_THROTTLED' });
    // Another address is not affected.
    expect((await attempt('olive', PASSWORD, '10.0.0.99')).statusCode).toBe(200);
  });
});

describe('sessions', () => {
  test('logout ends the session and is audited', async () => {
    const l = await login(h.app, 'olive');
    expect((await h.app.inject({ method: 'POST', url: '/api/logout', headers: auth(l) })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/me', headers: auth(l) })).statusCode).toBe(401);
    expect(h.audit.actions()).toEqual(['login.success', 'logout']);
  });

  test('a session ends after the idle timeout, and at the latest after session_max_h', async () => {
    const l = await login(h.app, 'olive');
    clock.advance(59 * 60_000);
    expect((await h.app.inject({ url: '/api/me', headers: auth(l) })).statusCode).toBe(200);
    clock.advance(61 * 60_000);
    expect((await h.app.inject({ url: '/api/me', headers: auth(l) })).statusCode).toBe(401);

    // Busy all shift: a request every 30 min keeps it alive until 12 h after login, not beyond.
    const busy = await login(h.app, 'olive');
    for (let i = 0; i < 24; i++) {
      clock.advance(30 * 60_000);
      expect((await h.app.inject({ url: '/api/me', headers: auth(busy) })).statusCode).toBe(200);
    }
    clock.advance(60_000);
    expect((await h.app.inject({ url: '/api/me', headers: auth(busy) })).statusCode).toBe(401);
  });
});

describe('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alpr-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('with certificate and key configured, the session cookie is Secure', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const tls = await makeHarness({ config: { host: '0.0.0.0', tls_cert_file: cert, tls_key_file: key } });
    await addUser(tls, 'olive', 'operator');
    const res = await tls.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'olive', password: PASSWORD } });
    expect(res.cookies.find((c) => c.name === 'alpr_session')?.secure).toBe(true);
    await tls.app.close();
  });

  test('an unreadable certificate file stops the build with the file named', async () => {
    await expect(makeHarness({ config: { host: '0.0.0.0', tls_cert_file: join(dir, 'missing.pem'), tls_key_file: join(dir, 'missing.key') } })).rejects.toThrow(/missing\.pem/);
  });
});
