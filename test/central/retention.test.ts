import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CentralStore } from '../../src/central/central-store.js';
import { prepareBatch } from '../../src/central/items.js';
import { monthStart, monthSuffix } from '../../src/central/partitions.js';
import { purgeExpired } from '../../src/central/retention.js';
import { createLogger, silentLogger } from '../../src/shared/logger.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { freshDatabase, jpegBytes, wireBatch, wireDetection, wireHit } from './helpers.js';

const DAY = 86_400_000;
const pg = new PostgresPeer({ fsync: false });
let store: CentralStore;

beforeAll(async () => {
  await pg.start();
  store = new CentralStore({ url: await freshDatabase(pg), poolMax: 3 }, silentLogger());
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await pg.cleanup();
});

const n = async (sql: string, params: unknown[] = []): Promise<number> => Number((await store.pool.query<{ n: string }>(sql, params)).rows[0]!.n);

describe('retention', () => {
  it('drops whole expired month partitions, keeps held rows with their images and hits, and logs each purge', async () => {
    const now = Date.now();
    const oldAt = monthStart(now - 200 * DAY) + 3 * DAY;
    const old = Array.from({ length: 5 }, (_, i) => wireDetection({ at: oldAt + i * 60_000, image: jpegBytes(200, i) }));
    old[1] = { ...old[1]!, evidence_hold: true, hits: [wireHit(old[1]!.id, 501)] };
    const recent = [wireDetection({ at: now - DAY }), wireDetection({ at: now - 2 * DAY })];
    const wide = { now, oldestMs: now - 700 * DAY, newestMs: now + DAY };
    await store.write(prepareBatch(wireBatch('unit-r', { detections: [...old, ...recent] }), wide).items.map((i) => i.item));
    // A central hold (a case) on another old detection.
    await store.pool.query("INSERT INTO holds (device_id, detection_id, case_number, placed_by) VALUES ('unit-r', $1, '26-77', 'det.ortiz')", [old[3]!.id]);

    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
    const purged = await purgeExpired(store, 90, now, logger);
    const month = monthSuffix(monthStart(oldAt));
    expect(purged).toEqual([{ month, detections: 5, images: 5, hits: 1, held: 2 }]);
    expect(await n('SELECT count(*) AS n FROM pg_class WHERE relname = ANY($1)', [[`detections_${month}`, `images_${month}`, `hits_${month}`]])).toBe(0);
    expect(await n('SELECT count(*) AS n FROM detections')).toBe(2);
    const held = (await store.pool.query<{ id: string }>('SELECT id FROM held_detections ORDER BY id')).rows.map((r) => r.id);
    expect(held).toEqual([old[1].id, old[3]!.id].sort());
    expect(await n('SELECT count(*) AS n FROM held_images')).toBe(2);
    expect(await n('SELECT count(*) AS n FROM held_hits')).toBe(1);
    const log = (await store.pool.query<{ month: Date; detections: string; held: string }>('SELECT month, detections, held FROM purge_log')).rows;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ detections: '5', held: '2' });
    const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'retention purge: month partition dropped');
    expect(entry).toMatchObject({ month, detections: 5, held: 2 });
    expect(JSON.stringify(lines)).not.toContain('ABC123');

    // Nothing more to purge; this month and the next exist for devices.
    expect(await purgeExpired(store, 90, now, silentLogger())).toEqual([]);
    expect(await n('SELECT count(*) AS n FROM pg_class WHERE relname = $1', [`detections_${monthSuffix(monthStart(now))}`])).toBe(1);
  });

  it('keeps a month that still holds a detection younger than the retention period', async () => {
    const now = Date.now();
    const edge = now - 80 * DAY;
    await store.write(prepareBatch(wireBatch('unit-k', { detections: [wireDetection({ at: edge })] }), { now, oldestMs: now - 700 * DAY, newestMs: now }).items.map((i) => i.item));
    await purgeExpired(store, 90, now, silentLogger());
    expect(await n("SELECT count(*) AS n FROM detections WHERE device_id = 'unit-k'")).toBe(1);
  });
});
