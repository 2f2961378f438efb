/**
 * After "confirmed" (issue 15): an operator records what came of a hit; audited; refused on a
 * hit that is not confirmed; the hit's history lists the verification and the outcomes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addUser, auth, login, makeHarness, type Harness, type Login } from './harness.js';
import { detection, hit } from './fixtures.js';

let h: Harness;
let olive: Login;
let auditor: Login;

beforeAll(async () => {
  h = await makeHarness();
  await addUser(h, 'olive', 'operator');
  await addUser(h, 'audrey', 'auditor');
  olive = await login(h.app, 'olive');
  auditor = await login(h.app, 'audrey');
});
afterAll(async () => {
  await h.app.close();
});

const verify = (id: number, outcome: string) => h.app.inject({ method: 'POST', url: `/api/hits/${id}/verify`, headers: auth(olive), payload: { outcome } });
const annotate = (id: number, payload: object, l: Login = olive) => h.app.inject({ method: 'POST', url: `/api/hits/${id}/outcome`, headers: auth(l), payload });
const history = (id: number, l: Login = olive) => h.app.inject({ method: 'GET', url: `/api/hits/${id}/history`, headers: auth(l) });

describe('hit outcomes', () => {
  test('a confirmed hit takes outcomes in order, each audited, and the history shows them after the verification', async () => {
    const x = hit(h.hits, detection({ text: '7TRW815' }));
    expect((await verify(x.id, 'confirmed')).statusCode).toBe(200);
    const r1 = await annotate(x.id, { outcome: 'dispatch_confirmed', note: '  dispatch ack 14:02 ' });
    expect(r1.statusCode).toBe(201);
    expect(r1.json().entry).toMatchObject({ kind: 'outcome', value: 'dispatch_confirmed', note: 'dispatch ack 14:02', recordedBy: 'olive' });
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hit.outcome', user: 'olive', object: String(x.id), details: { outcome: 'dispatch_confirmed', note: 'dispatch ack 14:02', detectionId: x.detectionId } });
    expect((await annotate(x.id, { outcome: 'vehicle_recovered' })).statusCode).toBe(201);

    const res = await history(x.id);
    expect(res.statusCode).toBe(200);
    expect(res.json().history.map((e: { kind: string; value: string }) => [e.kind, e.value])).toEqual([
      ['verification', 'confirmed'],
      ['outcome', 'dispatch_confirmed'],
      ['outcome', 'vehicle_recovered'],
    ]);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hit.history', object: String(x.id) });
  });

  test('refused on an unverified or misread hit (audited), and for an unknown outcome or hit', async () => {
    const x = hit(h.hits, detection({ text: '8ABC123' }));
    const unverified = await annotate(x.id, { outcome: 'arrest' });
    expect(unverified.statusCode).toBe(409);
    expect(unverified.json()).toMatchObject({ error: 'HTTP_HIT_NOT_CONFIRMED' });
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hit.outcome.refused', object: String(x.id), details: { outcome: 'arrest', verification: null } });
    expect((await verify(x.id, 'misread')).statusCode).toBe(200);
    expect((await annotate(x.id, { outcome: 'arrest' })).json().message).toContain('misread');
    expect((await annotate(x.id, { outcome: 'towed' })).statusCode).toBe(400);
    expect((await annotate(9999, { outcome: 'arrest' })).statusCode).toBe(404);
    expect((await history(9999)).statusCode).toBe(404);
    expect(h.hits.history(x.id).map((e) => e.value)).toEqual(['misread']);
  });

  test('the history page offers the outcome buttons only on a confirmed hit', async () => {
    const yes = hit(h.hits, detection({ text: '5PAGE11' }));
    const no = hit(h.hits, detection({ text: '5PAGE22' }));
    await verify(yes.id, 'confirmed');
    const page = await h.app.inject({ method: 'GET', url: `/hits/${yes.id}/history`, headers: auth(olive) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="outcome-form"');
    expect(page.body).toContain('value="vehicle_recovered"');
    expect(page.body).toContain('Confirmed visually');
    const other = await h.app.inject({ method: 'GET', url: `/hits/${no.id}/history`, headers: auth(olive) });
    expect(other.body).not.toContain('id="outcome-form"');
    expect(other.body).toContain('Not verified yet');
    const frag = await h.app.inject({ method: 'GET', url: `/fragments/hits/${yes.id}/history`, headers: auth(olive) });
    expect(frag.body).toMatch(/^<ol class="hit-history"><li data-kind="verification">/);
  });

  test('station roles only: an auditor may not record or read a hit history', async () => {
    const x = hit(h.hits, detection({ text: '9XYZ987' }));
    expect((await annotate(x.id, { outcome: 'no_action' }, auditor)).statusCode).toBe(403);
    expect((await history(x.id, auditor)).statusCode).toBe(403);
  });
});
