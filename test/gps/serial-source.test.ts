import { execFileSync } from 'node:child_process';
import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GpsSection, type GpsConfig } from '../../src/config/sections/gps.js';
import type { GpsFix, Position } from '../../src/gps/fix.js';
import { GpsUnit } from '../../src/gps/gps-unit.js';
import { systemClock } from '../../src/shared/clock.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { driveEpochs, expectFixMatches, loadTruth } from './helpers/drive.js';
import { captureLogger } from './helpers/log.js';
import { waitFor } from '../helpers/wait-for.js';
import { PtyPair, sleep } from './helpers/pty.js';
import { seededRandom } from '../helpers/random.js';
import { testTempDir } from '../helpers/temp-dir.js';

const truth = loadTruth();

/** Bytes as a UART at the wrong rate delivers them: anything but a line that checks out. */
function noise(rand: () => number, n: number, withDollar = true): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    let v = Math.floor(rand() * 256);
    if (!withDollar && v === 0x24) v = 0xa4;
    b[i] = v;
  }
  return b;
}

/** One string per epoch of the drive (an epoch starts at each RMC). */
function epochTexts(n: number, from = 0): string[] {
  return driveEpochs(n, from)
    .split(/(?=\$GNRMC)/)
    .filter(Boolean);
}

describe('serial source through a socat pty (real serialport)', () => {
  let dir: string;
  let pty: PtyPair;
  let unit: GpsUnit | null = null;

  beforeEach(async () => {
    dir = testTempDir('gps-pty-');
    pty = new PtyPair(dir);
    await pty.start();
  });

  afterEach(async () => {
    await unit?.stop();
    unit = null;
    await pty.stop();
  });

  function build(over: Partial<GpsConfig['serial']> & { idle_timeout_s?: number; reconnect?: { initial_s: number; max_s: number } } = {}) {
    const { idle_timeout_s, reconnect, ...serial } = over;
    const config = Value.Default(GpsSection, {
      source: 'serial',
      serial: { path: pty.readerPath, baud: 9600, ...serial },
      reconnect: reconnect ?? { initial_s: 0.1, max_s: 0.5 },
      idle_timeout_s: idle_timeout_s ?? 5,
    }) as GpsConfig;
    const registry = new StatusRegistry(systemClock);
    const { logger, lines } = captureLogger();
    const u = new GpsUnit({ config, logger, reporter: registry.reporter('gps', 'gps'), clock: systemClock });
    unit = u;
    const fixes: GpsFix[] = [];
    const verdicts: Position[] = [];
    u.onFix((f) => {
      fixes.push(f);
      verdicts.push(u.positionAt(f.receivedAt)!);
    });
    return { unit: u, fixes, verdicts, lines, status: () => registry.get('gps')! };
  }

  it('reads the whole drive: every epoch, the tunnel as no fix, the HDOP spike as untrusted', async () => {
    const { unit, fixes, verdicts, status } = build();
    await unit.start();
    await waitFor(() => status().details.connected === true, 'port open');
    for (const epoch of epochTexts(600)) {
      await pty.write(epoch);
      await sleep(2);
    }
    await waitFor(() => fixes.length === 600, '600 fixes');
    fixes.forEach((f, i) => expectFixMatches(f, truth.epochs[i]!));
    const reasons = verdicts.map((v, i) => [truth.epochs[i]!.phase, v.untrusted_reason] as const);
    expect(reasons.filter(([p]) => p === 'tunnel').every(([, r]) => r === 'no fix')).toBe(true);
    expect(reasons.filter(([p]) => p === 'urban canyon (HDOP spike)').every(([, r]) => r !== null && /^hdop [\d.]+ > 5$/.test(r))).toBe(true);
    expect(reasons.filter(([p]) => p === 'cruise north').every(([, r]) => r === null)).toBe(true);
    expect(status().counters).toMatchObject({ sentences: 3600, fixes: 600 });
    expect(status().counters.bad_checksum ?? 0).toBe(0);
    // The log was recorded in March: its GPS time is months from this clock, and that shows.
    expect(status().state).toBe('degraded');
    expect(status().message).toMatch(/^clock skew: GPS time and system clock differ by -\d+\.\d s \(limit 2 s\)$/);
  });

  it('reads every sentence between bursts of random bytes and counts them as garbage', async () => {
    const { unit, fixes, status } = build();
    const rand = seededRandom(42);
    await unit.start();
    await waitFor(() => status().details.connected === true, 'port open');
    let dollars = 0;
    for (const epoch of epochTexts(60)) {
      const junk = noise(rand, 1 + Math.floor(rand() * 300));
      dollars += junk.filter((b) => b === 0x24).length;
      await pty.write(junk);
      // Cut the junk off from the next sentence, as the receiver's next CR LF would.
      await pty.write('\r\n');
      await pty.write(epoch);
      await sleep(5);
    }
    await waitFor(() => fixes.length === 60, '60 fixes');
    fixes.forEach((f, i) => expectFixMatches(f, truth.epochs[i]!));
    const c = status().counters;
    expect(c.sentences).toBe(60 * 6);
    expect((c.bad_checksum ?? 0) + (c.malformed ?? 0) + (c.unsupported ?? 0)).toBe(dollars);
    expect(c.garbage_bytes).toBeGreaterThan(1_000);
  });

  it('survives 10 MB of garbage with bounded memory and reads the sentences after it', async () => {
    const { unit, fixes, status } = build();
    const rand = seededRandom(7);
    await unit.start();
    await waitFor(() => status().details.connected === true, 'port open');
    const heapBefore = process.memoryUsage().heapUsed;
    const chunk = noise(rand, 1 << 20);
    for (let i = 0; i < 10; i++) await pty.write(chunk);
    await pty.write('\r\n');
    await waitFor(() => (status().counters.bytes ?? 0) >= 10 << 20, '10 MB read');
    for (const epoch of epochTexts(5)) {
      await pty.write(epoch);
      await sleep(5);
    }
    await waitFor(() => fixes.length === 5, '5 fixes after the garbage');
    fixes.forEach((f, i) => expectFixMatches(f, truth.epochs[i]!));
    // Every $ in the noise opened a candidate line that failed; everything else is garbage.
    const c = status().counters;
    const dollars = 10 * chunk.filter((b) => b === 0x24).length;
    expect((c.bad_checksum ?? 0) + (c.malformed ?? 0) + (c.unsupported ?? 0)).toBe(dollars);
    expect(c.garbage_bytes).toBeGreaterThan(5 << 20);
    // Nothing of the garbage is kept: the heap grows far less than the 10 MB that went through.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 << 20);
  });

  it('auto baud: cycles rates on noise and locks on the rate where sentences check out', async () => {
    // A pty ignores the baud rate, so the test plays the receiver's side: while the reader's
    // termios (read back with stty) is not 38400 it gets what a UART at the wrong rate delivers
    // (noise), at 38400 it gets the drive. This proves the detector and serialport.update()
    // on a real tty, not the electrical behaviour of a UART.
    const { unit, fixes, status, lines } = build({ baud: 'auto', probe_s: 0.5 });
    const rand = seededRandom(3);
    await unit.start();
    await waitFor(() => status().details.connected === true, 'port open');
    const speed = (): number => Number(execFileSync('stty', ['-F', pty.readerPath, 'speed']).toString().trim());
    const epochs = epochTexts(30);
    const seen = new Set<number>();
    let e = 0;
    const deadline = Date.now() + 20_000;
    while (fixes.length < 5 && Date.now() < deadline) {
      const s = speed();
      seen.add(s);
      if (s === 38400) await pty.write(epochs[e++ % epochs.length]!);
      else await pty.write(noise(rand, 200, false));
      await sleep(30);
    }
    expect(fixes.length).toBeGreaterThanOrEqual(5);
    expect(status().details.baud).toBe(38400);
    // It started at 9600 (the first auto rate) and moved on; the order itself is the detector's
    // table test. A poll may miss the short 4800 stage on a busy machine, so it is not required.
    expect([...seen]).toEqual(expect.arrayContaining([9600, 38400]));
    expect(lines.filter((l) => l.msg === 'GPS baud rate detected').map((l) => l.baud)).toEqual([38400]);
  });

  it('goes red when the device disappears and reconnects when the same path comes back', async () => {
    const { unit, fixes, status, lines } = build();
    await unit.start();
    await waitFor(() => status().details.connected === true, 'port open');
    const epochs = epochTexts(20);
    for (const ep of epochs.slice(0, 5)) {
      await pty.write(ep);
      await sleep(5);
    }
    await waitFor(() => fixes.length === 5, 'first fixes');

    await pty.stop();
    await waitFor(() => status().state === 'down', 'state down');
    expect(status().message).toMatch(/disconnected|cannot open/);
    expect(status().details.connected).toBe(false);

    await pty.start();
    await waitFor(() => status().details.connected === true, 'reconnected');
    for (const ep of epochs.slice(5)) {
      await pty.write(ep);
      await sleep(5);
    }
    await waitFor(() => fixes.length === 20, 'fixes after replug');
    fixes.forEach((f, i) => expectFixMatches(f, truth.epochs[i]!));
    expect(status().counters.reconnects).toBe(1);
    // Loud once for the unplug, quiet for the retries while it was gone.
    expect(lines.filter((l) => l.level === 40 && /GPS_SERIAL/.test(String(l.code))).length).toBe(1);
  });

  it('is back as soon as the device reappears, not at the next retry, with the outage start kept (replug took 25 s before)', async () => {
    // The next retry is 30–60 s away, past any wait below (25 s at most): only the device watch can bring it back.
    const { unit, fixes, status } = build({ reconnect: { initial_s: 60, max_s: 120 } });
    await unit.start();
    await waitFor(() => status().details.connected === true, 'port open');
    const epochs = epochTexts(12);
    for (const ep of epochs.slice(0, 3)) await pty.write(ep);
    await waitFor(() => fixes.length === 3, 'first fixes');

    await pty.stop();
    await waitFor(() => status().state === 'down', 'state down');
    const outage = status().details.outage_since;
    expect(typeof outage).toBe('string');
    expect(status().since).toBe(outage);
    expect(status().message).toMatch(/out since \S+; next try at \S+ or when the device appears$/);

    const replugged = performance.now();
    await pty.start();
    await waitFor(() => status().details.connected === true, 'reopened after replug');
    const reopenMs = performance.now() - replugged;
    for (const ep of epochs.slice(3)) await pty.write(ep);
    await waitFor(() => fixes.length === 12, 'fixes after replug');
    console.info(`GPS replug: port open ${reopenMs.toFixed(0)} ms, fix ${(performance.now() - replugged).toFixed(0)} ms after the device reappeared`);
    expect(status().details.outage_since).toBeNull();
  });

  it('reopens a port that stays silent longer than idle_timeout_s', async () => {
    const { unit, status, lines } = build({ idle_timeout_s: 1 });
    await unit.start();
    await waitFor(() => status().details.connected === true, 'port open');
    await waitFor(() => (status().counters.reconnects ?? 0) >= 1, 'idle reconnect');
    expect(lines.some((l) => l.code === 'GPS_IDLE_TIMEOUT')).toBe(true);
  });
});

describe('serial source without a device', () => {
  it('is red with the reason and keeps retrying while the path does not exist', async () => {
    const config = Value.Default(GpsSection, { source: 'serial', serial: { path: '/nonexistent/ttyGPS', baud: 4800 }, reconnect: { initial_s: 0.05, max_s: 0.1 } }) as GpsConfig;
    const registry = new StatusRegistry(systemClock);
    const { logger, lines } = captureLogger();
    const unit = new GpsUnit({ config, logger, reporter: registry.reporter('gps', 'gps'), clock: systemClock });
    await unit.start();
    try {
      await waitFor(() => lines.filter((l) => l.code === 'GPS_SERIAL_OPEN_FAILED').length >= 1, 'a failed open');
      const firstSince = registry.get('gps')!.details.outage_since;
      await waitFor(() => lines.filter((l) => l.code === 'GPS_SERIAL_OPEN_FAILED').length >= 3, 'three failed opens');
      const s = registry.get('gps')!;
      // The outage began at the first failure; retries do not move it (nor the state's since).
      expect(s.details.outage_since).toBe(firstSince);
      expect(s.since).toBe(firstSince);
      expect(s.state).toBe('down');
      expect(s.message).toMatch(/^cannot open GPS serial port \/nonexistent\/ttyGPS: .*; out since \S+; next try at \S+ or when the device appears$/);
      expect(s.details).toMatchObject({ connected: false, device: '/nonexistent/ttyGPS', baud: 4800 });
    } finally {
      await unit.stop();
    }
  });
});
