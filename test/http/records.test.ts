/** The administrator's records view (issue 15): retention settings, purge history, evidence holds; administrators only; audited. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auth, login, type Login } from './harness.js';
import { recordsStation, RETENTION, type RecordsStation } from './records-station.js';
import { interval } from '../../src/http/pages/records.js';

let s: RecordsStation;
let adam: Login;
let olive: Login;

beforeAll(async () => {
  s = await recordsStation();
  adam = await login(s.app, 'adam');
  olive = await login(s.app, 'olive');
});
afterAll(async () => {
  await s?.close();
});

describe('records view', () => {
  test('the administrator gets the settings, the purge and the held detection, and the view is audited', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/api/records', headers: auth(adam) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.settings.retention).toEqual(RETENTION);
    expect(body.purges).toEqual([expect.objectContaining({ action: 'purge', purpose: 'max_age', details: expect.objectContaining({ reason: 'max_age', count: 1 }) })]);
    expect(body.held).toEqual([expect.objectContaining({ id: s.heldId, heldBy: 'det.ortiz', reason: 'case SAC-26-0042, court order' })]);
    expect(JSON.stringify(body.held)).not.toContain('HELD456');
    expect(s.t.store.audit.query({ action: 'records.view', limit: 5 })).toEqual([expect.objectContaining({ user: 'adam', details: { purges: 1, held: 1 } })]);
  });

  test('the page shows the three sections, linked from the Status page', async () => {
    const page = await s.app.inject({ method: 'GET', url: '/records', headers: auth(adam) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('730 days');
    expect(page.body).toContain('past the maximum age');
    expect(page.body).toContain(s.heldId);
    expect(page.body).toContain('case SAC-26-0042, court order');
    expect((await s.app.inject({ method: 'GET', url: '/', headers: auth(adam) })).body).toContain('href="/records"');
    expect((await s.app.inject({ method: 'GET', url: '/', headers: auth(olive) })).body).not.toContain('href="/records"');
  });

  test('the check interval reads in words, not as a count of seconds', () => {
    expect([86400, 3600, 7200, 300, 90, 45].map(interval)).toEqual(['24 hours', '1 hour', '2 hours', '5 min', '90 s', '45 s']);
  });

  test('an operator may not see it', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/api/records', headers: auth(olive) })).statusCode).toBe(403);
    expect((await s.app.inject({ method: 'GET', url: '/records', headers: auth(olive) })).statusCode).toBe(403);
  });
});
