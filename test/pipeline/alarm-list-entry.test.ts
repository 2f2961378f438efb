/**
 * An operator cannot mark an entry of an alarm list informational: a stolen car must never arrive
 * as a silent card. The hot list refuses it, field by field, like its other rules; the sink also
 * presents any alarm-list hit as an alarm (detection-sink.test.ts).
 */
import { expect, it } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { Hotlist } from '../../src/hotlist/hotlist.js';
import type { LocalEntryInput } from '../../src/hotlist/local-entries.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { testTempDir } from '../helpers/temp-dir.js';

const entry = (now: number, over: Partial<LocalEntryInput>): LocalEntryInput => ({
  plate: '5XYZ123',
  state: 'CA',
  list: 'stolen_vehicle',
  priority: 1,
  reason: 'Stolen from a driveway overnight',
  caseNumber: '26-120001',
  officerName: 'Ofc. M. Alvarez #4411',
  officerContact: '916-555-0142',
  expiresAt: now + 24 * 3_600_000,
  alsoInNcic: false,
  ...over,
});

it('refuses an informational entry on an alarm list, and accepts it on other lists', async () => {
  const dir = testTempDir('alpr-alarm-entry-');
  const config = loadConfigObject({ hotlist: { build: 'inline' } }, dir).config!;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const hotlist = new Hotlist({ config: config.hotlist, dataDir: dir, logger: silentLogger(), status: new StatusRegistry(clock).reporter('hotlist', 'hotlist'), clock, alarmLists: config.alerts.alarm_lists });
  await hotlist.start();
  try {
    const now = clock.now();
    const refused = hotlist.addLocalEntry(entry(now, { informational: true }), 'alvarez');
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.errors).toEqual([{ field: 'informational', message: expect.stringContaining('stolen_vehicle list raises alarms') as string }]);
    expect(hotlist.addLocalEntry(entry(now, {}), 'alvarez').ok).toBe(true);
    expect(hotlist.addLocalEntry(entry(now, { plate: '6ABC777', list: 'local', informational: true }), 'alvarez').ok).toBe(true);
  } finally {
    await hotlist.stop();
  }
});
