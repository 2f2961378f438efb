/**
 * Uploads shaped by the link (issue 17 item 1): on a slow uplink a fixed 200-item batch with
 * images never fit in the time limit and nothing got through. Batches are now cut by bytes
 * from the measured rate, hits first, with time limits that grow with the bytes in flight.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import { INITIAL_BATCH_BYTES, LinkEstimator, MIN_BATCH_BYTES } from '../../src/upload/link-estimator.js';
import type { Uploader } from '../../src/upload/uploader.js';
import { detection, hit, jpeg, openTestStore, type TestStore } from '../store/helpers/fixtures.js';
import { makeUploader, startReceiver, uploadConfig, type TestReceiver } from './helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
import { ThrottleProxy } from './helpers/throttle-proxy.js';

const MB = 1024 * 1024;

describe('LinkEstimator', () => {
  const opts = { targetSendMs: 5000, maxBatchBytes: 8 * MB, baseTimeoutMs: 30_000, minBytesPerS: 4000 };

  it('starts small, then sizes batches to the target send time at the measured rate', () => {
    const l = new LinkEstimator(opts);
    expect(l.batchBytes()).toBe(INITIAL_BATCH_BYTES);
    l.sent(125_000, 1000); // 1 Mbit/s
    expect(l.bytesPerS).toBe(125_000);
    expect(l.batchBytes()).toBe(625_000);
    l.sent(4_000_000, 1000); // much faster: the estimate moves towards it, bounded by the maximum
    expect(l.batchBytes()).toBeGreaterThan(625_000);
    for (let i = 0; i < 20; i++) l.sent(8_000_000, 1000);
    expect(l.batchBytes()).toBe(8 * MB);
  });

  it.each([
    ['nothing measured yet: the configured slowest rate', null, 100_000, 30_000 + 25_000],
    ['measured 1 Mbit/s: a quarter of it', 125_000, 500_000, 30_000 + 16_000],
    ['an empty body: the base', 125_000, 0, 30_000],
  ])('time limits grow with the bytes in flight (%s)', (_name, rate, bytes, timeout) => {
    const l = new LinkEstimator(opts);
    if (rate !== null) l.sent(rate, 1000);
    expect(l.timeoutMs(bytes)).toBe(timeout);
  });

  it('ignores small bodies as rate samples (they measure round trips, not bandwidth)', () => {
    const l = new LinkEstimator(opts);
    l.sent(2000, 500);
    expect(l.bytesPerS).toBeNull();
  });

  it('comes down after a request that ran into its time limit', () => {
    const l = new LinkEstimator(opts);
    l.sent(1_000_000, 1000);
    l.stalled(1_000_000, 60_000);
    expect(l.bytesPerS!).toBeLessThan(10_000);
    expect(l.batchBytes()).toBeLessThan(50_000);
    expect(l.batchBytes()).toBeGreaterThanOrEqual(MIN_BATCH_BYTES);
  });

  it('halves the size after a 413 and doubles it back after three successes', () => {
    const l = new LinkEstimator(opts);
    l.sent(1_000_000, 1000);
    l.tooLarge(400_000);
    expect(l.batchBytes()).toBe(200_000);
    l.sent(200_000, 200);
    l.sent(200_000, 200);
    expect(l.batchBytes()).toBe(200_000);
    l.sent(200_000, 200);
    expect(l.batchBytes()).toBe(400_000);
    l.tooLarge(100);
    expect(l.batchBytes()).toBe(50);
  });
});

let t: TestStore | undefined;
let rx: TestReceiver | undefined;
let link: ThrottleProxy | undefined;
let up: Uploader | undefined;
afterEach(async () => {
  await up?.stop();
  await link?.stop();
  await t?.cleanup();
  await rx?.close();
  up = t = rx = link = undefined;
});

describe('upload through a 2 Mbit/s link', () => {
  it('drains a backlog of 50 KB images in byte-sized batches within a 2 s time limit, hits first, and shows rate, backlog and drain time', async () => {
    const arrivals = new Map<string, number>();
    const batchBytes: number[] = [];
    rx = await startReceiver({
      setup: (app) => {
        app.addHook('onRequest', (req, _reply, done) => {
          if (req.url === '/v1/batches') batchBytes.push(Number(req.headers['content-length'] ?? 0));
          done();
        });
        app.addHook('onSend', async (req, _reply, payload) => {
          if (req.url === '/v1/batches') {
            for (const id of (JSON.parse(String(payload)) as { acknowledged: { detections: string[] } }).acknowledged.detections) arrivals.set(id, performance.now());
          }
          return payload;
        });
      },
    });
    link = new ThrottleProxy(rx.port, { bitsPerS: 2_000_000, delayMs: 20 });
    await link.start();
    t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
    const backlog = t.store
      .insertDetections(Array.from({ length: 24 }, (_, i) => ({ detection: detection({ text: `SL${i}`, overviewJpeg: jpeg(50_000) }), position: null, hits: [] })))
      .map((r) => r.id);
    // One 24-item batch is 1.2 MB: 5 s at this rate, past the 2 s limit, retried forever before.
    // Images inline: batches carry the image bytes this test sizes (records first has its own tests).
    const made = makeUploader(t.store, uploadConfig({ endpoint: link.url, timeout_s: 2, batch_size: 200, batch_target_s: 1, images: 'inline' }));
    up = made.uploader;
    await up.start();
    const status = (): Record<string, number> => made.registry.get('upload')!.counters;
    expect(status().backlog_detections).toBe(24);
    expect(status().backlog_bytes).toBeGreaterThan(24 * 50_000);

    await waitFor(() => arrivals.size >= 1, 'the first batch', { timeoutMs: 30_000 });
    const [hitRef] = t.store.insertDetections([{ detection: detection({ text: 'HOT1', overviewJpeg: jpeg(50_000) }), position: null, hits: [hit()] }]);
    await waitFor(() => [...backlog, hitRef!.id].every((id) => arrivals.has(id)), 'everything to arrive', { timeoutMs: 60_000 });

    expect(rx.db.stats()).toMatchObject({ detections: 25, duplicates: 0 });
    expect(batchBytes.length).toBeGreaterThan(3);
    expect(Math.max(...batchBytes)).toBeLessThan(1_200_000);
    // The hit went ahead of the older backlog still waiting when it was stored.
    const lastBacklog = Math.max(...backlog.map((id) => arrivals.get(id)!));
    expect(arrivals.get(hitRef!.id)!).toBeLessThan(lastBacklog);
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the device to settle the last acknowledgement');
    await up.stop();
    const s = status();
    // Measured over whole requests (headers, round trips), so at most the link's rate.
    expect(s.link_kbit_s).toBeGreaterThan(200);
    expect(s.link_kbit_s).toBeLessThanOrEqual(2000 * 1.1);
    expect(s.backlog_detections).toBe(0);
    expect(made.registry.get('upload')!.details.drain_s).toBe(0);
  });
});
