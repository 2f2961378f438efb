/**
 * Detection store and upload costs: insert rate with and without images (FULL vs NORMAL,
 * alone vs group commit, BLOBs vs atomic files), upload throughput to the loopback receiver,
 * database size per detection, and purging without blocking ingest.
 *
 *   npm run bench:store            (ALPR_EDGE_BENCH_SCALE=0.2 for a quicker, noisier run;
 *                                   ALPR_EDGE_BENCH_ONLY=insert,files,upload,purge for some parts)
 */
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { AddressInfo } from 'node:net';
import { StoreSection, type StoreConfig } from '../src/config/sections/store.js';
import { UploadSection, type UploadConfig } from '../src/config/sections/upload.js';
import type { Detection } from '../src/reads/detection.js';
import { ReceiverDb } from '../src/receiver/receiver-db.js';
import { buildReceiver } from '../src/receiver/server.js';
import { ManualClock, systemClock, type Clock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';
import { sha256Hex } from '../src/store/detections-repo.js';
import { Store } from '../src/store/store.js';
import { Uploader } from '../src/upload/uploader.js';
import { detection as fixtureDetection } from '../test/store/helpers/fixtures.js';

const SCALE = Number(process.env.ALPR_EDGE_BENCH_SCALE ?? 1);
const ONLY = new Set((process.env.ALPR_EDGE_BENCH_ONLY ?? 'insert,files,upload,purge').split(','));
const PLATE_BYTES = 4 * 1024;
const OVERVIEW_BYTES = 40 * 1024;
const root = mkdtempSync(join(tmpdir(), 'alpr-bench-store-'));
const rows: [string, string][] = [];
const figures: Record<string, number> = {};
const n = (x: number): number => Math.max(10, Math.round(x * SCALE));

function jpeg(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ seed) >>> 0, Math.min(i, size - 4));
  return b;
}
const PLATE = jpeg(PLATE_BYTES, 1);
const OVERVIEW = jpeg(OVERVIEW_BYTES, 2);
const TINY = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

/** The tests' detection (test/store/helpers/fixtures.ts), with a plate text of its own and shared images. */
function detection(i: number, at: number, images: boolean): Detection {
  const text = `B${(i % 1_000_000).toString(36).toUpperCase().padStart(5, '0')}`;
  return fixtureDetection({ text, cameraId: i % 2 ? 'front' : 'rear', plateJpeg: images ? PLATE : TINY, overviewJpeg: images ? OVERVIEW : TINY }, at);
}

function storeConfig(over: Partial<StoreConfig> = {}): StoreConfig {
  const base = Value.Default(StoreSection, {}) as StoreConfig;
  return { ...base, ...over, quota: { ...base.quota, min_free_mb: 0, reserve_mb: 0, ...over.quota }, retention: { ...base.retention, check_interval_s: 86_400, ...over.retention } };
}

async function openStore(name: string, over: Partial<StoreConfig> = {}, clock: Clock = systemClock): Promise<Store> {
  const store = new Store({
    config: storeConfig(over),
    dataDir: join(root, name),
    deviceId: 'bench-1',
    logger: silentLogger(),
    status: new StatusRegistry(clock).reporter('store', 'store'),
    clock,
  });
  await store.start();
  return store;
}

function perSecond(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

// 1. Insert rate.
async function insertRate(label: string, key: string, count: number, images: boolean, sync: 'full' | 'normal', mode: 'single' | 'group'): Promise<void> {
  const store = await openStore(key, { synchronous: sync, group_commit_ms: 5 });
  const t0 = performance.now();
  if (mode === 'single') {
    for (let i = 0; i < count; i++) store.insertDetection(detection(i, Date.now(), images), null, []);
  } else {
    // 64 detections in flight at a time, as a burst from several cameras would be.
    for (let i = 0; i < count; i += 64) {
      await Promise.all(Array.from({ length: Math.min(64, count - i) }, (_, k) => store.ingest(detection(i + k, Date.now(), images), null, [])));
    }
  }
  const ms = performance.now() - t0;
  await store.stop();
  const rate = perSecond(count, ms);
  figures[key] = rate;
  rows.push([label, `${rate.toLocaleString('en')} detections/s (${count.toLocaleString('en')})`]);
}

/** The alternative to BLOBs: each image a file written atomically, its hash in the row. */
async function fileImagesRate(count: number): Promise<void> {
  const store = await openStore('files-full', { synchronous: 'full' });
  const dir = join(root, 'files-full', 'images');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, data: Buffer): string => {
    const tmp = join(dir, `${name}.tmp`);
    const fd = openSync(tmp, 'w');
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(dir, name));
    return sha256Hex(data);
  };
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const d = detection(i, Date.now(), false);
    write(`${d.id}-plate.jpg`, PLATE);
    write(`${d.id}-overview.jpg`, OVERVIEW);
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
    store.insertDetection(d, null, []);
  }
  const ms = performance.now() - t0;
  await store.stop();
  figures.insert_files_full_single = perSecond(count, ms);
  rows.push(['images as files (tmp+fsync+rename+dir fsync) + row, FULL', `${figures.insert_files_full_single.toLocaleString('en')} detections/s (${count})`]);
}

// 2. Upload throughput to the loopback receiver.
async function uploadThroughput(label: string, key: string, count: number, images: 'none' | 'inline'): Promise<void> {
  const store = await openStore(key, { synchronous: 'normal' });
  for (let i = 0; i < count; i += 1000) {
    store.insertDetections(Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ detection: detection(i + k, Date.now(), images === 'inline'), position: null, hits: [] })));
  }
  mkdirSync(join(root, `${key}-rx`), { recursive: true });
  const db = new ReceiverDb(join(root, `${key}-rx`, 'rx.db'));
  const app = await buildReceiver({ db, token: null });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const registry = new StatusRegistry(systemClock);
  const config: UploadConfig = {
    ...(Value.Default(UploadSection, {}) as UploadConfig),
    enabled: true,
    endpoint: `http://127.0.0.1:${port}`,
    batch_size: images === 'inline' ? 100 : 1000,
    batch_interval_s: 0,
    images,
  };
  const uploader = new Uploader({ config, deviceId: 'bench-1', store, logger: silentLogger(), status: registry.reporter('upload', 'upload'), clock: systemClock });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await uploader.start();
  while (store.outbox.backlog().pending + store.outbox.backlog().claimed > 0) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await uploader.stop();
  const bytes = registry.get('upload')!.counters.bytes_sent ?? 0;
  const received = db.stats().detections;
  await app.close();
  db.close();
  await store.stop();
  if (received !== count) throw new Error(`receiver has ${received} of ${count}`);
  figures[`${key}_per_s`] = perSecond(count, ms);
  figures[`${key}_mb_per_s`] = Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;
  // CPU per item, device and receiver together (one process): the rate one idle core would give.
  figures[`${key}_cpu_us_per_item`] = Math.round((cpu.user + cpu.system) / count);
  rows.push([
    label,
    `${figures[`${key}_per_s`]!.toLocaleString('en')} detections/s, ${figures[`${key}_mb_per_s`]} MB/s (${count.toLocaleString('en')}); ` +
      `CPU ${figures[`${key}_cpu_us_per_item`]} µs/detection for uploader + receiver`,
  ]);
}

// 3. Size per detection, and 4. purging it without blocking ingest.
async function sizeAndPurge(label: string, key: string, count: number, images: boolean): Promise<void> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = await openStore(key, { synchronous: 'full', retention: { max_age_d: 1, min_age_d: 0, grace_after_upload_h: 0, check_interval_s: 86_400, purge_batch_ms: 20 } }, clock);
  for (let i = 0; i < count; i += 1000) {
    clock.advance(1000);
    store.insertDetections(Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ detection: detection(i + k, clock.now(), images), position: null, hits: [] })));
  }
  // Closing checkpoints the WAL into the file, so its size is the database's.
  await store.stop();
  const file = join(root, key, 'alpr.db');
  const bytesPer = (statSync(file).size + safeSize(`${file}-wal`)) / count;
  await store.start();
  figures[`${key}_bytes_per_detection`] = Math.round(bytesPer);
  rows.push([`${label}: database size`, `${Math.round(bytesPer).toLocaleString('en')} B per detection → ${((bytesPer * 1e6) / 1e9).toFixed(1)} GB per million (extrapolated from ${count.toLocaleString('en')})`]);

  // Purge all of it (past the maximum age) while a detection is stored every 10 ms, and record
  // how long each store waited behind a purge batch.
  clock.advance(3 * 86_400_000);
  let worstWaitMs = 0;
  let stored = 0;
  let running = true;
  const ingest = (async () => {
    while (running) {
      const due = performance.now() + 10;
      await new Promise((r) => setTimeout(r, 10));
      worstWaitMs = Math.max(worstWaitMs, performance.now() - due);
      const t0 = performance.now();
      store.insertDetection(detection(count + stored++, clock.now(), images), null, []);
      worstWaitMs = Math.max(worstWaitMs, performance.now() - t0);
    }
  })();
  const t0 = performance.now();
  const report = await store.maintain();
  const ms = performance.now() - t0;
  running = false;
  await ingest;
  await store.stop();
  const purged = report?.purges.reduce((s, p) => s + p.count, 0) ?? 0;
  const perMillionS = ((ms / purged) * 1e6) / 1000;
  figures[`${key}_purge_per_s`] = perSecond(purged, ms);
  figures[`${key}_purge_1m_s`] = Math.round(perMillionS);
  figures[`${key}_purge_max_batch_ms`] = Math.round((report?.maxBatchMs ?? 0) * 10) / 10;
  figures[`${key}_ingest_worst_wait_ms`] = Math.round(worstWaitMs * 10) / 10;
  rows.push([
    `${label}: purge`,
    `${figures[`${key}_purge_per_s`]!.toLocaleString('en')} rows/s → ${Math.round(perMillionS)} s per million (extrapolated); longest batch ${figures[`${key}_purge_max_batch_ms`]} ms; ` +
      `storing every 10 ms meanwhile (${stored}), worst wait ${figures[`${key}_ingest_worst_wait_ms`]} ms`,
  ]);
}

function safeSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

try {
  if (ONLY.has('insert')) {
    await insertRate('insert with images, FULL, one commit each', 'insert_images_full_single', n(600), true, 'full', 'single');
    await insertRate('insert with images, FULL, group commit (ingest)', 'insert_images_full_group', n(4000), true, 'full', 'group');
    await insertRate('insert with images, NORMAL, one commit each', 'insert_images_normal_single', n(3000), true, 'normal', 'single');
    await insertRate('insert without images, FULL, one commit each', 'insert_noimages_full_single', n(800), false, 'full', 'single');
    await insertRate('insert without images, FULL, group commit (ingest)', 'insert_noimages_full_group', n(20_000), false, 'full', 'group');
    await insertRate('insert without images, NORMAL, one commit each', 'insert_noimages_normal_single', n(20_000), false, 'normal', 'single');
  }
  if (ONLY.has('files')) await fileImagesRate(n(300));
  if (ONLY.has('upload')) {
    await uploadThroughput('upload without images (msgpack, batches of 1000)', 'upload_noimages', n(20_000), 'none');
    await uploadThroughput('upload with images inline (msgpack, batches of 100)', 'upload_images', n(2000), 'inline');
  }
  if (ONLY.has('purge')) {
    await sizeAndPurge('rows without images', 'rows', n(100_000), false);
    await sizeAndPurge('rows with images', 'with_images', n(5000), true);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\nstore bench (images: plate ${PLATE_BYTES / 1024} KiB + overview ${OVERVIEW_BYTES / 1024} KiB; scale ${SCALE})\n`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log('');
console.log(JSON.stringify({ bench: 'store', scale: SCALE, plate_bytes: PLATE_BYTES, overview_bytes: OVERVIEW_BYTES, ...figures }));
