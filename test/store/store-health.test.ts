import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry, type UnitState } from '../../src/status/registry.js';
import type { MaintenanceReport, SpaceReport } from '../../src/store/maintenance.js';
import { StoreHealth, type HealthSource } from '../../src/store/store-health.js';

const space = (lowSpace = false): SpaceReport => ({ usedBytes: 1000, walBytes: 0, freeInFileBytes: 0, availableBytes: 5000, overQuota: false, lowSpace });
const source = (lowSpace = false): HealthSource => ({
  maintenance: { space: () => space(lowSpace) },
  outbox: { backlog: () => ({ pending: 3, claimed: 1, quarantined: 2, oldestEnqueuedAt: null }) },
});
const report = (stuck: boolean, notUploaded = 0): MaintenanceReport => ({
  purges: notUploaded > 0 ? [{ reason: 'quota_not_uploaded', count: notUploaded, from: 1, to: 2 }] : [],
  space: space(),
  stuck,
  maxBatchMs: 1,
});
const damaged = { ok: false, problems: ['page 7: btree broken', 'page 9'], ms: 5 };

function setup(): { health: StoreHealth; status: () => { state: UnitState; message: string; counters: Record<string, number> } } {
  const registry = new StatusRegistry();
  const reporter = registry.reporter('store', 'store');
  return { health: new StoreHealth(reporter, silentLogger()), status: () => reporter.get() };
}

describe('StoreHealth', () => {
  // Most serious first: each row's condition outranks the rows below it.
  const rows: { name: string; given: (h: StoreHealth) => void; lowSpace?: boolean; state: UnitState; message: RegExp }[] = [
    { name: 'a damaged copy still beside the database', given: (h) => (h.aside = { file: fileURLToPath(import.meta.url), why: 'database was damaged' }), state: 'down', message: /kept as store-health\.test\.ts/ },
    { name: 'damage found by quick_check, over a full disk', given: (h) => (h.integrityChecked(damaged, 0), h.diskFullMet(new Error('SQLITE_FULL'))), state: 'down', message: /^quick_check found damage: page 7: btree broken \(\+1 more\)$/ },
    { name: 'a full disk, over stuck', given: (h) => (h.diskFullMet(new Error('SQLITE_FULL')), h.maintained(report(true))), state: 'down', message: /^disk full/ },
    { name: 'stuck and low on space', given: (h) => h.maintained(report(true)), lowSpace: true, state: 'down', message: /^low on disk space and nothing left/ },
    { name: 'stuck over the quota', given: (h) => h.maintained(report(true)), state: 'down', message: /^over the disk quota/ },
    { name: 'low on space, over lost detections', given: (h) => h.countLost(2, 'disk full'), lowSpace: true, state: 'degraded', message: /^low on disk space: purging/ },
    { name: 'lost detections', given: (h) => h.countLost(2, 'disk full'), state: 'degraded', message: /^2 detection\(s\) could not be stored/ },
    { name: 'never-uploaded detections purged', given: (h) => h.maintained(report(false, 4)), state: 'degraded', message: /purged 4 detection\(s\) never uploaded/ },
    { name: 'nothing', given: () => undefined, state: 'ok', message: /^$/ },
  ];
  it.each(rows)('$name: $state', ({ given, lowSpace, state, message }) => {
    const { health, status } = setup();
    given(health);
    expect(health.refresh(source(lowSpace), null)?.lowSpace).toBe(lowSpace ?? false);
    expect(status().state).toBe(state);
    expect(status().message).toMatch(message);
  });

  it('shows no database as down with the detections not stored, and reads no gauges', () => {
    const { health, status } = setup();
    health.countLost(1, 'no database');
    expect(health.refresh(null, 'disk full: ENOSPC')).toBeNull();
    expect(status().state).toBe('down');
    expect(status().message).toBe('no database (disk full: ENOSPC): reading and alerting go on, 1 detection(s) not stored');
  });

  it('forgets a damaged copy once it is removed, and quick_check damage once a check is clean', () => {
    const { health, status } = setup();
    health.aside = { file: '/nonexistent/detections.db.damaged-1', why: 'database was damaged' };
    health.integrityChecked(damaged, 0);
    health.refresh(source(), null);
    expect(health.aside).toBeNull();
    expect(status().message).toMatch(/^quick_check found damage/);
    health.integrityChecked({ ok: true, problems: [], ms: 5 }, 1);
    health.refresh(source(), null);
    expect(status().state).toBe('ok');
  });

  it('ends a full disk at the next stored commit, once', () => {
    const { health } = setup();
    expect(health.stored()).toBe(false);
    health.diskFullMet(new Error('SQLITE_FULL'));
    expect(health.diskFull).toBe(true);
    expect(health.stored()).toBe(true);
    expect(health.stored()).toBe(false);
  });
});
