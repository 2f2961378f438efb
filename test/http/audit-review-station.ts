/**
 * A station on a real store for the quarterly audit: a quarter (2026 Q3) of audit rows as the
 * routes write them — searches with good, short, vague and off-list purposes, one that found
 * nothing, the same plate searched three times, views, look-ups, a release and a supervisor's
 * approval — for an administrator (adam), an auditor (aude), two operators (olive, oscar) and a
 * supervisor (sam). The clock stands on 2026-12-07, so the default period is 2026 Q3.
 */
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { loadConfigObject } from '../../src/config/load.js';
import { hashPassword } from '../../src/accounts/password.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { LiveEvent } from '../../src/pipeline/live-event.js';
import { StatusRegistry } from '../../src/status/registry.js';
import type { AuditInput } from '../../src/store/audit-repo.js';
import { openTestStore, type TestStore } from '../store/helpers/fixtures.js';
import { MemoryHotlist, MemorySnapshots } from './doubles.js';
import { httpConfig, PASSWORD, TEST_COST } from './harness.js';

/** Plates in the seeded criteria and purposes: none may appear on the report. */
export const SEEDED_PLATES = ['6GU547B', '7ABC123', '4XYZ999', '8KLM432'];
export const NOW = new Date(2026, 11, 7, 4, 30).getTime();

export interface ReviewStation {
  app: FastifyInstance;
  t: TestStore;
  clock: ManualClock;
  /** Audit ids of the seeded rows, by a name the tests use. */
  ids: Record<string, number>;
  close(): Promise<void>;
}

export async function auditReviewStation(): Promise<ReviewStation> {
  // Accounts made (and so reviewed) today: the access review does not disable them.
  const clock = new ManualClock(NOW);
  const t = await openTestStore({ clock, config: { synchronous: 'normal' } });
  for (const [username, role] of [['adam', 'administrator'], ['aude', 'auditor'], ['olive', 'operator'], ['oscar', 'operator'], ['sam', 'operator']] as const) {
    t.store.users.create({ username, role, passwordHash: await hashPassword(PASSWORD, TEST_COST), fullName: `${username[0]!.toUpperCase()}${username.slice(1)} Example`, contact: 'x100' });
  }
  const ids: Record<string, number> = {};
  const at = (month: number, d: number, h = 10): void => clock.set(new Date(2026, month, d, h).getTime());
  const row = (name: string | null, e: Partial<AuditInput> & { action: string }): void => {
    const r = t.store.audit.append({ user: null, object: null, purpose: null, caseNumber: null, details: null, ip: '127.0.0.1', ...e });
    if (name) ids[name] = r.id;
  };
  const search = (name: string, user: string, caseNumber: string, category: string, text: string, query: Record<string, unknown>, returned: number, extra: Record<string, unknown> = {}): void =>
    row(name, { user, action: 'search', caseNumber, purpose: `${category}: ${text}`, details: { query, purposeCategory: category, limit: 500, offset: 0, returned, ...extra } });

  // Before the quarter: not counted.
  at(5, 28);
  search('june', 'olive', 'SAC-26-0001', 'stolen vehicle', 'recovery of the red Civic from the Florin Road theft', { plate: '6GU547B' }, 1);
  at(6, 3);
  search('good', 'olive', 'SAC-26-0042', 'stolen vehicle', 'locate the grey Camry stolen from the Arden mall lot on 07/01', { plate: '6GU547B' }, 2);
  at(6, 9);
  search('repeat2', 'olive', 'SAC-26-0042', 'stolen vehicle', 'locate the grey Camry stolen from the Arden mall lot, second pass', { plate: '6GU547B' }, 1);
  at(6, 20);
  search('repeat3', 'olive', 'SAC-26-0042', 'stolen vehicle', 'locate the grey Camry, owner says seen on Watt Ave', { plate: '6GU547B' }, 1);
  at(7, 2);
  search('short', 'oscar', 'SAC-26-0077', 'criminal investigation', 'check 7ABC123', { plate: '7ABC123' }, 3);
  at(7, 5);
  search('vague', 'oscar', 'SAC-26-0078', 'criminal investigation', 'ongoing investigation follow up', { plate: '4XYZ*' }, 4);
  at(7, 15);
  search('empty', 'oscar', 'SAC-26-0079', 'missing or at-risk person', 'vehicle of the missing woman reported by her sister on 08/14', { cameraId: 'rear', from: clock.now() - 6 * 3600_000, to: clock.now() }, 0);
  at(8, 1);
  row('asked', { user: 'oscar', action: 'use.approval.requested', caseNumber: 'SAC-26-0080', purpose: 'civil standby: neighbour dispute', details: { use: 'search', purposeCategory: 'civil standby', requester: 'oscar' } });
  at(8, 1, 11);
  row('granted', { user: 'sam', action: 'use.approval.granted', object: String(ids.asked), caseNumber: 'SAC-26-0080', details: { requester: 'oscar' } });
  at(8, 1, 12);
  search('offlist', 'oscar', 'SAC-26-0080', 'civil standby', 'neighbour reports the van 8KLM432 parked on the lawn for days', { plate: '8KLM432' }, 1, { approvalId: ids.asked, approvedBy: 'sam' });
  at(8, 3);
  row('refused', { user: 'oscar', action: 'search.refused', details: { errors: [{ field: 'caseNumber', message: 'a case number is required' }] } });
  for (let i = 0; i < 4; i++) row(null, { user: 'olive', action: 'detection.view', object: `d-${i}` });
  row(null, { user: 'olive', action: 'image.view', object: 'd-1/plate' });
  row(null, { user: 'olive', action: 'live.subscribe' });
  row('lookup', { user: 'oscar', action: 'hotlist.lookup', details: { plate: '6GU', listed: false, matches: [] } });
  at(8, 10);
  row('release', { user: 'adam', action: 'release.requested', object: 'Placer County DA', caseNumber: 'SAC-26-0042', purpose: 'prosecution: trial exhibit', details: { detectionIds: ['a', 'b'], requestingPerson: 'DDA Lee', agencyKind: 'ca_prosecutor' } });
  at(8, 11);
  row('approved', { user: 'aude', action: 'audit.view', details: { filter: {} } });
  row('exported', { user: 'adam', action: 'release.exported', object: String(ids.release), details: { format: 'csv', count: 2 } });
  row('unusual', { user: 'system', action: 'alert.unusual_use', object: 'oscar', details: { kind: 'daily_limit' } });
  // After the quarter.
  at(9, 2);
  search('october', 'oscar', 'SAC-26-0099', 'criminal investigation', 'check', { plate: '6GU547B' }, 0);
  clock.set(NOW);

  const app = await buildServer({
    config: httpConfig(),
    registry: new StatusRegistry(clock),
    logger: silentLogger(),
    clock,
    version: 'test',
    device: { id: 'mdc-1207', agency: 'Demo Agency', mode: 'patrol' },
    users: t.store.users,
    audit: t.store.audit,
    detections: t.store.detections,
    hits: t.store.hits,
    hotlist: new MemoryHotlist(clock),
    events: new EventBus<LiveEvent>(),
    snapshots: new MemorySnapshots(),
    // The Oversight page (which links to the review) is served with the account policies.
    accounts: { records: t.store.users.records, config: loadConfigObject({}, tmpdir()).config!.accounts },
  });
  return {
    app,
    t,
    clock,
    ids,
    close: async () => {
      await app.close();
      await t.cleanup();
    },
  };
}
