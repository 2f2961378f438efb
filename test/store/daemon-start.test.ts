/**
 * The real daemon (`alpr-edge run`) started on a damaged database and on a disk 100% full: it
 * used to exit 1 at start in both cases (no reading, no alerts; under systemd a restart loop,
 * issue 17 item 4). Now it starts, serves its status with the store red and the reason, and
 * stops cleanly. No cameras, no GPS: only the start-up path is under test.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';
import { skipWithout } from '../helpers/peer.js';
import { fillDisk } from './helpers/fill-disk.js';
import { probeTmpfs } from './helpers/tmpfs.js';

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.dispose();
  daemon = undefined;
});

describe('the daemon starting on a bad data directory', () => {
  it('starts on a database file of garbage, with the store red, and keeps the file aside', async () => {
    daemon = await createDaemon({ name: 'start-damaged' });
    const junk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
    writeFileSync(join(daemon.dataDir, 'alpr.db'), junk);
    await daemon.start();
    const store = await daemon.unit('store');
    expect(store.state).toBe('down');
    expect(store.message).toMatch(/^database was damaged .*the damaged copy is kept as alpr\.db\.damaged-/);
    expect(readdirSync(daemon.dataDir).filter((f) => f.startsWith('alpr.db.damaged-'))).toHaveLength(1);
    expect(await daemon.stop()).toBe(0);
  }, 150_000);

  const tmpfs = probeTmpfs();

  it.skipIf(skipWithout('a tmpfs mount (root)', tmpfs.ok, tmpfs.why))('starts degraded on a disk 100% full (it used to exit 1), with the store red', async () => {
    daemon = await createDaemon({ name: 'start-full' });
    const data = daemon.dataDir;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', data], { stdio: 'pipe' });
    daemon.onDispose(() => execFileSync('umount', [data], { stdio: 'pipe' }));
    fillDisk(join(data, 'filler'));
    await daemon.start();
    const store = await daemon.unit('store');
    expect(store.state).toBe('down');
    expect(store.message).toMatch(/^no database \(disk full/);
    expect(await daemon.stop()).toBe(0);
  }, 150_000);
});
