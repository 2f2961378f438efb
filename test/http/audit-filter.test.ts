/**
 * The audit page filters by login or by name (issue 15 item 10): "Smith" finds the rows of every
 * account whose full name contains it, a login finds its own rows, on the API, in the CSV export
 * and on the real store.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../../src/accounts/password.js';
import { ManualClock } from '../../src/shared/clock.js';
import { AuditRepo } from '../../src/store/audit-repo.js';
import { openDatabase } from '../../src/store/database.js';
import { OutboxRepo } from '../../src/store/outbox-repo.js';
import { addUser, auth, login, makeHarness, PASSWORD, TEST_COST, type Harness, type Login } from './harness.js';
import { testTempDir } from '../helpers/temp-dir.js';

let h: Harness;
let auditor: Login;

beforeAll(async () => {
  h = await makeHarness();
  await addUser(h, 'audrey', 'auditor');
  for (const [username, fullName] of [['jsmith2', 'Jane Smith'], ['psmithers', 'Paul Smithers'], ['olive', 'Olive Officer']] as const) {
    h.users.create({ username, role: 'operator', passwordHash: await hashPassword(PASSWORD, TEST_COST), fullName, contact: 'x100' });
  }
  auditor = await login(h.app, 'audrey');
  for (const user of ['jsmith2', 'psmithers', 'olive', 'jsmith2']) h.audit.append({ user, action: 'search', object: null, purpose: 'p', caseNumber: 'C-1', details: null, ip: null });
});
afterAll(async () => {
  await h.app.close();
});

const usersOf = async (q: string): Promise<string[]> => {
  const res = await h.app.inject({ url: `/api/audit?action=search&user=${encodeURIComponent(q)}`, headers: auth(auditor) });
  expect(res.statusCode).toBe(200);
  return (res.json().records as { user: string }[]).map((r) => r.user);
};

describe('audit filter by login or name', () => {
  test('a part of a full name finds every account that has it, case-insensitively', async () => {
    expect(await usersOf('smith')).toEqual(['jsmith2', 'psmithers', 'jsmith2']);
    expect(await usersOf('Jane Smith')).toEqual(['jsmith2', 'jsmith2']);
    expect(await usersOf('OFFICER')).toEqual(['olive']);
  });

  test('a login finds its own rows; a login that no longer has an account still finds its rows', async () => {
    expect(await usersOf('psmithers')).toEqual(['psmithers']);
    h.audit.append({ user: 'gone', action: 'search', object: null, purpose: 'p', caseNumber: 'C-1', details: null, ip: null });
    expect(await usersOf('gone')).toEqual(['gone']);
    expect(await usersOf('nobody')).toEqual([]);
  });

  test('the CSV export uses the same filter', async () => {
    const csv = (await h.app.inject({ url: '/api/audit/export.csv?action=search&user=Jane', headers: auth(auditor) })).body;
    expect(csv).toContain('jsmith2');
    expect(csv).not.toContain('psmithers');
  });

  test('the page says the field takes a login or a name', async () => {
    expect((await h.app.inject({ url: '/audit', headers: auth(auditor) })).body).toContain('User (login or name) <input name="user"');
  });
});

describe('the store\'s audit query', () => {
  test('filters by any of several logins, and by none', () => {
    const dir = testTempDir('alpr-audit-filter-');
    const { db } = openDatabase(join(dir, 'alpr.db'), { synchronous: 'full' });
    try {
      const clock = new ManualClock(Date.UTC(2026, 2, 1));
      const repo = new AuditRepo(db, clock, new OutboxRepo(db, clock));
      for (const user of ['a', 'b', 'c', 'a']) repo.append({ user, action: 'x', object: null, purpose: null, caseNumber: null, details: null, ip: null });
      expect(repo.query({ users: ['a', 'c'] }).map((r) => r.user)).toEqual(['a', 'c', 'a']);
      expect(repo.query({ users: [] })).toEqual([]);
      expect(repo.query({ users: ['b'], action: 'x' }).map((r) => r.user)).toEqual(['b']);
    } finally {
      db.close();
    }
  });
});
