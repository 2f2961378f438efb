import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { addUser, auth, login, makeHarness, PASSWORD, type Harness } from './harness.js';
import { tempDir } from '../helpers/temp-dir.js';

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

const LOCAL = '127.0.0.1';
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
  test('60 simultaneous wrong guesses (bug: all evaluated, the account ended with failed_logins = 1): each is counted before hashing, at most login_max_failures are evaluated', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt('olive', `guess-${i}-xxxxxx`)));
    const evaluated = answers.filter((r) => r.statusCode === 401).length;
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(5);
    expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(60 - evaluated);
    expect(h.users.get('olive')!.failedLogins).toBe(evaluated);
    expect(h.audit.rows.filter((r) => r.action === 'login.failure')).toHaveLength(evaluated);
  });

  test('after login_max_failures the wait doubles, capped at login_max_delay_s; the right password then works (no long lockout)', async () => {
    // From the MDC itself (loopback): no per-address wall there, only the per-account delay.
    for (let i = 0; i < 5; i++) expect((await attempt('olive', `guess-${i}-xxxxxx`, LOCAL)).statusCode).toBe(401);
    const early = await attempt('olive', PASSWORD, LOCAL);
    expect(early.statusCode).toBe(429);
    expect(early.json()).toMatchObject({ error: 'HTTP_LOGIN_DELAYED' });
    expect(early.headers['retry-after']).toBe('1');
    expect(h.audit.actions()).toContain('account.throttled');
    // Keep guessing each time the wait is over: the wait grows 1, 2, 4 ... s, never past 60 s.
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await attempt('olive', 'still wrong!!', LOCAL);
      if (r.statusCode === 429) {
        const s = Number(r.headers['retry-after']);
        waits.push(s);
        clock.advance(s * 1000);
        expect((await attempt('olive', 'still wrong!!', LOCAL)).statusCode).toBe(401);
      }
    }
    expect(waits.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(Math.max(...waits)).toBe(60);
    clock.advance(60_000);
    expect((await attempt('olive', PASSWORD, LOCAL)).statusCode).toBe(200);
    expect(h.users.get('olive')).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  test('a known and an unknown user name get the same answers all the way (bug: the lockout revealed which names exist)', async () => {
    const run = async (name: string): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await attempt(name, 'wrong password!', '10.0.0.40');
        out.push(`${r.statusCode} ${r.body}`);
      }
      return out;
    };
    const known = await run('olive');
    clock.advance(3600_000);
    expect(await run('nobody')).toEqual(known);
  });

  test('failures past the address limit from 127.0.0.1 do not lock other local users out (bug: one wall for the loopback MDC), and 127.x is the same machine', async () => {
    await addUser(h, 'ursula', 'operator');
    for (let i = 0; i < 10; i++) await attempt(`ghost${i}`, 'not the password', '127.0.0.1');
    expect((await attempt('olive', PASSWORD, '127.0.0.1')).statusCode).toBe(200);
    expect((await attempt('ursula', PASSWORD, '127.0.0.2')).statusCode).toBe(200);
  });

  test('refused attempts are counted, and only a sample of them is audited (bug: ~139 permanent rows a second)', async () => {
    for (let i = 0; i < 5; i++) await attempt('olive', `guess-${i}-xxxxxx`, '127.0.0.1');
    const before = h.audit.rows.length;
    for (let i = 0; i < 100; i++) expect((await attempt('olive', 'guess again!!', '127.0.0.1')).statusCode).toBe(429);
    const sampled = h.audit.rows.slice(before);
    expect(sampled.map((r) => r.action)).toEqual(['login.refused']);
    clock.advance(60_000);
    // The next sample is written after the window, with the count of those left out.
    await attempt('olive', 'guess again!!', '127.0.0.1');
    await attempt('olive', 'guess again!!', '127.0.0.1');
    const refusedRows = h.audit.rows.filter((r) => r.action === 'login.refused');
    expect(refusedRows.at(-1)!.details).toMatchObject({ notRecordedBefore: 99 });
    expect(h.registry.snapshot().units.find((u) => u.name === 'http')!.counters.login_refusals).toBeGreaterThanOrEqual(101);
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

describe('session limits (bug: one account logging in 64 times logged everyone else out, unaudited)', () => {
  test("an account past its own limit ends its own oldest session, audited; a full table refuses new logins and ends nobody else's", async () => {
    const small = await makeHarness({ clock, config: { max_sessions: 4, max_sessions_per_user: 2 } });
    for (const name of ['olive', 'adam', 'bob']) await addUser(small, name, 'operator');
    const adam = await login(small.app, 'adam');
    const olive: { cookie: string; csrf: string }[] = [];
    for (let i = 0; i < 5; i++) olive.push(await login(small.app, 'olive'));
    const me = async (l: { cookie: string; csrf: string }) => (await small.app.inject({ url: '/api/me', headers: auth(l) })).statusCode;
    expect(await me(adam)).toBe(200);
    expect(await me(olive[0]!)).toBe(401);
    expect(await me(olive[4]!)).toBe(200);
    expect(small.audit.actions().filter((a) => a === 'session.ended')).toHaveLength(3);
    await login(small.app, 'bob');
    // Table full (adam 1, olive 2, bob 1): bob's second login is refused, nobody is logged out.
    const full = await small.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'bob', password: PASSWORD } });
    expect(full.statusCode).toBe(503);
    expect(full.json()).toMatchObject({ error: 'HTTP_TOO_MANY_SESSIONS' });
    expect(await me(adam)).toBe(200);
    expect(small.audit.rows.at(-1)).toMatchObject({ action: 'login.refused', user: 'bob' });
    await small.app.close();
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
  const dir = tempDir('alpr-tls-');

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

describe('Host header (bug: DNS rebinding reached the login)', () => {
  test('only configured names are answered; a rebinding page is refused before the login', async () => {
    const named = await makeHarness({ clock, config: { allowed_hosts: ['mdc-12.pd.local'] } });
    await addUser(named, 'olive', 'operator');
    const post = (host: string) => named.app.inject({ method: 'POST', url: '/api/login', headers: { host }, payload: { username: 'olive', password: PASSWORD } });
    expect((await post('evil.example')).statusCode).toBe(421);
    expect((await post('evil.example:8080')).json()).toMatchObject({ error: 'HTTP_HOST_REFUSED' });
    expect((await named.app.inject({ url: '/login', headers: { host: 'attacker.test' } })).statusCode).toBe(421);
    for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'MDC-12.pd.local', 'mdc-12.pd.local:8080']) {
      expect((await post(host)).statusCode, host).toBe(200);
    }
    await named.app.close();
  });
});
