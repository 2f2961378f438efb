/**
 * The alert channel over real HTTP, on the real store and detection sink: alerts carry the
 * store's hit id, a page that reconnects gets every hit it missed (Last-Event-ID or
 * ?lastEventId=), ticks prove the stream alive, an open stream keeps its session from idling
 * out, and logout, a disabled account, a password change and shutdown end the stream with the
 * reason.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../../src/accounts/password.js';
import { buildServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { detection, entry, sinkHarness, type SinkHarness } from '../pipeline/sink-harness.js';
import { MemoryHotlist, MemorySnapshots } from './doubles.js';
import { auth, httpConfig, login, PASSWORD, TEST_COST, type Login } from './harness.js';

let h: SinkHarness;
let app: FastifyInstance;
let base: string;
/** Short limits, so the keep-alive and shift-limit tests need few ticks. */
const LIMITS = { session_idle_timeout_min: 10, session_max_h: 1 };

beforeAll(async () => {
  h = await sinkHarness();
  h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle')]);
  h.listed.set('2BBB222', [entry('2BBB222', 'warrant')]);
  h.listed.set('5REP555', [entry('5REP555', 'felony_vehicle')]);
  h.store.users.create({ username: 'adam', role: 'administrator', passwordHash: await hashPassword(PASSWORD, TEST_COST), fullName: 'adam', contact: 'x0' });
  for (const name of ['olive', 'oscar', 'otto', 'opal', 'omar', 'orla']) {
    h.store.users.create({ username: name, role: 'operator', passwordHash: await hashPassword(PASSWORD, TEST_COST), fullName: name, contact: 'x1' });
  }
  app = await buildServer({
    config: httpConfig(LIMITS),
    registry: h.registry,
    logger: silentLogger(),
    clock: h.clock,
    version: 'test',
    device: { id: 'test-unit', agency: '', mode: 'patrol' },
    users: h.store.users,
    audit: h.store.audit,
    detections: h.store.detections,
    hits: h.store.hits,
    hotlist: new MemoryHotlist(h.clock),
    events: h.sink.events,
    snapshots: new MemorySnapshots(),
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

interface SseEvent {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/** An open event stream, parsed into events as they arrive. */
class Stream {
  readonly events: SseEvent[] = [];
  ended = false;
  private buf = '';
  private constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {
    void this.pump();
  }

  static async open(l: Login, headers: Record<string, string> = {}, query = ''): Promise<Stream> {
    const res = await fetch(`${base}/api/events${query}`, { headers: { cookie: l.cookie, ...headers } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    return new Stream(res.body!.getReader());
  }

  private async pump(): Promise<void> {
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await this.reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) {
        this.ended = true;
        return;
      }
      this.buf += dec.decode(value);
      let i: number;
      while ((i = this.buf.indexOf('\n\n')) >= 0) {
        const block = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          const m = /^([a-z]+): ?(.*)$/.exec(line);
          if (m) fields.set(m[1]!, m[2]!);
        }
        if (fields.has('event')) this.events.push({ id: fields.get('id') ?? null, event: fields.get('event')!, data: JSON.parse(fields.get('data') ?? '{}') as Record<string, unknown> });
      }
    }
  }

  of(name: string): SseEvent[] {
    return this.events.filter((e) => e.event === name);
  }

  /** Resolves once `n` events named `name` have arrived (or the stream has ended). */
  async until(name: string, n = 1): Promise<SseEvent[]> {
    const { waitFor } = await import('../helpers/wait-for.js');
    await waitFor(() => this.of(name).length >= n || this.ended, `${n} "${name}" event(s)`);
    return this.of(name);
  }

  close(): Promise<void> {
    return this.reader.cancel();
  }
}

describe('alerts on the stream', () => {
  test('a hit reaches an open page with its store id, presentation and image links', async () => {
    const olive = await login(app, 'olive');
    const s = await Stream.open(olive);
    const [hello] = await s.until('hello');
    expect(hello!.data).toMatchObject({ now: h.clock.now(), replayed: 0, heartbeatMs: 2000 });
    const d = detection('7TRW815', { bestAt: h.clock.now() });
    await h.pass(d);
    const [hit] = await s.until('hit');
    const data = hit!.data as { hit: { id: number }; alert: Record<string, unknown>; images: Record<string, string> };
    expect(hit!.id).toBe(String(data.hit.id));
    expect(data.alert).toMatchObject({ change: 'new', presentation: 'alarm', sound: 'repeat', alertId: data.hit.id });
    expect(data.images).toEqual({ plate: `/api/detections/${d.id}/plate.jpg`, overview: `/api/detections/${d.id}/overview.jpg` });
    expect(s.of('detection').length).toBeGreaterThan(0);
    expect(s.of('detection')[0]!.id).toBeNull();
    await s.close();
  });

  test('ticks keep coming while nothing happens', async () => {
    const s = await Stream.open(await login(app, 'olive'));
    const ticks = await s.until('tick', 2);
    expect(ticks[1]!.data).toHaveProperty('now');
    await s.close();
  });
});

describe('replay of what a page missed', () => {
  test('reconnecting with Last-Event-ID delivers every hit stored meanwhile, in order, before anything live', async () => {
    const olive = await login(app, 'olive');
    const first = await Stream.open(olive);
    await first.until('hello');
    h.clock.advance(60_000);
    await h.pass(detection('5REP555', { bestAt: h.clock.now() }));
    const [seen] = await first.until('hit');
    await first.close();

    // Missed while away: a new amber hit, and the felony vehicle again (folded: "seen again").
    h.clock.advance(10_000);
    await h.pass(detection('2BBB222', { bestAt: h.clock.now() }));
    h.clock.advance(10_000);
    await h.pass(detection('5REP555', { bestAt: h.clock.now(), cameraId: 'front' }));

    const back = await Stream.open(olive, { 'last-event-id': seen!.id! });
    const [hello] = await back.until('hello');
    expect(hello!.data).toMatchObject({ replayed: 2, truncated: false });
    await back.until('hit-update');
    const told = back.events.filter((e) => e.event !== 'tick' && e.event !== 'detection');
    expect(told.map((e) => e.event)).toEqual(['hello', 'hit', 'hit-update']);
    expect(told[1]!.data).toMatchObject({ replayed: true, alert: { presentation: 'amber', change: 'new' } });
    expect(told[2]!.data).toMatchObject({ replayed: true, alert: { change: 'seen_again', alertId: Number(seen!.id) } });
    expect(Number(told[1]!.id)).toBeGreaterThan(Number(seen!.id));
    expect(Number(told[2]!.id)).toBeGreaterThan(Number(told[1]!.id));
    await back.close();

    // A freshly loaded page passes the id in the query instead; nothing newer: nothing replayed.
    const fresh = await Stream.open(olive, {}, `?lastEventId=${told[2]!.id}`);
    expect((await fresh.until('hello'))[0]!.data).toMatchObject({ replayed: 0, lastId: Number(told[2]!.id) });
    await fresh.close();
  });

  test('an id this store never issued (another, reinstalled database) replays everything it holds', async () => {
    const s = await Stream.open(await login(app, 'olive'), { 'last-event-id': '999999' });
    const [hello] = await s.until('hello');
    const stored = h.store.hits.list({ limit: 500 }).length;
    expect(stored).toBeGreaterThan(0);
    // Seen-again passes fold into their alert's event, so there are at most as many events as hits.
    expect(hello!.data.replayed).toBeGreaterThan(0);
    expect(hello!.data.replayed as number).toBeLessThanOrEqual(stored);
    expect(hello!.data.lastId).toBe(Math.max(...h.store.hits.list({ limit: 500 }).map((x) => x.id)));
    await s.close();
  });
});

describe('the session and the stream', () => {
  test('an open stream keeps its session from idling out; a session without one ends', async () => {
    const idleMs = LIMITS.session_idle_timeout_min * 60_000;
    const watching = await login(app, 'oscar');
    const idle = await login(app, 'opal');
    const s = await Stream.open(watching);
    await s.until('hello');
    for (let i = 1; i <= 3; i++) {
      // Two thirds of the idle limit at a time; each tick after a step counts as activity.
      h.clock.advance(Math.floor((idleMs * 2) / 3));
      const n = s.of('tick').length;
      await s.until('tick', n + 1);
    }
    expect(s.ended).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/api/hits', headers: auth(watching, false) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/hits', headers: auth(idle, false) })).statusCode).toBe(401);
    await s.close();
  });

  test('logout ends the stream at once, saying why', async () => {
    const otto = await login(app, 'otto');
    const s = await Stream.open(otto);
    await s.until('hello');
    await app.inject({ method: 'POST', url: '/api/logout', headers: auth(otto) });
    const [end] = await s.until('end');
    expect(end!.data).toEqual({ reason: 'logout' });
    await s.until('never');
    expect(s.ended).toBe(true);
  });

  test('a disabled account and a changed password end the stream (issue 16 item 5)', async () => {
    const omar = await login(app, 'omar');
    const s = await Stream.open(omar);
    await s.until('hello');
    h.store.users.update('omar', { disabled: true });
    expect((await s.until('end'))[0]!.data).toEqual({ reason: 'revoked' });
    await s.until('never');
    expect(s.ended).toBe(true);
    h.store.users.update('omar', { disabled: false });

    const again = await login(app, 'omar');
    const t = await Stream.open(again);
    await t.until('hello');
    h.store.users.update('omar', { passwordHash: await hashPassword('another long passphrase', TEST_COST) });
    expect((await t.until('end'))[0]!.data).toEqual({ reason: 'revoked' });
    // The session itself is gone too.
    expect((await app.inject({ method: 'GET', url: '/api/hits', headers: auth(again, false) })).statusCode).toBe(401);
  });

  test('an administrator disabling the account on the Accounts page ends its stream at once', async () => {
    const adam = await login(app, 'adam');
    const orla = await login(app, 'orla');
    const s = await Stream.open(orla);
    await s.until('hello');
    const res = await app.inject({ method: 'POST', url: '/api/users/orla', headers: auth(adam), payload: { disabled: true } });
    expect(res.statusCode).toBe(200);
    expect((await s.until('end'))[0]!.data).toEqual({ reason: 'revoked' });
    expect((await app.inject({ method: 'GET', url: '/api/hits', headers: auth(orla, false) })).statusCode).toBe(401);
  });

  test('the shift limit is announced ten minutes ahead', async () => {
    const olive = await login(app, 'olive');
    const s = await Stream.open(olive);
    const [hello] = await s.until('hello');
    const endsAt = hello!.data.sessionEndsAt as number;
    expect(endsAt).toBe(h.clock.now() + LIMITS.session_max_h * 3600_000);
    // Stay within the idle limit on the way there: the stream's ticks keep the session alive.
    while (h.clock.now() < endsAt - 9 * 60_000) {
      h.clock.advance(Math.min(8 * 60_000, endsAt - 9 * 60_000 - h.clock.now()));
      const n = s.of('tick').length;
      await s.until('tick', n + 1);
    }
    const [warning] = await s.until('session');
    expect(warning!.data).toEqual({ endsAt, reason: 'max_age' });
    h.clock.advance(10 * 60_000);
    expect((await s.until('end'))[0]!.data).toEqual({ reason: 'expired' });
  }, 60_000);
});

test('shutdown ends every stream with its reason', async () => {
  const s = await Stream.open(await login(app, 'olive'));
  await s.until('hello');
  await app.close();
  expect((await s.until('end'))[0]!.data).toEqual({ reason: 'shutdown' });
});
