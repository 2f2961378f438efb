import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addUser, auth, login, makeHarness, type Harness, type Login } from './harness.js';

const DET_ID = '01890f3e-1c2d-7abc-8def-0123456789ab';

/** A concrete URL for a route pattern, with parameters that pass validation. */
function concrete(url: string): string {
  return url
    .replace(':name', 'app.js')
    .replace('/api/cameras/:id', '/api/cameras/front')
    .replace('/api/detections/:id', `/api/detections/${DET_ID}`)
    .replace('/api/hits/:id', '/api/hits/1')
    .replace('/api/hotlist/local/:id', '/api/hotlist/local/local:1');
}

/** The only routes that answer without a login. Adding one here is a decision, not an accident. */
const PUBLIC = ['GET /assets/:name', 'HEAD /assets/:name', 'GET /login', 'HEAD /login', 'POST /api/login', 'GET /api/health', 'HEAD /api/health'];

const TOKEN = 'scrape-token-0123456789-abcdefghijklmnopqrstuvwxyz';
let h: Harness;
const logins: Record<string, Login> = {};

beforeAll(async () => {
  h = await makeHarness({ config: { monitor_token: TOKEN } });
  await addUser(h, 'olive', 'operator');
  await addUser(h, 'adam', 'administrator');
  await addUser(h, 'audrey', 'auditor');
  for (const u of ['olive', 'adam', 'audrey']) logins[u] = await login(h.app, u);
});
afterAll(async () => {
  await h.app.close();
});

describe('every route', () => {
  test('only the declared public routes answer without a login', () => {
    const open = h.app.accessTable.filter((r) => r.access.kind === 'public').map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  test('all other routes refuse an anonymous request (401, or a redirect to the login page for pages)', async () => {
    const guarded = h.app.accessTable.filter((r) => r.access.kind !== 'public');
    expect(guarded.length).toBeGreaterThan(40);
    for (const r of guarded) {
      const res = await h.app.inject({ method: r.method as 'GET', url: concrete(r.url), payload: r.method === 'POST' ? {} : undefined });
      if (r.page && (r.method === 'GET' || r.method === 'HEAD')) {
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(303);
        expect(res.headers.location).toMatch(/^\/login\?next=/);
      } else {
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      }
    }
  });

  test('a route registered without an access rule fails the build', async () => {
    const fresh = await makeHarness();
    expect(() => fresh.app.get('/api/unguarded', (_req, reply) => reply.send({ secret: true }))).toThrow(/declares no access rule/);
    await fresh.app.close();
  });

  test('a forged session cookie is treated as no session', async () => {
    const res = await h.app.inject({ url: '/api/me', headers: { cookie: 'alpr_session=forged-value' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('roles', () => {
  test.each([
    ['olive', 'GET', '/api/audit', 403],
    ['olive', 'GET', '/api/audit/export.csv', 403],
    ['olive', 'POST', '/api/releases', 403],
    ['olive', 'POST', '/api/releases/1/approve', 403],
    ['audrey', 'POST', '/api/releases/1/approve', 403],
    ['olive', 'POST', `/api/detections/${DET_ID}/hold`, 403],
    ['audrey', 'POST', '/api/search', 403],
    ['audrey', 'GET', '/api/events', 403],
    ['audrey', 'GET', `/api/detections/${DET_ID}/plate.jpg`, 403],
    ['audrey', 'GET', '/api/reads/recent', 403],
    ['audrey', 'POST', '/api/hotlist/local', 403],
    ['audrey', 'GET', '/search', 403],
    ['audrey', 'GET', '/api/audit', 200],
    ['adam', 'GET', '/api/audit', 200],
    ['olive', 'GET', '/api/reads/recent', 200],
  ])('%s: %s %s → %i', async (user, method, url, code) => {
    const res = await h.app.inject({ method: method as 'GET', url, headers: auth(logins[user]!), payload: method === 'POST' ? {} : undefined });
    expect(res.statusCode).toBe(code);
    if (code === 403) expect(res.json()).toMatchObject({ error: 'HTTP_FORBIDDEN_ROLE' });
  });
});

describe('CSRF', () => {
  test('a state change without the CSRF token is refused', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/shift/ack', headers: auth(logins.olive!, false), payload: { equipmentInspected: true } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'HTTP_CSRF_REJECTED' });
  });

  test("a state change with another session's token is refused", async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/shift/ack',
      headers: { cookie: logins.olive!.cookie, 'x-csrf-token': logins.adam!.csrf },
      payload: { equipmentInspected: true },
    });
    expect(res.statusCode).toBe(403);
  });

  test('the same state change with the token is accepted', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/shift/ack', headers: auth(logins.olive!), payload: { equipmentInspected: true } });
    expect(res.statusCode).toBe(200);
  });

  test('a cross-site login post is refused', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
      const res = await h.app.inject({ method: 'POST', url: '/api/login', headers, payload: { username: 'olive', password: 'x' } });
      expect(res.statusCode).toBe(403);
    }
  });

  test('form-encoded and text bodies (what a cross-site form can send) are refused', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await h.app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': type }, payload: 'username=olive&password=x' });
      expect(res.statusCode).toBe(415);
    }
  });
});

describe('monitoring token', () => {
  test('opens /metrics and /api/status, and nothing else', async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await h.app.inject({ url: '/metrics', headers: bearer })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/status', headers: bearer })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/reads/recent', headers: bearer })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
  });

  test('/api/health says only the verdict', async () => {
    const res = await h.app.inject({ url: '/api/health' });
    expect(res.json()).toEqual({ verdict: 'green' });
  });
});

describe('path traversal on image and asset routes', () => {
  test.each([
    '/api/detections/..%2F..%2F..%2Fetc%2Fpasswd/plate.jpg',
    '/api/detections/../../../etc/passwd',
    `/api/detections/${DET_ID}%2F..%2F..%2Fx/plate.jpg`,
    '/api/detections/%2e%2e/overview.jpg',
    '/api/cameras/..%2F..%2Fetc/snapshot.jpg',
    '/assets/..%2Fserver.ts',
    '/assets/..%2F..%2F..%2Fpackage.json',
    '/assets/%2e%2e%2fhtml.ts',
  ])('%s never reaches a file or the store', async (url) => {
    const seen: string[] = [];
    const original = h.detections.image.bind(h.detections);
    h.detections.image = (id, kind) => {
      seen.push(id);
      return original(id, kind);
    };
    const res = await h.app.inject({ url, headers: auth(logins.olive!) });
    h.detections.image = original;
    expect([400, 404]).toContain(res.statusCode);
    expect(res.body).not.toMatch(/root:|"name": "alpr-edge"|import /);
    expect(seen).toEqual([]);
  });
});
