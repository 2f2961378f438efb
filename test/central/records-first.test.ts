/**
 * The central receiver (direct mode, real PostgreSQL) with the device's uploader in
 * `images: deferred`: records first, images later in resumable pieces, attached to their rows by
 * detection id; misread corrections stored once in their own table. And the device's audit-chain
 * head in every batch (issue 19): rows lost at the end of its log, and a log that went back,
 * are seen by the central.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditChains } from '../../src/central/audit-chains.js';
import { CentralApp } from '../../src/central/central-app.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Uploader } from '../../src/upload/uploader.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { detection, jpeg, openTestStore, position, type TestStore } from '../store/helpers/fixtures.js';
import { makeUploader, uploadConfig } from '../upload/helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
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

  it('every batch carries the audit-chain head: rows lost from the end of the log become a flagged gap, a log gone back a break', async () => {
    t = await openTestStore({ config: { synchronous: 'normal' }, deviceId: 'unit-ah' });
    const search = (n: number): void => void t!.store.audit.append({ user: 'ofc.lee', action: 'search', object: null, purpose: 'patrol', caseNumber: '26-1', details: { n }, ip: null });
    for (let i = 0; i < 3; i++) search(i);
    const drained = (): boolean => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0;
    up = makeUploader(t.store, uploadConfig({ endpoint: app!.address!, images: 'deferred' }), { deviceId: 'unit-ah' }).uploader;
    await up.start();
    await waitFor(drained, 'the first rows to be acknowledged');
    const chain = async (): Promise<{ head_id: string; reported_id: string; reported_hash: string }> =>
      (await q<{ head_id: string; reported_id: string; reported_hash: string }>("SELECT head_id, reported_id, reported_hash FROM audit_chains WHERE device_id = 'unit-ah'"))[0]!;
    expect(await chain()).toEqual({ head_id: '3', reported_id: '3', reported_hash: t.store.audit.get(3)!.hash });

    // Rows 4 and 5 are written, then their outbox entries are lost (a damaged database copied
    // over, say): no later row would show them missing. Detections keep going up.
    search(3);
    search(4);
    const raw = new BetterSqlite3(t.store.file);
    raw.prepare("DELETE FROM outbox WHERE stream = 'audit'").run();
    raw.close();
    t.store.insertDetections([{ detection: detection({ text: 'CEN7' }, Date.now() - 60_000), position: position(), hits: [] }]);
    up.wake();
    await waitFor(drained, 'the detection to be acknowledged');
    expect(await chain()).toMatchObject({ head_id: '3', reported_id: '5', reported_hash: t.store.audit.get(5)!.hash });
    const pool = (app as unknown as { store: { pool: ConstructorParameters<typeof AuditChains>[0] } }).store.pool;
    const chains = new AuditChains(pool, 60_000);
    expect((await chains.states(Date.now())).get('unit-ah')).toMatchObject({ verifiedTo: 3, gaps: 0, gap: { fromId: 4, toId: 5, flagged: false, tail: true } });
    // Flagged once fleet.audit_gap_flag_after_s has passed, by the same rule as a gap in the middle.
    expect((await chains.states(Date.now() + 61_000)).get('unit-ah')).toMatchObject({ gaps: 1, gap: { fromId: 4, toId: 5, flagged: true } });
    await up.stop();
    await t.cleanup();

    // The device's database is replaced: its log starts again, below what the central holds.
    t = await openTestStore({ config: { synchronous: 'normal' }, deviceId: 'unit-ah' });
    t.store.insertDetections([{ detection: detection({ text: 'CEN8' }, Date.now() - 60_000), position: position(), hits: [] }]);
    up = makeUploader(t.store, uploadConfig({ endpoint: app!.address!, images: 'deferred' }), { deviceId: 'unit-ah' }).uploader;
    await up.start();
    await waitFor(drained, 'the new database\'s detection to be acknowledged');
    const breaks = await q<{ row_id: string; problem: string }>("SELECT row_id, problem FROM chain_breaks WHERE device_id = 'unit-ah'");
    expect(breaks).toEqual([{ row_id: '1', problem: 'the device reports its log ending at row 0, below row 5 the device reported before (rows removed from the end?)' }]);
  }, 60_000);
});
