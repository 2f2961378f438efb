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
import { openTestStore } from './helpers/fixtures.js';
import { garble, loseAuditEnd } from './helpers/garble.js';
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

  it('after a recovery, a lost end of the audit log is still reported (the AUTOINCREMENT marks are carried over)', async () => {
    daemon = await createDaemon({ name: 'start-audit-end' });
    const made = await openTestStore({ dir: daemon.dataDir });
    for (let i = 0; i < 5; i++) made.store.audit.append({ user: 'admin', action: 'search', object: null, purpose: 'test', caseNumber: null, details: null, ip: null });
    await made.store.stop();
    const file = join(daemon.dataDir, 'alpr.db');
    const last = loseAuditEnd(file, 2);
    garble(file, 0, 100);
    await daemon.start();
    expect((await daemon.unit('store')).message).toMatch(/^database was damaged /);
    // The account watch checks the chain at start and raises the break on the Oversight page.
    const alert = await daemon.logged('the broken audit chain to be raised', (r) => r.alert === 'audit_chain_broken');
    expect(alert.auditRows).toBe(1);
    expect(await daemon.stop()).toBe(0);
    expect(last).toBe(5);
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
