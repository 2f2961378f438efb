/**
 * A full disk, made real with a small tmpfs (needs root: mount). Skipped with a message where
 * mounting is not permitted; under CI=true that is a failure instead (test/helpers/peer.ts).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlprError } from '../../src/shared/errors.js';
import { systemClock } from '../../src/shared/clock.js';
import { sha256Hex } from '../../src/store/detections-repo.js';
import { skipWithout } from '../helpers/peer.js';
import { waitFor } from '../helpers/wait-for.js';
import { fillDisk } from './helpers/fill-disk.js';
import { mountTmpfs, probeTmpfs, remountTmpfs } from './helpers/tmpfs.js';
import { acknowledge, detection, hit, jpeg, openTestStore, type TestStore } from './helpers/fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const tmpfs = probeTmpfs();
let dir = '';
let unmount: (() => void) | null = null;

function remount(size: string): void {
  remountTmpfs(dir, size);
}

/** SHA-256 of the overview each stored detection was given, to compare what comes back. */
const written = new Map<string, string>();

/** Stores detections until the disk is full; returns the ids reported stored and the error. */
function fillUp(t: TestStore, max = 4000): { stored: string[]; error: unknown } {
  const stored: string[] = [];
  for (let i = 0; i < max; i++) {
    const d = detection({ text: `F${i}`, overviewJpeg: jpeg(40_000) });
    try {
      t.store.insertDetection(d, null, []);
      stored.push(d.id);
      written.set(d.id, sha256Hex(d.overviewJpeg));
    } catch (err) {
      return { stored, error: err };
    }
  }
  return { stored, error: null };
}

function checkIntact(t: TestStore, ids: readonly string[]): void {
  const db = new BetterSqlite3(t.store.file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
  for (const id of ids) {
    const plate = t.store.detections.image(id, 'plate');
    const overview = t.store.detections.image(id, 'overview');
    expect(plate, `plate of ${id}`).not.toBeNull();
    expect(overview!.length).toBe(40_000);
    if (written.has(id)) expect(sha256Hex(overview!), `overview of ${id}`).toBe(written.get(id));
  }
}

describe.skipIf(skipWithout('a tmpfs mount (root)', tmpfs.ok, tmpfs.why))('disk full (tmpfs)', () => {
  // Made only where the block runs (a skipped block runs no afterAll to remove it); removed after
  // the afterAll below, registered later, has unmounted the tmpfs.
  if (tmpfs.ok) dir = tempDir('alpr-diskfull-');
  beforeAll(() => {
    unmount = mountTmpfs(dir, '48m');
  });
  afterAll(() => unmount?.());

  it('refuses new detections with STORE_DISK_FULL and a red status, corrupts nothing, and recovers when space returns', async () => {
    remount('48m');
    const t = await openTestStore({ dir, clock: systemClock, config: { quota: { max_mb: 0, min_free_mb: 0, reserve_mb: 16, purge_unuploaded: false } } });
    try {
      const { stored, error } = fillUp(t);
      expect(error).toBeInstanceOf(AlprError);
      expect((error as AlprError).code).toBe('STORE_DISK_FULL');
      expect(stored.length).toBeGreaterThan(10);
      expect(t.registry.get('store')).toMatchObject({ state: 'down', message: expect.stringMatching(/disk full/) });
      expect(t.registry.get('store')!.counters.store_failed).toBeGreaterThanOrEqual(1);
      checkIntact(t, stored);

      remount('96m');
      const d = detection({ text: 'BACK1' });
      t.store.insertDetection(d, null, []);
      expect(t.registry.get('store')!.state).toBe('ok');
      checkIntact(t, [...stored]);
      expect(t.store.detections.get(d.id)).not.toBeNull();
    } finally {
      await t.store.stop();
      rmSync(join(dir, 'alpr.db'), { force: true });
      rmSync(join(dir, 'alpr.db-wal'), { force: true });
      rmSync(join(dir, 'alpr.db-shm'), { force: true });
    }
  });

  it('makes room by purging acknowledged detections when space runs low, and keeps storing', async () => {
    remount('48m');
    const t = await openTestStore({ dir, clock: systemClock, config: { quota: { max_mb: 0, min_free_mb: 36, reserve_mb: 16, purge_unuploaded: false } } });
    try {
      const first = fillUp(t);
      expect((first.error as AlprError).code).toBe('STORE_DISK_FULL');
      acknowledge(t.store, first.stored);
      const report = (await t.store.maintain())!;
      expect(report.purges[0]).toMatchObject({ reason: 'quota_uploaded' });
      expect(report.space.lowSpace).toBe(false);
      expect(t.registry.get('store')!.counters.purged).toBeGreaterThan(0);
      const d = detection({ text: 'ROOM1', overviewJpeg: jpeg(40_000) });
      t.store.insertDetection(d, null, []);
      expect(t.registry.get('store')!.state).not.toBe('down');
      checkIntact(t, [d.id]);
    } finally {
      await t.store.stop();
      clean();
    }
  });

  it('stores the hit that meets the full disk in half the reserve (it used to be dropped 2 ms before the reserve was released)', async () => {
    remount('48m');
    const t = await openTestStore({ dir, clock: systemClock, config: { group_commit_ms: 0, quota: { max_mb: 0, min_free_mb: 0, reserve_mb: 8, purge_unuploaded: false } } });
    try {
      t.store.insertDetection(detection({ text: 'PRE1' }), null, []);
      fillDisk(join(dir, 'filler'));
      const d = detection({ text: '8FJK392', overviewJpeg: jpeg(40_000) });
      const ref = await t.store.ingest(d, null, [hit({ readText: '8FJK392' })]);
      expect(ref.hitIds).toHaveLength(1);
      expect(t.store.detections.get(d.id)).not.toBeNull();
      expect(t.registry.get('store')!.counters.lost_detections ?? 0).toBe(0);
      checkIntact(t, [d.id]);
    } finally {
      await t.store.stop();
      clean();
    }
  });

  it('counts, logs and shows red a detection that still cannot be stored after the reserve and a purge, and says so once space returns', async () => {
    remount('48m');
    const t = await openTestStore({ dir, clock: systemClock, config: { group_commit_ms: 0, quota: { max_mb: 0, min_free_mb: 0, reserve_mb: 0, purge_unuploaded: false } } });
    try {
      t.store.insertDetection(detection({ text: 'PRE2' }), null, []);
      fillDisk(join(dir, 'filler'));
      const d = detection({ text: 'LOST1', overviewJpeg: jpeg(40_000) });
      await expect(t.store.ingest(d, null, [hit()])).rejects.toMatchObject({ code: 'STORE_DISK_FULL' });
      expect(t.registry.get('store')!.counters.lost_detections).toBe(1);
      expect(t.registry.get('store')).toMatchObject({ state: 'down', message: expect.stringMatching(/disk full.*1 lost/) });
      rmSync(join(dir, 'filler'));
      await t.store.ingest(detection({ text: 'BACK2' }), null, []);
      expect(t.registry.get('store')).toMatchObject({ state: 'degraded', message: expect.stringMatching(/^1 detection\(s\) could not be stored/) });
    } finally {
      await t.store.stop();
      clean();
    }
  });

  it('starts without a database on a disk 100% full (no exit), counts detections as not stored, and opens it once there is room', async () => {
    remount('48m');
    const first = await openTestStore({ dir, clock: systemClock });
    first.store.insertDetection(detection({ text: 'OLD1' }), null, []);
    await first.store.stop();
    rmSync(join(dir, '.store-reserve'), { force: true });
    fillDisk(join(dir, 'filler'));
    const t = await openTestStore({ dir, clock: systemClock, config: { reopen_interval_s: 1, quota: { max_mb: 0, min_free_mb: 0, reserve_mb: 1 } } });
    try {
      expect(t.registry.get('store')).toMatchObject({ state: 'down', message: expect.stringMatching(/^no database \(disk full/) });
      await expect(t.store.ingest(detection({ text: 'NODB1' }), null, [hit()])).rejects.toMatchObject({ code: 'STORE_DISK_FULL' });
      expect(t.registry.get('store')!.counters.lost_detections).toBe(1);
      rmSync(join(dir, 'filler'));
      await waitFor(() => t.registry.get('store')!.state !== 'down', 'the database to open once there is room');
      expect(t.store.detections.recent(10).map((r) => r.text)).toContain('OLD1');
      await t.store.ingest(detection({ text: 'AFTER1' }), null, []);
    } finally {
      await t.store.stop();
      clean();
    }
  });
});

function clean(): void {
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true, recursive: true });
}
