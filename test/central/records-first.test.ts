/**
 * The central receiver (direct mode, real PostgreSQL) with the device's uploader in
 * `images: deferred`: records first, images later in resumable pieces, attached to their rows by
 * detection id; misread corrections stored once in their own table.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CentralApp } from '../../src/central/central-app.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Uploader } from '../../src/upload/uploader.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { detection, jpeg, openTestStore, position, type TestStore } from '../store/helpers/fixtures.js';
import { makeUploader, uploadConfig, waitFor } from '../upload/helpers/peers.js';
import { centralConfig, freshDatabase } from './helpers.js';

const pg = new PostgresPeer({ fsync: false });
let app: CentralApp | undefined;
let t: TestStore | undefined;
let up: Uploader | undefined;

beforeAll(async () => {
  await pg.start();
  app = new CentralApp(centralConfig({ postgres: { url: await freshDatabase(pg) } }), 'all', silentLogger());
  await app.start();
});
afterEach(async () => {
  await up?.stop();
  await t?.cleanup();
  up = t = undefined;
});
afterAll(async () => {
  await app?.stop();
  await pg.cleanup();
});

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
  const store = (app as unknown as { store: { pool: { query: (s: string, p: unknown[]) => Promise<{ rows: T[] }> } } }).store;
  return (await store.pool.query(sql, params)).rows;
};

describe('central receiver beyond version 1', () => {
  it('announces corrections and image pieces', async () => {
    const r = await fetch(`${app!.address}/v1/capabilities`);
    expect(await r.json()).toMatchObject({ api: 1, features: ['corrections', 'image_pieces'] });
  });

  it('takes records first and their images later in pieces, and corrections once', async () => {
    t = await openTestStore({ config: { synchronous: 'normal' }, deviceId: 'unit-rf' });
    const overview = jpeg(300 * 1024);
    const ids = t.store
      .insertDetections(Array.from({ length: 3 }, (_, i) => ({ detection: detection({ text: `CEN${i}`, overviewJpeg: overview }, Date.now() - 3_600_000), position: position(), hits: [] })))
      .map((r) => r.id);
    t.store.users.records.addCorrection({ detectionId: ids[0]!, hitId: null, originalText: 'CEN0', correctedText: 'CEN8', note: 'checked', reportedBy: 'ofc.lee' });
    // 100 KB pieces: each overview goes in three.
    const made = makeUploader(t.store, uploadConfig({ endpoint: app!.address!, images: 'deferred', batch_max_mb: 0.1 }), { deviceId: 'unit-rf' });
    up = made.uploader;
    await up.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the outbox to empty');

    const dets = await q<{ id: string }>("SELECT id FROM detections WHERE device_id = 'unit-rf' ORDER BY id");
    expect(dets.map((r) => r.id)).toEqual([...ids].sort());
    const imgs = await q<{ detection_id: string; kind: string; data: Buffer; sha256: string }>("SELECT detection_id, kind, data, sha256 FROM images WHERE device_id = 'unit-rf' AND kind = 'overview'");
    expect(imgs).toHaveLength(3);
    for (const i of imgs) expect(i.data.equals(overview)).toBe(true);
    await up.stop();
    expect(made.registry.get('upload')!.counters.image_pieces).toBeGreaterThanOrEqual(3 * 3);
    await up.start();
    const corr = await q<{ id: string; detection_id: string; original_text: string; corrected_text: string; reported_by: string }>(
      "SELECT id, detection_id, original_text, corrected_text, reported_by FROM corrections WHERE device_id = 'unit-rf'",
    );
    expect(corr).toEqual([{ id: '1', detection_id: ids[0], original_text: 'CEN0', corrected_text: 'CEN8', reported_by: 'ofc.lee' }]);
    // Sent again (a lost answer, a restart): still one row.
    t.store.outbox.enqueue('correction', 1, 0);
    up.wake();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the repeat to be acknowledged');
    expect(await q("SELECT 1 FROM corrections WHERE device_id = 'unit-rf'")).toHaveLength(1);
  }, 60_000);
});
