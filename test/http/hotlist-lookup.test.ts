/**
 * Quick look-up (issue 15): a typed plate → listed or not, with the matching entries; audited
 * with the plate in the audit row only; short input refused beside the field.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lookupAnswer } from '../../src/http/routes/hotlist-lookup.js';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { addUser, auth, login, makeHarness, type Harness, type Login } from './harness.js';

let h: Harness;
let olive: Login;

beforeAll(async () => {
  h = await makeHarness();
  await addUser(h, 'olive', 'operator');
  olive = await login(h.app, 'olive');
  const base = { state: 'CA', reason: 'armed robbery suspect vehicle', caseNumber: 'SAC-26-0099', officerName: 'Olive Officer', officerContact: 'x4411', alsoInNcic: false, expiresAt: h.clock.now() + 86400_000 };
  expect(h.hotlist.addLocalEntry({ ...base, plate: '6GU547B', list: 'felony vehicle' }, 'olive').ok).toBe(true);
  expect(h.hotlist.addLocalEntry({ ...base, plate: '7AB*', list: 'local', informational: true, reason: 'area check, gang unit' }, 'olive').ok).toBe(true);
});
afterAll(async () => {
  await h.app.close();
});

const look = (plate: string, l: Login | null = olive) => h.app.inject({ method: 'POST', url: '/api/hotlist/lookup', ...(l ? { headers: auth(l) } : {}), payload: { plate } });

describe('quick look-up', () => {
  test('a listed plate (typed loosely) answers listed with the entry, and the audit row holds the plate', async () => {
    const res = await look(' 6gu-547b ');
    expect(res.statusCode).toBe(200);
    const a = res.json();
    expect(a).toMatchObject({ plate: '6GU547B', listed: true });
    expect(a.matches).toEqual([expect.objectContaining({ plate: '6GU547B', list: 'felony vehicle', reason: 'armed robbery suspect vehicle', informational: false, kind: 'exact', caseNumber: 'SAC-26-0099' })]);
    expect(a.matches[0].expiresAt).toBeGreaterThan(h.clock.now());
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hotlist.lookup', user: 'olive', details: { plate: '6GU547B', listed: true } });
  });

  test('a partial-plate entry matches and says it is informational', async () => {
    const a = (await look('7AB123')).json();
    expect(a.listed).toBe(true);
    expect(a.matches).toEqual([expect.objectContaining({ list: 'local', kind: 'wildcard', informational: true })]);
  });

  test('an unlisted plate answers not listed, and is audited too', async () => {
    const before = h.audit.rows.length;
    const a = (await look('1ABC234')).json();
    expect(a).toEqual({ plate: '1ABC234', listed: false, matches: [], wholePlate: true, fragment: { pattern: '1ABC234', matches: [], truncated: false } });
    expect(h.audit.rows.length).toBe(before + 1);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hotlist.lookup', details: { plate: '1ABC234', listed: false } });
  });

  test('fewer than 3 letters or digits is refused beside the field, not looked up, not audited', async () => {
    const before = h.audit.rows.length;
    for (const plate of ['', 'AB', ' a-1 ']) {
      const res = await look(plate);
      expect(res.statusCode).toBe(400);
      expect(res.json().fields).toEqual([expect.objectContaining({ field: 'plate' })]);
      expect(res.json().message).not.toMatch(/[A-Z]{2}\d/);
    }
    expect(h.audit.rows.length).toBe(before);
  });

  test('needs a session (and the CSRF token that auth() carries)', async () => {
    expect((await look('6GU547B', null)).statusCode).toBe(401);
  });

  test('near matches alone are "not listed"', () => {
    const entry = { id: 'x', plate: '6GU547B', state: null, list: 'stolen vehicle', priority: 1, reason: 'stolen', caseNumber: null, informational: false, expiresAt: null };
    const near: HotlistHit = { entry, generation: 'g', kind: 'confusion', readText: '6GU54TB', explanation: 'T read as 7', retroactive: false };
    expect(lookupAnswer('6GU54TB', [near])).toMatchObject({ listed: false, matches: [{ kind: 'confusion', plate: '6GU547B' }] });
    expect(lookupAnswer('6GU547B', [{ ...near, kind: 'exact' }]).listed).toBe(true);
  });
});
