/**
 * The quarterly audit of user queries (issue 15; roseville 426.4 (c), sacramento-pd D.2.b(2)):
 * per account tallies, searches with a thin justification, criteria searched most, releases and
 * approvals over a quarter or a custom range, with no plate text anywhere; page, JSON and CSV,
 * each audited; administrators and auditors only.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuditReviewBuilder, blankPlates, purposeFlags } from '../../src/http/audit-review.js';
import { lastFullQuarter, MAX_RANGE_DAYS, parsePeriod, quarterPeriod } from '../../src/http/audit-review-period.js';
import { auditReviewStation, NOW, SEEDED_PLATES, type ReviewStation } from './audit-review-station.js';
import { auth, login, PASSWORD, type Login } from './harness.js';

describe('period', () => {
  test.each([
    [new Date(2026, 11, 7).getTime(), '2026-Q3'],
    [new Date(2026, 0, 15).getTime(), '2025-Q4'],
    [new Date(2026, 3, 1).getTime(), '2026-Q1'],
  ])('the last full quarter before %s is %s', (now, quarter) => {
    expect(lastFullQuarter(now).quarter).toBe(quarter);
  });

  test('a quarter runs from its first local midnight to the next quarter’s, in words', () => {
    const p = quarterPeriod(2026, 3);
    expect([p.from, p.to]).toEqual([new Date(2026, 6, 1).getTime(), new Date(2026, 9, 1).getTime()]);
    expect(p.label).toBe('2026 Q3 (Jul 1, 2026 – Sep 30, 2026)');
  });

  test('a custom range includes its last day', () => {
    const p = parsePeriod({ from: '2026-08-01', to: '2026-08-31' }, NOW);
    expect(p).toMatchObject({ from: new Date(2026, 7, 1).getTime(), to: new Date(2026, 8, 1).getTime(), quarter: null, label: 'Aug 1, 2026 – Aug 31, 2026' });
  });

  test.each([
    [{ quarter: '2026-Q5' }, 'quarter', /YYYY-Qn/],
    [{ from: '2026-08-01' }, 'to', /last day/],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'from', /first day/],
    [{ from: '2026-08-31', to: '2026-08-01' }, 'to', /before the first/],
    [{ from: '2024-01-01', to: '2026-01-01' }, 'to', new RegExp(`at most ${MAX_RANGE_DAYS} days`)],
  ])('%j is refused on field %s', (q, field, message) => {
    const p = parsePeriod(q, NOW);
    expect(Array.isArray(p)).toBe(true);
    expect(p).toContainEqual({ field, message: expect.stringMatching(message) });
  });
});

describe('thin purposes and blanked plates', () => {
  test.each([
    ['locate the grey Camry stolen from the Arden mall lot', []],
    ['check 7ABC123', ['short purpose']],
    ['ongoing investigation follow up', ['vague purpose']],
    ['investigation', ['short purpose', 'vague purpose']],
    ['n/a', ['short purpose', 'vague purpose']],
    ['robbery at 4th and J, witness saw a grey van', []],
  ])('%j → %j', (text, flags) => {
    expect(purposeFlags(text)).toEqual(flags);
  });

  test('plate-like words are blanked, case numbers and ordinary words are not', () => {
    expect(blankPlates('van 8KLM432 on 4th St, case SAC-26-0042, 6gu547b')).toBe('van ••••••• on 4th St, case SAC-26-0042, •••••••');
  });

  test('the same plate gets the same reference within one report, another plate another, and no plate text', () => {
    const b = new AuditReviewBuilder([], []);
    const one = b.describe({ plate: '6GU547B' });
    expect(one).toMatch(/^full plate ref [0-9a-f]{6}$/);
    expect(b.describe({ plate: '6GU547B' })).toBe(one);
    expect(b.describe({ plate: '6GU548B' })).not.toBe(one);
    expect(b.describe({ plate: '4XYZ*', cameraId: 'rear', from: 0, to: 6 * 3600_000 })).toMatch(/^partial plate \(4 known\) ref [0-9a-f]{6} · camera rear · 6 h window$/);
    expect(new AuditReviewBuilder([], []).describe({ plate: '6GU547B' })).not.toBe(one);
  });
});

describe('the report over the real store', () => {
  let s: ReviewStation;
  let adam: Login;
  let aude: Login;
  let olive: Login;
  beforeAll(async () => {
    s = await auditReviewStation();
    adam = await login(s.app, 'adam', PASSWORD);
    aude = await login(s.app, 'aude', PASSWORD);
    olive = await login(s.app, 'olive', PASSWORD);
  });
  afterAll(async () => {
    await s?.close();
  });

  const get = (url: string, l: Login = adam) => s.app.inject({ method: 'GET', url, headers: auth(l) });

  test('by default the last full quarter: per account searches, views, look-ups, exports, releases, approvals', async () => {
    const res = await get('/api/audit-review');
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.period).toMatchObject({ quarter: '2026-Q3' });
    const by = Object.fromEntries(r.accounts.map((a: { account: string }) => [a.account, a]));
    expect(by.olive).toMatchObject({ searches: 3, cases: 1, thin: 0, views: 5, lookups: 0, role: 'operator', fullName: 'Olive Example' });
    expect(by.oscar).toMatchObject({ searches: 4, cases: 4, thin: 4, noResults: 1, refused: 1, lookups: 1, approvalsAsked: 1, unusual: 1 });
    expect(by.sam).toMatchObject({ searches: 0, approvalsGiven: 1 });
    expect(by.adam).toMatchObject({ releases: 2, exports: 1 });
    expect(by.aude).toMatchObject({ views: 0, searches: 0 });
    expect(r.accounts[0].account).toBe('oscar');
  });

  test('searches with a thin justification are listed with why, oldest first; good ones are not', async () => {
    const r = (await get('/api/audit-review?quarter=2026-Q3')).json();
    expect(r.flagged.map((f: { id: number; flags: string[] }) => [f.id, f.flags])).toEqual([
      [s.ids.short, ['short purpose']],
      [s.ids.vague, ['vague purpose']],
      [s.ids.empty, ['no results']],
      [s.ids.offlist, ['purpose not on the list']],
    ]);
    expect(r.flagged[3]).toMatchObject({ account: 'oscar', category: 'civil standby', approvedBy: 'sam', caseNumber: 'SAC-26-0080', returned: 1 });
    expect(r.flagged[0].purpose).toBe('check •••••••');
    expect(r.flagged[2].criteria).toBe('camera rear · 6 h window');
  });

  test('the plate searched three times by one account stands out by reference, without its text', async () => {
    const r = (await get('/api/audit-review?quarter=2026-Q3')).json();
    expect(r.topCriteria).toEqual([expect.objectContaining({ account: 'olive', count: 3, lastId: s.ids.repeat3, criteria: expect.stringMatching(/^full plate ref [0-9a-f]{6}$/) })]);
  });

  test('releases and approvals are listed with their records', async () => {
    const r = (await get('/api/audit-review?quarter=2026-Q3')).json();
    expect(r.releases.map((x: { id: number; action: string }) => [x.id, x.action])).toEqual([
      [s.ids.release, 'release.requested'],
      [s.ids.exported, 'release.exported'],
    ]);
    expect(r.releases[0]).toMatchObject({ object: 'Placer County DA', detail: '2 detections · for DDA Lee · kind ca_prosecutor' });
    expect(r.approvals.map((x: { id: number; account: string }) => [x.id, x.account])).toEqual([
      [s.ids.asked, 'oscar'],
      [s.ids.granted, 'sam'],
    ]);
  });

  test('a custom range counts only its days', async () => {
    const r = (await get('/api/audit-review?from=2026-09-01&to=2026-10-31')).json();
    const by = Object.fromEntries(r.accounts.map((a: { account: string }) => [a.account, a]));
    expect(by.oscar.searches).toBe(2);
    expect(by.olive.searches).toBe(0);
    expect(r.period.label).toBe('Sep 1, 2026 – Oct 31, 2026');
  });

  test('no plate text in the page, the JSON or any CSV part', async () => {
    const bodies = [(await get('/audit-review')).body, (await get('/api/audit-review')).body];
    for (const part of ['accounts', 'searches', 'criteria', 'releases', 'approvals']) bodies.push((await get(`/api/audit-review.csv?quarter=2026-Q3&part=${part}`)).body);
    for (const b of bodies) for (const p of SEEDED_PLATES) expect(b).not.toContain(p);
    expect(bodies[0]).toContain('check •••••••');
  });

  test('the page links each account and each listed search into its audit rows', async () => {
    const page = (await get('/audit-review?quarter=2026-Q3')).body;
    const q3 = quarterPeriod(2026, 3);
    expect(page).toContain(`href="/audit?user=oscar&amp;from=${q3.from}&amp;to=${q3.to - 1}"`);
    const short = s.t.store.audit.get(s.ids.short!)!;
    expect(page).toContain(`href="/audit?user=oscar&amp;action=search&amp;from=${short.at}&amp;to=${short.at}">#${s.ids.short}</a>`);
    expect(page).toContain('2026 Q3 (Jul 1, 2026 – Sep 30, 2026)');
    expect(page).toContain('href="/assets/audit-review.css"');
  });

  test('CSV per part, named by unit, period and part', async () => {
    const res = await get('/api/audit-review.csv?quarter=2026-Q3&part=searches');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="alpr-audit-review-mdc-1207-2026-Q3-searches.csv"');
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe('audit_id,at,account,case_number,purpose_category,purpose_text,flags,criteria,results,approved_by');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(new RegExp(`^${s.ids.offlist},.*,oscar,SAC-26-0080,civil standby,.*,purpose not on the list,full plate ref [0-9a-f]{6},1,sam$`));
    const accounts = (await get('/api/audit-review.csv?quarter=2026-Q3')).body.split('\r\n');
    expect(accounts[0]).toMatch(/^account,name,role,searches,cases,thin_purpose,/);
    expect(accounts.find((l) => l.startsWith('olive,'))).toBe('olive,Olive Example,operator,3,1,0,0,0,5,0,0,0,0,0,0');
  });

  test('every report is an audit row (who, period, counts), written before it leaves', async () => {
    const before = s.t.store.audit.query({ action: 'audit.review', limit: 100 }).length;
    await get('/api/audit-review?quarter=2026-Q3', aude);
    const rows = s.t.store.audit.query({ action: 'audit.review', limit: 100 });
    expect(rows).toHaveLength(before + 1);
    expect(rows[0]).toMatchObject({ user: 'aude', details: { period: '2026-Q3', accounts: 5, flagged: 4, truncated: false } });
    await get('/api/audit-review.csv?quarter=2026-Q3&part=criteria');
    expect(s.t.store.audit.query({ action: 'audit.review.export', limit: 1 })[0]).toMatchObject({ user: 'adam', details: { period: '2026-Q3', part: 'criteria' } });
  });

  test('operators may not; a bad period is refused with the field named, and not audited', async () => {
    expect((await get('/api/audit-review', olive)).statusCode).toBe(403);
    expect((await get('/audit-review', olive)).statusCode).toBe(403);
    const before = s.t.store.audit.query({ limit: 1 })[0]!.id;
    const bad = await get('/api/audit-review?from=2026-09-31&to=2026-10-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields).toEqual([{ field: 'from', message: expect.stringMatching(/YYYY-MM-DD/) }]);
    const page = await get('/audit-review?quarter=2026-Q9');
    expect(page.statusCode).toBe(400);
    expect(page.body).toMatch(/quarter: a quarter as YYYY-Qn/);
    expect((await get('/api/audit-review.csv?part=everything')).statusCode).toBe(400);
    expect(s.t.store.audit.query({ limit: 1 })[0]!.id).toBe(before);
  });

  test('a period of more rows than a page is read whole, and rows outside it are left out', async () => {
    const put = (day: number, n: number): void => {
      s.clock.set(new Date(2026, 7, day, 12).getTime());
      for (let i = 0; i < n; i++) s.t.store.audit.append({ user: 'olive', action: 'detection.view', object: `v-${day}-${i}`, purpose: null, caseNumber: null, details: null, ip: null });
    };
    try {
      put(19, 50);
      put(22, 2500);
      put(26, 1200);
    } finally {
      s.clock.set(NOW);
    }
    const r = (await get('/api/audit-review?from=2026-08-20&to=2026-08-25')).json();
    expect(r.rows).toBe(2500);
    expect(r.accounts.find((a: { account: string }) => a.account === 'olive')).toMatchObject({ views: 2500, searches: 0 });
    expect(r.truncated).toBe(false);
  });

  test('the search route records how many detections it returned', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/search',
      headers: auth(olive),
      payload: { caseNumber: 'SAC-26-0042', purposeCategory: 'stolen vehicle', purpose: 'locate the grey Camry stolen from the Arden mall lot', plate: '6GU*' },
    });
    expect(res.statusCode).toBe(200);
    expect(s.t.store.audit.query({ action: 'search', limit: 1 })[0]!.details).toMatchObject({ returned: 0 });
  });
});
