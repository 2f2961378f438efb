/**
 * Quick look-up by fragment (issue 15: "6GU" did not find "6GU547B"): the listed plates containing
 * the typed piece, with list and reason, capped; audited with the fragment in the audit row only,
 * never in a URL (POST body), a refusal message or the log.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { LiveEvent } from '../../src/http/ports.js';
import { FRAGMENT_LIMIT } from '../../src/http/routes/hotlist-lookup.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { createLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { MemoryAudit, MemoryDetections, MemoryHits, MemoryHotlist, MemorySnapshots, MemoryUsers } from './doubles.js';
import { addUser, auth, httpConfig, login, type Login } from './harness.js';

/** The harness's station, logging every level into `logged`. */
let h: { app: FastifyInstance; clock: ManualClock; users: MemoryUsers; audit: MemoryAudit; hotlist: MemoryHotlist };
let olive: Login;
const logged: string[] = [];

beforeAll(async () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
  const ports = { clock, users: new MemoryUsers(clock), audit: new MemoryAudit(clock), hotlist: new MemoryHotlist(clock) };
  const app = await buildServer({
    ...ports,
    registry: new StatusRegistry(clock),
    detections: new MemoryDetections(),
    hits: new MemoryHits(),
    events: new EventBus<LiveEvent>(),
    snapshots: new MemorySnapshots(),
    config: httpConfig(),
    logger: createLogger('trace', { write: (line: string) => void logged.push(line) }, 'json'),
    version: '0.0.0-test',
    device: { id: 'test-unit', agency: 'Test Agency', mode: 'patrol' },
  });
  h = { ...ports, app };
  await addUser(h, 'olive', 'operator');
  olive = await login(h.app, 'olive');
  const base = { state: 'CA', caseNumber: 'SAC-26-0099', officerName: 'Olive Officer', officerContact: 'x4411', alsoInNcic: false, expiresAt: h.clock.now() + 86400_000 };
  expect(h.hotlist.addLocalEntry({ ...base, plate: '6GU547B', list: 'felony vehicle', priority: 1, reason: 'armed robbery suspect vehicle' }, 'olive').ok).toBe(true);
  expect(h.hotlist.addLocalEntry({ ...base, plate: '16GU44', list: 'stolen vehicle', priority: 2, reason: 'stolen 12/01' }, 'olive').ok).toBe(true);
  expect(h.hotlist.addLocalEntry({ ...base, plate: '8ZZ123', list: 'local', reason: 'area check', informational: true }, 'olive').ok).toBe(true);
});
afterAll(async () => {
  await h.app.close();
});

const look = (plate: string) => h.app.inject({ method: 'POST', url: '/api/hotlist/lookup', headers: auth(olive), payload: { plate } });

describe('quick look-up by fragment', () => {
  test('6GU finds the listed plates containing it, with list and reason, and is audited', async () => {
    const res = await look('6gu');
    expect(res.statusCode).toBe(200);
    const a = res.json();
    expect(a).toMatchObject({ plate: '6GU', listed: false, wholePlate: true, fragment: { pattern: '6GU', truncated: false } });
    expect(a.fragment.matches).toEqual([
      expect.objectContaining({ plate: '6GU547B', list: 'felony vehicle', reason: 'armed robbery suspect vehicle', priority: 1, caseNumber: 'SAC-26-0099', informational: false }),
      expect.objectContaining({ plate: '16GU44', list: 'stolen vehicle', reason: 'stolen 12/01', priority: 2 }),
    ]);
    expect(h.audit.rows.at(-1)).toMatchObject({
      action: 'hotlist.lookup',
      user: 'olive',
      details: { plate: '6GU', listed: false, fragment: { matches: [{ plate: '6GU547B', list: 'felony vehicle' }, { plate: '16GU44', list: 'stolen vehicle' }], truncated: false } },
    });
  });

  test('a pattern with ? and * is a fragment only (a read never holds wildcards)', async () => {
    const a = (await look('6G?5*B')).json();
    expect(a).toMatchObject({ plate: '6G?5*B', listed: false, matches: [], wholePlate: false });
    expect(a.fragment.matches.map((m: { plate: string }) => m.plate)).toEqual(['6GU547B']);
    expect((await look('8zz-1')).json().fragment.matches).toEqual([expect.objectContaining({ plate: '8ZZ123', informational: true })]);
  });

  test('a whole listed plate answers LISTED and lists itself as containing the text', async () => {
    const a = (await look('6GU547B')).json();
    expect(a.listed).toBe(true);
    expect(a.fragment.matches.map((m: { plate: string }) => m.plate)).toEqual(['6GU547B']);
  });

  test('bad fragments are refused beside the field without repeating the text, and not audited', async () => {
    const before = h.audit.rows.length;
    for (const [plate, message] of [
      ['6G?', /at least 3 letters or digits/],
      ['6*G', /at least 3 letters or digits/],
      ['6GU/5?', /letters, digits, \? \(one character\) and \* \(any run\) only/],
      ['ABCDEFGHIJ?KLM', /longer than any plate/],
    ] as const) {
      const res = await look(plate);
      expect(res.statusCode, plate).toBe(400);
      expect(res.json().fields).toEqual([{ field: 'plate', message: expect.stringMatching(message) }]);
      expect(res.body).not.toContain('6GU');
    }
    expect((await look('X'.repeat(33))).statusCode).toBe(400);
    expect(h.audit.rows.length).toBe(before);
  });

  test(`at most ${FRAGMENT_LIMIT} entries come back, marked truncated`, async () => {
    for (let i = 0; i < FRAGMENT_LIMIT + 5; i++) {
      const plate = `7QQ${String(i).padStart(3, '0')}`;
      expect(h.hotlist.addLocalEntry({ plate, state: 'CA', list: 'stolen vehicle', reason: 'bulk', caseNumber: 'SAC-26-0100', officerName: 'O', officerContact: 'x1', alsoInNcic: false, expiresAt: h.clock.now() + 3600_000 }, 'olive').ok).toBe(true);
    }
    const a = (await look('7QQ')).json();
    expect(a.fragment.matches).toHaveLength(FRAGMENT_LIMIT);
    expect(a.fragment.truncated).toBe(true);
  });

  test('a look-up the audit log cannot record is refused (503), and the log line names no fragment', async () => {
    h.audit.failing = true;
    try {
      const res = await look('6GU');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: 'HTTP_AUDIT_UNAVAILABLE' });
      expect(res.body).not.toContain('6GU547B');
    } finally {
      h.audit.failing = false;
    }
    const text = logged.join('');
    expect(text).toContain('audit log unavailable');
    for (const s of ['6GU', '6G?5', '7QQ', '8ZZ']) expect(text).not.toContain(s);
  });
});
