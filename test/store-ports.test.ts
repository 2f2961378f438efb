/**
 * The operator station's ports over the store (src/store-ports.ts), on a real store in a temp
 * dir: built before the store starts, as buildApp builds them, they look each repository up per
 * call, so they answer once the database is open.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfigObject } from '../src/config/load.js';
import { systemClock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';
import { Store } from '../src/store/store.js';
import type { StoredEvent } from '../src/store/store-writer.js';
import { storePorts } from '../src/store-ports.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('alpr-store-ports-');
const config = loadConfigObject({}, dir).config!;
const store = new Store({ config: config.store, dataDir: join(dir, 'data'), deviceId: 'test-unit', logger: silentLogger(), status: new StatusRegistry(systemClock).reporter('store', 'store'), clock: systemClock });
const ports = storePorts(store, config);
afterAll(() => store.stop());

test('built before the store starts, a port refuses while the database is not open', () => {
  expect(() => ports.users.count()).toThrow(/not open/);
});

describe('once the store has started', () => {
  beforeAll(() => store.start());

  test('each port answers from the database', () => {
    expect(ports.users.count()).toBe(0);
    ports.users.create({ username: 'ada', role: 'administrator', passwordHash: 'x', fullName: 'Ada', contact: '' });
    expect(store.users.get('ada')?.role).toBe('administrator');
    const row = ports.audit.append({ user: 'ada', action: 'test.ports', object: null, purpose: null, caseNumber: null, details: null, ip: null });
    expect(ports.audit.get(row.id)?.action).toBe('test.ports');
    expect(ports.detections.recent(5)).toEqual([]);
    expect(ports.hits.list({})).toEqual([]);
    expect(ports.damageReports.list(10, 0)).toEqual([]);
  });

  test('the records and accounts ports carry their configuration', () => {
    expect(ports.records.settings).toEqual({ retention: config.store.retention, quota: config.store.quota });
    expect(ports.records.held(10)).toEqual([]);
    expect(ports.accounts.config).toBe(config.accounts);
  });

  test('a correction filed through the accounts port goes through the store, which tells its onStored listeners', () => {
    const events: StoredEvent[] = [];
    const off = store.onStored((e) => events.push(e));
    const c = ports.accounts.records.addCorrection({ detectionId: 'd-1', hitId: null, originalText: 'ABC123', correctedText: 'ABC128', note: '', reportedBy: 'ada' });
    off();
    expect(store.users.records.corrections({ detectionId: 'd-1' }).map((x) => x.id)).toEqual([c.id]);
    expect(events).toEqual([{ id: 'd-1', hit: false, changed: true }]);
  });
});
