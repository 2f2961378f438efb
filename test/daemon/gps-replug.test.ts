/**
 * GPS replug on the real daemon (issue 17 item 5): `alpr-edge run` reads a serial receiver through
 * a socat pty pair; the test unplugs it (kills socat: the device path disappears) and plugs it back
 * at the same path. The fix used to come back only at the next backoff retry (25 s after a 30 s
 * unplug); the daemon now watches the device path. The retry here is 60-120 s away, beyond every
 * wait below, so only the watch can bring the fix back. The outage start stays on the status while
 * the receiver is out. The replug-to-fix time is printed (the target is 2 s; speed is not asserted).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitStatus } from '../../src/status/registry.js';
import { driveEpochs } from '../gps/helpers/drive.js';
import { PtyPair } from '../gps/helpers/pty.js';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';

let daemon: TestDaemon;
let pty: PtyPair;
let feeding = true;
let fed = 0;
let feeder: Promise<void> = Promise.resolve();
/** The drive log's epochs, written one every 100 ms (a 10 Hz receiver) while the pty exists. */
const EPOCHS = driveEpochs(200)
  .split(/(?=\$GNRMC)/)
  .filter(Boolean);

async function feed(): Promise<void> {
  while (feeding) {
    try {
      await pty.write(EPOCHS[fed % EPOCHS.length]!);
      fed++;
    } catch {
      // Unplugged: nothing to write to until the pty is back.
    }
    await delay(100);
  }
}

beforeAll(async () => {
  daemon = await createDaemon({ name: 'gps-replug' });
  pty = new PtyPair(daemon.dir);
  await pty.start();
  daemon.writeConfig({
    ...daemon.config,
    gps: { source: 'serial', serial: { path: pty.readerPath, baud: 4800 }, reconnect: { initial_s: 60, max_s: 120 } },
  });
  feeder = feed();
  await daemon.start();
}, 120_000);

afterAll(async () => {
  feeding = false;
  await feeder;
  await daemon?.dispose();
  await pty?.stop();
});

/** A position received within the last second. */
const hasFreshFix = (u: UnitStatus): boolean => u.details.connected === true && typeof u.details.lat === 'number' && typeof u.details.age_s === 'number' && u.details.age_s <= 1;

describe('GPS replug on the real daemon', () => {
  it('goes red on unplug with the outage start, and has a fix again soon after the same path returns', async () => {
    await daemon.waitForUnit('gps', hasFreshFix, 'a first fix');

    await pty.stop();
    const down = await daemon.waitForUnit('gps', (u) => u.state === 'down', 'the GPS down after the unplug');
    const outage = down.details.outage_since;
    expect(typeof outage).toBe('string');
    expect(down.since).toBe(outage);
    expect(down.message).toMatch(/out since \S+; next try at \S+ or when the device appears$/);
    // Still out later (more status refreshes): the start is kept, not moved to the latest check.
    const sentencesAtUnplug = (await daemon.unit('gps')).counters.sentences ?? 0;
    const later = await daemon.waitForUnit('gps', (u) => u.details.age_s !== null && Number(u.details.age_s) >= 1, 'the last fix to age while unplugged');
    expect([later.state, later.since, later.details.outage_since]).toEqual(['down', outage, outage]);

    const replugged = performance.now();
    await pty.start();
    const back = await daemon.waitForUnit('gps', (u) => hasFreshFix(u) && (u.counters.sentences ?? 0) > sentencesAtUnplug, 'a fix after the replug');
    const ms = performance.now() - replugged;
    console.info(`real daemon GPS replug: fix back ${ms.toFixed(0)} ms after the device reappeared (target 2000 ms; backoff retry 60 s away)`);
    expect(back.details.outage_since).toBeNull();
    expect(back.counters.reconnects).toBeGreaterThanOrEqual(1);
    // Positions never go into the log.
    const lat = String(back.details.lat);
    expect(daemon.lines.some((l) => l.includes(lat))).toBe(false);
  }, 90_000);
});
