import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CentralStore } from '../../src/central/central-store.js';
import { prepareBatch, uuidv7Time, type IngestItem } from '../../src/central/items.js';
import { MIGRATIONS } from '../../src/central/migrations.js';
import { silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { auditChain, freshDatabase, jpegBytes, wireBatch, wireDetection, wireHit } from './helpers.js';

const pg = new PostgresPeer({ fsync: false });
let store: CentralStore;
const DAY = 86_400_000;
const window = () => ({ now: Date.now(), oldestMs: Date.now() - 365 * DAY, newestMs: Date.now() + DAY });
const items = (b: Parameters<typeof prepareBatch>[0]): IngestItem[] => prepareBatch(b, window()).items.map((i) => i.item);
const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await store.pool.query<{ n: string }>(sql, params)).rows[0]!.n);

beforeAll(async () => {
  await pg.start();
  store = new CentralStore({ url: await freshDatabase(pg), poolMax: 4 }, silentLogger());
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await pg.cleanup();
});

describe('CentralStore', () => {
  it('applies each versioned migration once, however often it is run', async () => {
    expect(await store.migrate()).toEqual([]);
    const rows = (await store.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows;
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('stores a detection once however often it is delivered, in the partition of the month its id names', async () => {
    const at = Date.UTC(2026, 10, 15, 8);
    const d = wireDetection({ at: Math.min(at, Date.now() - DAY), image: jpegBytes(900, 1) });
    const b = wireBatch('unit-1', { detections: [d] });
    const first = await store.write(items(b));
    expect(first).toMatchObject({ detectionsStored: 1, images: 1 });
    // The same detection again, alone and twice within one write.
    const again = await store.write([...items(b), ...items(wireBatch('unit-1', { detections: [d] }))]);
    expect(again).toMatchObject({ detectionsStored: 0, detectionsRepeated: 2 });
    expect(await count('SELECT count(*) AS n FROM detections WHERE id = $1', [d.id])).toBe(1);
    expect(await count('SELECT count(*) AS n FROM images WHERE detection_id = $1', [d.id])).toBe(1);
    const month = new Date(Math.min(at, Date.now() - DAY));
    const part = `detections_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(await count(`SELECT count(*) AS n FROM ${part} WHERE id = $1`, [d.id])).toBe(1);
    const img = (await store.pool.query<{ data: Buffer; bytes: number }>('SELECT data, bytes FROM images WHERE detection_id = $1', [d.id])).rows[0]!;
    expect(img.data.equals(jpegBytes(900, 1))).toBe(true);
  });

  it('replaces a detection with a higher revision and ignores an equal or lower one', async () => {
    const d = wireDetection({ text: 'AB12' });
    await store.write(items(wireBatch('unit-1', { detections: [d] })));
    const r2 = await store.write(items(wireBatch('unit-1', { detections: [{ ...d, revision: 2, text: 'AB123' }] })));
    const r1 = await store.write(items(wireBatch('unit-1', { detections: [{ ...d, revision: 1, text: 'AB12X' }] })));
    expect(r2.detectionsStored).toBe(1);
    expect(r1).toMatchObject({ detectionsStored: 0, detectionsRepeated: 1 });
    const row = (await store.pool.query<{ revision: number; plate: string }>('SELECT revision, plate FROM detections WHERE id = $1', [d.id])).rows[0]!;
    expect(row).toEqual({ revision: 2, plate: 'AB123' });
  });

  it('keeps the same detection id of two devices apart', async () => {
    const d = wireDetection();
    await store.write(items(wireBatch('unit-a', { detections: [d] })));
    await store.write(items(wireBatch('unit-b', { detections: [d] })));
    expect(await count('SELECT count(*) AS n FROM detections WHERE id = $1', [d.id])).toBe(2);
  });

  it('keeps the newest version of a hit and never replaces a verified hit by a late unverified copy', async () => {
    const d = wireDetection();
    const h = wireHit(d.id, 77);
    await store.write(items(wireBatch('unit-h', { detections: [{ ...d, hits: [h] }] })));
    await store.write(items(wireBatch('unit-h', { hits: [{ ...h, outcome: 'confirmed', verified_by: 'sgt.k', verified_at: Date.now() }] })));
    await store.write(items(wireBatch('unit-h', { hits: [h] })));
    const rows = (await store.pool.query<{ outcome: string | null }>("SELECT outcome FROM hits WHERE device_id = 'unit-h'")).rows;
    expect(rows).toEqual([{ outcome: 'confirmed' }]);
  });

  it('takes audit rows only in chain order, as the reference receiver does, and flags a rewritten log', async () => {
    const chain = auditChain(6);
    // Rows 4-6 first: ahead of a gap, not taken (the device sends them again).
    expect(await store.appendAudit('unit-c', chain.slice(3))).toEqual(['ahead', 'ahead', 'ahead']);
    expect(await store.appendAudit('unit-c', chain.slice(0, 3))).toEqual(['stored', 'stored', 'stored']);
    expect(await store.appendAudit('unit-c', chain)).toEqual(Array(6).fill('stored'));
    expect(await count("SELECT head_id AS n FROM audit_chains WHERE device_id = 'unit-c'")).toBe(6);
    expect(await count("SELECT count(*) AS n FROM audit WHERE device_id = 'unit-c'")).toBe(6);
    expect(await count("SELECT count(*) AS n FROM chain_breaks WHERE device_id = 'unit-c'")).toBe(0);

    const forged = auditChain(2, 3, '1'.repeat(64)); // rows 3-4 that do not follow row 2
    const v = await store.appendAudit('unit-t', [...auditChain(2), ...forged]);
    expect(v).toEqual(['stored', 'stored', { reason: 'does not chain to audit row 2 as stored (prev_hash differs)' }, 'ahead']);
    const rewritten = auditChain(1, 1, '2'.repeat(64))[0]!;
    expect(await store.appendAudit('unit-t', [rewritten])).toEqual([{ reason: "contradicts audit row 1 already stored (the device's log was rewritten?)" }]);
    const breaks = (await store.pool.query<{ row_id: string }>("SELECT row_id FROM chain_breaks WHERE device_id = 'unit-t' ORDER BY row_id")).rows;
    expect(breaks.map((r) => r.row_id)).toEqual(['1', '3']);

    const edited = { ...auditChain(1)[0]!, action: 'export' };
    expect(await store.appendAudit('unit-e', [edited])).toEqual([{ reason: 'the row does not hash to its hash field' }]);
    // A keyed row (HMAC on the device) cannot be recomputed here; its place in the chain is still checked.
    const keyed = { ...auditChain(1)[0]!, hash: `k1:${'a'.repeat(64)}` };
    expect(await store.appendAudit('unit-k', [keyed])).toEqual(['stored']);
  });

  it('keeps evidence images write-once and names the detections whose image would change', async () => {
    const d = wireDetection({ image: jpegBytes(400, 11) });
    await store.write(items(wireBatch('unit-i', { detections: [d] })));
    const at = uuidv7Time(d.id)!;
    expect(await store.imageConflicts('unit-i', [{ detectionId: d.id, kind: 'plate', sha256: d.images.plate!.sha256, capturedAt: at }])).toEqual(new Map());
    expect(await store.imageConflicts('unit-i', [{ detectionId: d.id, kind: 'plate', sha256: 'f'.repeat(64), capturedAt: at }])).toEqual(new Map([[d.id, 'plate']]));
    const other = wireDetection({ id: d.id, revision: 1, image: jpegBytes(400, 12) });
    await store.write(items(wireBatch('unit-i', { detections: [other] })));
    const [img] = (await store.pool.query<{ data: Buffer }>("SELECT data FROM images WHERE device_id = 'unit-i'")).rows;
    expect(img!.data.equals(jpegBytes(400, 11))).toBe(true);
  });

  it('records each device\'s last contact as its heartbeat', async () => {
    await store.write(items(wireBatch('unit-hb', { detections: [wireDetection(), wireDetection()] })));
    await store.write(items(wireBatch('unit-hb', { detections: [wireDetection()] })));
    const hb = (await store.pool.query<{ batches: string; detections: string }>("SELECT batches, detections FROM heartbeats WHERE device_id = 'unit-hb'")).rows[0]!;
    expect(hb).toEqual({ batches: '2', detections: '3' });
  });

  it('refuses ids that are not UUIDv7 or fall outside the accepted window, naming the reason', () => {
    const old = wireDetection({ at: Date.now() - 400 * DAY });
    const future = wireDetection({ at: Date.now() + 3 * DAY });
    const v4 = wireDetection({ id: '3b241101-e2bb-4255-8caf-4136c566a962' });
    const ok = wireDetection({ id: uuidv7() });
    const p = prepareBatch(wireBatch('unit-w', { detections: [old, future, v4, ok] }), window());
    expect(p.ack.rejected.map((r) => r.reason)).toEqual([
      'id is older than the central retention period',
      'id is dated in the future (device clock?)',
      'id must be a UUIDv7',
    ]);
    expect(p.items.filter((i) => i.item.kind === 'detection')).toHaveLength(1);
  });
});
