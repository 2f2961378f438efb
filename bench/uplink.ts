/**
 * Store-and-forward on a slow uplink: the store and uploader upload to the reference receiver
 * through a throttling proxy on loopback (test/upload/helpers/throttle-proxy.ts: rate-limited
 * both ways, 40 ms one-way delay) at 256 kbit/s, 1 Mbit/s and 10 Mbit/s. Each run starts with
 * a backlog (an outage's worth of detections with 50 KB images) and keeps storing one new
 * detection a second, every fifth a hot-list hit, while the backlog drains.
 *
 * Each link runs with `upload.images: inline` (records and images in one batch) and `deferred`
 * (records first, images after in resumable pieces). Prints detections/s delivered, time from a
 * detection being stored to its record at the server (time-to-record) and to its last image
 * there (time-to-image), for hits and for all new detections, bytes on the wire per detection,
 * whether every hit's record arrived within 10 s (the target at 1 Mbit/s), and the CPU time of
 * the process (device, proxy and receiver together) with the load average. Then one JSON line.
 *
 *   npm run bench:uplink     (ALPR_EDGE_BENCH_SCALE=0.5 halves the run times;
 *                             ALPR_EDGE_BENCH_LINKS=256k,1M and ALPR_EDGE_BENCH_IMAGES=deferred pick runs)
 */
import { loadavg } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { StoreSection, type StoreConfig } from '../src/config/sections/store.js';
import { UploadSection, type UploadConfig } from '../src/config/sections/upload.js';
import type { HotlistHit } from '../src/hotlist/types.js';
import type { Detection } from '../src/reads/detection.js';
import { ReceiverDb } from '../src/receiver/receiver-db.js';
import { buildReceiver } from '../src/receiver/server.js';
import { systemClock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';
import { Store } from '../src/store/store.js';
import { Uploader } from '../src/upload/uploader.js';
import { detection as fixtureDetection } from '../test/store/helpers/fixtures.js';
import { ThrottleProxy } from '../test/upload/helpers/throttle-proxy.js';
import { percentile } from './stats.js';

const SCALE = Number(process.env.ALPR_EDGE_BENCH_SCALE ?? 1);
const OVERVIEW_BYTES = 50 * 1024;
const PLATE_BYTES = 3 * 1024;
const HIT_TARGET_MS = 10_000;

interface Link {
  name: string;
  bitsPerS: number;
  /** Detections waiting when the link comes up (an outage's worth). */
  backlog: number;
  /** How long new detections keep arriving (s). */
  seconds: number;
}

const ALL_LINKS: Link[] = [
  { name: '256 kbit/s', bitsPerS: 256_000, backlog: 20, seconds: 60 },
  { name: '1 Mbit/s', bitsPerS: 1_000_000, backlog: 60, seconds: 60 },
  { name: '10 Mbit/s', bitsPerS: 10_000_000, backlog: 400, seconds: 30 },
];
/** `ALPR_EDGE_BENCH_LINKS=1M,10M` runs only those. */
const ONLY = process.env.ALPR_EDGE_BENCH_LINKS?.split(',').map((x) => x.trim().toLowerCase());
const LINKS = ALL_LINKS.filter((l) => !ONLY || ONLY.includes(l.name.replace(/ (k|M)bit\/s$/i, (_m, u: string) => u).toLowerCase()));

function jpeg(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ seed) >>> 0, Math.min(i, size - 4));
  b[0] = 0xff;
  b[1] = 0xd8;
  return b;
}

let seq = 0;
/** The tests' detection (test/store/helpers/fixtures.ts) with a plate text and images of its own; one candidate, as the figures were taken with. */
function detection(): Detection {
  const i = ++seq;
  const text = `U${i.toString(36).toUpperCase().padStart(5, '0')}`;
  return fixtureDetection({ text, candidates: [{ text, confidence: 0.93 }], plateJpeg: jpeg(PLATE_BYTES, i), overviewJpeg: jpeg(OVERVIEW_BYTES, i * 7) }, Date.now());
}

function hotHit(text: string): HotlistHit {
  return {
    entry: { id: 'e-1', plate: text, state: 'CA', list: 'stolen', priority: 1, reason: 'stolen vehicle', caseNumber: '26-1', informational: false, expiresAt: null },
    generation: 'g-1',
    kind: 'exact',
    readText: text,
    explanation: 'exact',
    retroactive: false,
  };
}

type ImagesMode = 'inline' | 'deferred';
const MODES = (process.env.ALPR_EDGE_BENCH_IMAGES?.split(',').map((x) => x.trim()) ?? ['inline', 'deferred']) as ImagesMode[];

interface Result {
  link: string;
  images: ImagesMode;
  backlog: number;
  delivered: number;
  detectionsPerS: number;
  backlogDrainedS: number | null;
  hits: number;
  hitP50Ms: number;
  hitMaxMs: number;
  hitsWithinTarget: boolean;
  /** Stored → record at the server, new detections (hits included). */
  recordP50Ms: number;
  recordMaxMs: number;
  /** Stored → last image at the server, new detections; Infinity when some never arrived in the run. */
  imageP50Ms: number;
  imageMaxMs: number;
  /** Of the new detections, how many had every image at the server when the run ended. */
  imagesComplete: number;
  newDetections: number;
  hitImageMaxMs: number;
  cpuS: number;
  cpuPerDetectionMs: number;
  load1: number;
  bytesPerDetection: number;
  measuredKbitS: number;
  batches: number;
  failures: number;
  lastError: string | null;
}

async function run(link: Link, mode: ImagesMode): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'alpr-bench-uplink-'));
  const rxDb = new ReceiverDb(join(dir, 'receiver.db'));
  const acked = new Map<string, number>();
  /** Detection id → when its images were all at the receiver (inline: with the record). */
  const imaged = new Map<string, number>();
  const imagesHeld = new Map<string, number>();
  const app = await buildReceiver({ db: rxDb, token: null });
  app.addHook('onSend', async (req, reply, payload) => {
    const now = performance.now();
    if (req.url === '/v1/batches' && typeof payload === 'string') {
      for (const id of (JSON.parse(payload) as { acknowledged?: { detections?: string[] } }).acknowledged?.detections ?? []) {
        // Deferred: the first acknowledgement is the record's; a second one is its record sent
        // again with its images inline (small images go many to a batch).
        if (!imaged.has(id) && (mode === 'inline' || acked.has(id))) imaged.set(id, now);
        if (!acked.has(id)) acked.set(id, now);
      }
    } else if (req.url.startsWith('/v1/images/') && req.method === 'PUT' && reply.statusCode === 200 && typeof payload === 'string') {
      const whole = !req.url.endsWith('/upload');
      if (whole || (JSON.parse(payload) as { complete?: boolean }).complete === true) {
        const id = req.url.split('/')[3]!;
        const n = (imagesHeld.get(id) ?? 0) + 1;
        imagesHeld.set(id, n);
        if (n === 2 && !imaged.has(id)) imaged.set(id, now);
      }
    }
    return payload;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const proxy = new ThrottleProxy((app.server.address() as AddressInfo).port, { bitsPerS: link.bitsPerS, delayMs: 40 });
  await proxy.start();

  const storeConfig = Value.Default(StoreSection, {}) as StoreConfig;
  const registry = new StatusRegistry(systemClock);
  const store = new Store({ config: { ...storeConfig, synchronous: 'normal' }, dataDir: join(dir, 'data'), deviceId: 'bench-1', logger: silentLogger(), status: registry.reporter('store', 'store'), clock: systemClock });
  await store.start();
  const backlogIds = store.insertDetections(Array.from({ length: link.backlog }, () => ({ detection: detection(), position: null, hits: [] }))).map((r) => r.id);

  // The defaults a deployment has: nothing tuned for the link.
  const upload = { ...(Value.Default(UploadSection, {}) as UploadConfig), enabled: true, endpoint: proxy.url, images: mode };
  const uploader = new Uploader({ config: upload, deviceId: 'bench-1', store, logger: silentLogger(), status: registry.reporter('upload', 'upload'), clock: systemClock });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await uploader.start();

  const hitsStoredAt = new Map<string, number>();
  const storedAt = new Map<string, number>();
  const seconds = Math.max(5, Math.round(link.seconds * SCALE));
  let backlogDrainedAt: number | null = null;
  for (let s = 0; s < seconds; s++) {
    const d = detection();
    const isHit = s % 5 === 2;
    store.insertDetection(d, null, isHit ? [hotHit(d.text)] : []);
    storedAt.set(d.id, performance.now());
    if (isHit) hitsStoredAt.set(d.id, performance.now());
    await new Promise((r) => setTimeout(r, 1000));
    if (backlogDrainedAt === null && backlogIds.every((id) => acked.has(id))) backlogDrainedAt = performance.now();
  }
  // Let the hits (record and images) and every new record still in flight arrive (bounded), then stop.
  const end = performance.now() + 60_000;
  while (([...hitsStoredAt.keys()].some((id) => !imaged.has(id)) || [...storedAt.keys()].some((id) => !acked.has(id))) && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const load1 = loadavg()[0]!;
  const upStatus = registry.get('upload')!;
  const status = upStatus.counters;
  await uploader.stop();
  await store.stop();
  await proxy.stop();
  await app.close();
  const stats = rxDb.stats();
  rxDb.close();
  rmSync(dir, { recursive: true, force: true });

  const hitMs = [...hitsStoredAt].map(([id, at]) => (acked.has(id) ? acked.get(id)! - at : Infinity));
  const hitImageMs = [...hitsStoredAt].map(([id, at]) => (imaged.has(id) ? imaged.get(id)! - at : Infinity));
  const recordMs = [...storedAt].map(([id, at]) => (acked.has(id) ? acked.get(id)! - at : Infinity));
  const imageMs = [...storedAt].map(([id, at]) => (imaged.has(id) ? imaged.get(id)! - at : Infinity));
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    link: link.name,
    images: mode,
    recordP50Ms: Math.round(percentile(recordMs, 0.5)),
    recordMaxMs: Math.round(Math.max(...recordMs)),
    imageP50Ms: Math.round(percentile(imageMs, 0.5)),
    imageMaxMs: Math.round(Math.max(...imageMs)),
    imagesComplete: imageMs.filter(Number.isFinite).length,
    newDetections: storedAt.size,
    hitImageMaxMs: Math.round(Math.max(...hitImageMs)),
    cpuS: Math.round(cpuS * 10) / 10,
    cpuPerDetectionMs: Math.round((cpuS * 1000) / Math.max(1, acked.size)),
    load1: Math.round(load1 * 100) / 100,
    backlog: link.backlog,
    delivered: acked.size,
    detectionsPerS: Math.round((acked.size / elapsedS) * 100) / 100,
    backlogDrainedS: backlogDrainedAt === null ? null : Math.round((backlogDrainedAt - t0) / 100) / 10,
    hits: hitMs.length,
    hitP50Ms: Math.round(percentile(hitMs, 0.5)),
    hitMaxMs: Math.round(Math.max(...hitMs)),
    hitsWithinTarget: hitMs.every((ms) => ms <= HIT_TARGET_MS),
    bytesPerDetection: Math.round(proxy.upBytes / Math.max(1, stats.detections)),
    measuredKbitS: status.link_kbit_s ?? 0,
    batches: status.batches ?? 0,
    failures: status.failures ?? 0,
    lastError: upStatus.lastError?.message ?? null,
  };
}

const results: Result[] = [];
for (const link of LINKS) for (const mode of MODES) results.push(await run(link, mode));

const s1 = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'not yet');
const header = ['link', 'images', 'backlog', 'delivered', 'det/s', 'backlog drained', 'hits', 'hit p50', 'hit max', 'hits ≤ 10 s', 'hit img max', 'record p50', 'record max', 'image p50', 'image max', 'imaged', 'bytes/det', 'measured', 'batches', 'failures', 'cpu', 'cpu/det', 'load1'];
const rows = results.map((r) => [
  r.link,
  r.images,
  String(r.backlog),
  String(r.delivered),
  r.detectionsPerS.toFixed(2),
  r.backlogDrainedS === null ? 'not yet' : `${r.backlogDrainedS} s`,
  String(r.hits),
  `${(r.hitP50Ms / 1000).toFixed(1)} s`,
  `${(r.hitMaxMs / 1000).toFixed(1)} s`,
  r.hitsWithinTarget ? 'yes' : 'NO',
  s1(r.hitImageMaxMs),
  s1(r.recordP50Ms),
  s1(r.recordMaxMs),
  s1(r.imageP50Ms),
  s1(r.imageMaxMs),
  `${r.imagesComplete}/${r.newDetections}`,
  String(r.bytesPerDetection),
  `${r.measuredKbitS} kbit/s`,
  String(r.batches),
  String(r.failures),
  `${r.cpuS} s`,
  `${r.cpuPerDetectionMs} ms`,
  String(r.load1),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(
  `\nUplink: store + uploader (defaults but upload.images) → throttling proxy (40 ms one-way) → reference receiver; ${OVERVIEW_BYTES / 1024} KB overview + ${PLATE_BYTES / 1024} KB plate per detection; one new detection/s, every fifth a hit. record/image: stored → record / last image at the server, new detections. cpu: this process (device, proxy and receiver together), load1: 1-minute load average of the machine at the end of the run\n`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
for (const r of results) if (r.lastError) console.log(`${r.link}: last upload error: ${r.lastError}`);
for (const target of results.filter((r) => r.link === '1 Mbit/s')) {
  console.log(`\nTarget (1 Mbit/s, images ${target.images}: every hit at the server within 10 s while the backlog drains): ${target.hitsWithinTarget ? 'met' : 'NOT met'} (max ${(target.hitMaxMs / 1000).toFixed(1)} s)`);
}
console.log(JSON.stringify({ bench: 'uplink', scale: SCALE, results }));
