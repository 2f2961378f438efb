/**
 * The unusual-use rules of the periodic account check (issue 20, `account-watch.ts`) on the real
 * store, one rule at a time with its boundary: an account's searches, views or exports in a day
 * above `unusual_multiple` × its own usual daily count (and above `unusual_min_count`), and its
 * views or exports above the agency's `daily_limit`. Each case states the count that does not
 * raise the alert and the one that does, so a rule taken out fails its case.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { DAY_MS } from '../../src/accounts/account-policy.js';
import { AccountWatch, USE_ACTIONS, type UnusualUseAlert, type UseKind } from '../../src/http/auth/account-watch.js';
import { hashPassword } from '../../src/accounts/password.js';
import { SessionStore } from '../../src/http/auth/session-store.js';
import { AuditTrail } from '../../src/http/audit-trail.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { TEST_COST } from './harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-watch-rules-');
// Noon, local: the day's uses and the history's never cross midnight.
const T0 = new Date(2026, 5, 1, 12, 0, 0).getTime();
const MULTIPLE = 3;
const MIN_COUNT = 4;
const LIMIT = 30;
const clock = new ManualClock(T0 - 20 * DAY_MS);
let store: Store;
let watch: AccountWatch;

/** `n` uses of `kind` by `user` at the clock's time, spread over its actions (views: detection, image and hit views). */
function use(user: string, kind: UseKind, n: number): number[] {
  const actions = USE_ACTIONS[kind];
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const action = actions[i % actions.length]!;
    ids.push(store.audit.append({ user, action, object: null, purpose: kind === 'searches' ? 'criminal investigation: x' : null, caseNumber: kind === 'searches' ? 'CASE-1' : null, details: null, ip: null }).id);
    clock.advance(1000);
  }
  return ids;
}

/** `perDay` uses a day on each of the ten days before T0. */
function history(user: string, kind: UseKind, perDay: number): void {
  for (let d = 10; d >= 1; d--) {
    clock.set(T0 - d * DAY_MS);
    use(user, kind, perDay);
  }
}

function check(): UnusualUseAlert[] {
  return watch.check().alerts;
}

beforeAll(async () => {
  const r = loadConfigObject(
    { accounts: { unusual_multiple: MULTIPLE, unusual_min_count: MIN_COUNT, daily_limit: LIMIT, review_interval_days: 0, usual_hours_min_days: 365, chain_check_interval_h: 0 } },
    dir,
  );
  if (!r.config) throw new Error(r.errors.join('; '));
  const registry = new StatusRegistry(clock);
  store = new Store({ config: r.config.store, dataDir: join(dir, 'data'), deviceId: 'test-unit', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  const passwordHash = await hashPassword('correct horse battery', TEST_COST);
  for (const username of ['uma', 'ned', 'vic', 'lou', 'eve', 'xan']) store.users.create({ username, role: 'operator', passwordHash, fullName: username, contact: '' });
  const reporter = registry.reporter('http', 'http', { readiness: false });
  watch = new AccountWatch({
    accounts: { records: store.users.records, config: r.config.accounts },
    users: store.users,
    audit: new AuditTrail(store.audit, reporter),
    auditLog: store.audit,
    sessions: new SessionStore({ idleMs: 3600_000, maxAgeMs: 12 * 3600_000, maxSessions: 64, maxPerUser: 4 }, clock),
    clock,
    logger: silentLogger(),
    reporter,
  });
  // The usual days: uma searches twice a day, ned three times, vic views twice, xan exports once.
  history('uma', 'searches', 2);
  history('ned', 'searches', 3);
  history('vic', 'views', 2);
  history('xan', 'exports', 1);
  clock.set(T0);
  expect(check()).toEqual([]);
});

afterAll(async () => {
  await store?.stop();
});

describe('a multiple of the account\'s usual daily count', () => {
  test('searches: usual 2 a day × 3 = 6; the 7th search of the day raises the alert, once, with the rows behind it', () => {
    const first = use('uma', 'searches', 6);
    // 6 is over the minimum count (4) but not over 3 × the usual 2: nothing yet.
    expect(check().filter((a) => a.account === 'uma')).toEqual([]);
    const seventh = use('uma', 'searches', 1);
    const alerts = check().filter((a) => a.account === 'uma');
    expect(alerts).toEqual([expect.objectContaining({ kind: 'searches_over_usual', count: 7, threshold: 6 })]);
    expect([...alerts[0]!.auditIds].sort((a, b) => a - b)).toEqual([...first, ...seventh]);
    const row = store.audit.get(alerts[0]!.alertId!)!;
    expect(row).toMatchObject({ user: 'system', action: 'alert.unusual_use', object: 'uma', details: expect.objectContaining({ kind: 'searches_over_usual', count: 7, threshold: 6 }) });
    // Raised once a day per account and kind.
    use('uma', 'searches', 1);
    expect(check().filter((a) => a.account === 'uma')).toEqual([]);
  });

  test('the usual count is the account\'s own: 7 searches are usual for one who searches 3 times a day (threshold 9)', () => {
    use('ned', 'searches', 9);
    expect(check().filter((a) => a.account === 'ned')).toEqual([]);
    use('ned', 'searches', 1);
    expect(check().filter((a) => a.account === 'ned')).toEqual([expect.objectContaining({ kind: 'searches_over_usual', count: 10, threshold: 9 })]);
  });

  test('views (detection, image and hit views together): usual 2 a day, the 7th view raises views_over_usual', () => {
    use('vic', 'views', 6);
    expect(check().filter((a) => a.account === 'vic')).toEqual([]);
    use('vic', 'views', 1);
    expect(check().filter((a) => a.account === 'vic')).toEqual([expect.objectContaining({ kind: 'views_over_usual', count: 7, threshold: 6 })]);
  });

  test('exports: usual 1 a day; the multiple (3) is below the minimum count (4), so the 5th export raises exports_over_usual', () => {
    use('xan', 'exports', 4);
    expect(check().filter((a) => a.account === 'xan')).toEqual([]);
    use('xan', 'exports', 1);
    expect(check().filter((a) => a.account === 'xan')).toEqual([expect.objectContaining({ kind: 'exports_over_usual', count: 5, threshold: MIN_COUNT })]);
  });
});

describe('the agency\'s daily limit on views and exports', () => {
  test('views: the limit itself is allowed (over usual only); one more raises views_over_limit', () => {
    use('lou', 'views', LIMIT);
    expect(check().filter((a) => a.account === 'lou').map((a) => a.kind)).toEqual(['views_over_usual']);
    const last = use('lou', 'views', 1);
    const alerts = check().filter((a) => a.account === 'lou');
    expect(alerts).toEqual([expect.objectContaining({ kind: 'views_over_limit', count: LIMIT + 1, threshold: LIMIT })]);
    expect(alerts[0]!.auditIds).toContain(last[0]);
    expect(store.audit.query({ action: 'alert.unusual_use' }).filter((r) => r.object === 'lou').map((r) => (r.details as { kind: string }).kind).sort()).toEqual(['views_over_limit', 'views_over_usual']);
  });

  test('exports (releases, audit exports, misread releases together): one over the limit raises exports_over_limit', () => {
    use('eve', 'exports', LIMIT);
    expect(check().filter((a) => a.account === 'eve').map((a) => a.kind)).toEqual(['exports_over_usual']);
    use('eve', 'exports', 1);
    expect(check().filter((a) => a.account === 'eve')).toEqual([expect.objectContaining({ kind: 'exports_over_limit', count: LIMIT + 1, threshold: LIMIT })]);
    const actions = new Set(store.audit.query({ user: 'eve' }).map((r) => r.action));
    expect([...actions].sort()).toEqual([...USE_ACTIONS.exports].sort());
  });
});
