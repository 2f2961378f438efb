/**
 * Supervisor-approved exports (issue 20; sacramento-da IV.A.iv, roseville 426.5 (c)) on the real
 * store and station: a release whose purpose is off the agency's list is refused until a second
 * account with the supervisor right approves the export; the approval is recorded with the
 * request, covers one release, is used by one export by its requester, can be refused with a
 * reason, and expires unused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DAY_MS } from '../../src/accounts/account-policy.js';
import type { Login } from './harness.js';
import { startAccountsStation, type AccountsStation } from './accounts-station.js';

const T0 = Date.UTC(2026, 5, 1, 16, 0, 0);
const CASE = 'CASE-2026-07';
const OFF_LIST = 'civil process service';
let s: AccountsStation;
let adam: Login;
let bob: Login;
let sam: Login;
let detectionIds: string[];

/** A release request of the stored reads for the off-list purpose, with the written request filled. */
const releaseBody = (extra: Record<string, unknown> = {}) => ({
  caseNumber: CASE,
  purposeCategory: OFF_LIST,
  purpose: 'serve the court order on the owner',
  detectionIds,
  requestingAgency: 'Sacramento County Sheriff',
  agencyKind: 'ca_law_enforcement',
  agencyState: 'CA',
  requester: 'Deputy R. Lee',
  releasePurposeCategory: 'criminal investigation',
  releasePurpose: 'locate the vehicle named in the order',
  writtenRequestRef: 'SCSO-2026-118',
  writtenRequestDate: '2026-05-30',
  ...extra,
});

async function ask(who: Login, use: 'search' | 'export', caseNumber = CASE): Promise<number> {
  const r = await s.post(who, '/api/approvals', { use, caseNumber, purposeCategory: OFF_LIST, purpose: 'serve the court order on the owner' });
  expect(r.statusCode, r.body).toBe(201);
  return r.json<{ approval: { id: number } }>().approval.id;
}

const answer = (who: Login, id: number, how: 'approve' | 'decline', reason?: string) => s.post(who, `/api/approvals/${id}/${how}`, how === 'decline' ? { reason } : {});
const errorOf = (r: { json: <T>() => T }) => r.json<{ error: string; message: string }>();

beforeAll(async () => {
  s = await startAccountsStation(T0, { approval_valid_h: 24 });
  await s.addUser('adam', 'administrator');
  await s.addUser('bob', 'administrator');
  // A supervisor who is not an administrator: the approval is the supervisor's right, not a role's.
  await s.addUser('sam', 'operator', true);
  [adam, bob, sam] = [await s.login('adam'), await s.login('bob'), await s.login('sam')];
  detectionIds = [await s.read('7TRW815'), await s.read('7TRW816', 120_000)];
});
afterAll(async () => {
  await s?.close();
});

describe('an export for a purpose off the list', () => {
  test('is refused without an approval, and with one not yet approved, refused, or for a search', async () => {
    const none = await s.post(adam, '/api/releases', releaseBody());
    expect(none.statusCode).toBe(403);
    expect(errorOf(none)).toMatchObject({ error: 'HTTP_APPROVAL_REQUIRED', message: expect.stringContaining('approve this export') });
    expect(s.store.audit.query({ action: 'release.refused', user: 'adam' })[0]).toMatchObject({ caseNumber: CASE, purpose: `${OFF_LIST}: serve the court order on the owner` });

    const waiting = await ask(adam, 'export');
    expect(errorOf(await s.post(adam, '/api/releases', releaseBody({ approvalId: waiting }))).message).toContain('no supervisor has approved it yet');

    // A search approval does not cover an export.
    const forSearch = await ask(adam, 'search');
    expect((await answer(sam, forSearch, 'approve')).statusCode).toBe(200);
    expect(errorOf(await s.post(adam, '/api/releases', releaseBody({ approvalId: forSearch }))).message).toContain('it approves a search, not an export');

    // Refused by the supervisor, with the reason: the release stays refused and the request cannot be approved later.
    const declined = await answer(sam, waiting, 'decline', 'not a law-enforcement purpose for ALPR data');
    expect(declined.statusCode, declined.body).toBe(200);
    expect(declined.json<{ approval: unknown }>().approval).toMatchObject({ state: 'declined', declinedBy: 'sam', declineReason: 'not a law-enforcement purpose for ALPR data' });
    expect(errorOf(await s.post(adam, '/api/releases', releaseBody({ approvalId: waiting }))).message).toContain('a supervisor refused it');
    const late = await answer(sam, waiting, 'approve');
    expect(late.statusCode).toBe(409);
    expect(errorOf(late).error).toBe('HTTP_APPROVAL_CLOSED');
    expect(s.store.audit.query({ action: 'use.approval.declined' })[0]).toMatchObject({ user: 'sam', object: String(waiting), details: { use: 'export', requester: 'adam' } });
    // An empty reason is no refusal.
    expect((await answer(sam, await ask(adam, 'export'), 'decline', '   ')).statusCode).toBe(400);
  });

  test('with a supervisor approval: recorded with the release, exported once, by the requester only', async () => {
    const id = await ask(adam, 'export');
    // The requester cannot answer their own request, and an administrator without the right cannot either.
    expect(errorOf(await answer(bob, id, 'approve')).error).toBe('HTTP_NOT_SUPERVISOR');
    expect((await answer(sam, id, 'approve')).json<{ approval: unknown }>().approval).toMatchObject({ state: 'approved', approvedBy: 'sam', use: 'export' });

    // Another case number is not covered.
    expect(errorOf(await s.post(adam, '/api/releases', releaseBody({ approvalId: id, caseNumber: 'CASE-2026-99' }))).message).toContain('another case number');
    const req = await s.post(adam, '/api/releases', releaseBody({ approvalId: id }));
    expect(req.statusCode, req.body).toBe(201);
    const releaseId = req.json<{ releaseId: number }>().releaseId;
    expect(s.store.audit.get(releaseId)!.details).toMatchObject({ approvalId: id, approvedBy: 'sam', purposeCategory: OFF_LIST });
    // One approval, one release.
    expect(errorOf(await s.post(adam, '/api/releases', releaseBody({ approvalId: id }))).message).toContain('another release request already names it');

    // The release keeps its own second-administrator approval.
    expect(errorOf(await s.post(adam, `/api/releases/${releaseId}/export`, { format: 'csv' })).error).toBe('HTTP_RELEASE_NOT_APPROVED');
    expect((await s.post(bob, `/api/releases/${releaseId}/approve`, {})).statusCode).toBe(200);
    // Only the administrator who asked for the approval exports.
    const byBob = await s.post(bob, `/api/releases/${releaseId}/export`, { format: 'csv' });
    expect(byBob.statusCode).toBe(403);
    expect(errorOf(byBob).message).toContain('only the administrator who asked for it');
    expect(s.store.audit.query({ action: 'release.export.refused', user: 'bob' })).toHaveLength(1);

    const csv = await s.post(adam, `/api/releases/${releaseId}/export`, { format: 'csv' });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(s.store.audit.query({ action: 'release.exported' })[0]).toMatchObject({ user: 'adam', object: String(releaseId), details: { approvalId: id, supervisor: 'sam', approvedBy: 'bob' } });
    // Once.
    const again = await s.post(adam, `/api/releases/${releaseId}/export`, { format: 'zip' });
    expect(again.statusCode).toBe(403);
    expect(errorOf(again).message).toContain('used already');
    const list = (await s.get(adam, '/api/releases')).json<{ releases: { releaseId: number }[] }>().releases.find((r) => r.releaseId === releaseId);
    expect(list).toMatchObject({ supervisorApproval: id, supervisor: 'sam', exported: true });
    const approvals = (await s.get(adam, '/api/approvals')).json<{ approvals: { id: number; state: string }[] }>().approvals;
    expect(approvals.find((a) => a.id === id)?.state).toBe('used');
  });

  test('an approval unused for approval_valid_h expires, and so does a request nobody answered', async () => {
    const unanswered = await ask(adam, 'export');
    const id = await ask(adam, 'export');
    await answer(sam, id, 'approve');
    const req = await s.post(adam, '/api/releases', releaseBody({ approvalId: id }));
    expect(req.statusCode).toBe(201);
    const releaseId = req.json<{ releaseId: number }>().releaseId;
    await s.post(bob, `/api/releases/${releaseId}/approve`, {});

    s.clock.advance(DAY_MS + 60_000);
    // A day later the shift's sessions have ended: everyone logs in again.
    [adam, bob, sam] = [await s.login('adam'), await s.login('bob'), await s.login('sam')];
    const expired = await s.post(adam, `/api/releases/${releaseId}/export`, { format: 'csv' });
    expect(expired.statusCode).toBe(403);
    expect(errorOf(expired).message).toContain('expired');
    const again = await ask(adam, 'export');
    expect(errorOf(await s.post(adam, '/api/releases', releaseBody({ approvalId: id }))).message).toContain('expired');
    const closed = await answer(sam, unanswered, 'approve');
    expect(closed.statusCode).toBe(409);
    expect(errorOf(closed).message).toBe(`approval request ${unanswered} is expired: it can no longer be answered`);
    // The new request is open: the supervisor approves it.
    expect((await answer(sam, again, 'approve')).json<{ approval: { state: string } }>().approval.state).toBe('approved');
  });

  test('a listed purpose needs no supervisor; an export approval does not cover a search', async () => {
    const listed = await s.post(adam, '/api/releases', releaseBody({ purposeCategory: 'criminal investigation' }));
    expect(listed.statusCode, listed.body).toBe(201);
    const id = await ask(adam, 'export');
    await answer(sam, id, 'approve');
    const search = await s.post(adam, '/api/search', { plate: '7TRW815', caseNumber: CASE, purposeCategory: OFF_LIST, purpose: 'serve the court order on the owner', approvalId: id });
    expect(search.statusCode).toBe(403);
    expect(errorOf(search).message).toBe(`approval ${id} does not cover this search: it approves an export, not a search`);
  });
});
