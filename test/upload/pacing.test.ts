/**
 * One pacing rule: a wait chosen by backoff or by Retry-After runs to its end however many
 * detections are stored meanwhile; new detections only wake an idle uploader. Regression for
 * issue 17 item 2: 398 connection attempts in an 8-minute outage (the backoff allows ~10), and
 * 40 re-sends in 60 s under `429 Retry-After: 20`, because every stored detection cut the wait.
 *
 * Only lower bounds on gaps are asserted (a loaded machine makes gaps longer, never shorter).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import type { StatusRegistry } from '../../src/status/registry.js';
import type { Uploader } from '../../src/upload/uploader.js';
import { detection, hit, openTestStore, type TestStore } from '../store/helpers/fixtures.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { makeUploader, startReceiver, uploadConfig, type TestReceiver } from './helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';

let t: TestStore | undefined;
let rx: TestReceiver | undefined;
let proxy: FaultProxy | undefined;
let up: Uploader | undefined;
let server: Server | undefined;
afterEach(async () => {
  await up?.stop();
  await proxy?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.cleanup();
  await rx?.close();
  up = t = rx = proxy = server = undefined;
});

/** A server that takes each connection and cuts it at once: an outage the uploader can count. */
async function cuttingServer(): Promise<{ url: string; attempts: number[] }> {
  const attempts: number[] = [];
  const sockets = new Set<Socket>();
  server = createServer((s) => {
    attempts.push(performance.now());
    sockets.add(s);
    s.destroy();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts };
}

/** Stores one detection (a hit every fifth) per turn of the event loop until `done`; returns how many. */
async function storeWhile(done: () => boolean, limitMs: number): Promise<number> {
  const end = Date.now() + limitMs;
  let n = 0;
  while (!done()) {
    if (Date.now() > end) throw new Error(`condition not reached after storing ${n} detections`);
    t!.store.insertDetection(detection({ text: `PC${n}` }), null, n % 5 === 0 ? [hit()] : []);
    n++;
    await new Promise((r) => setTimeout(r, 10));
  }
  return n;
}

describe('upload pacing while detections keep arriving', () => {
  it('keeps the backoff between connection attempts during an outage however many detections are stored', async () => {
    const { url, attempts } = await cuttingServer();
    t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
    // Jitter 0.5: the k-th retry waits at least initial * 2^k / 2.
    const made = makeUploader(t.store, uploadConfig({ endpoint: url, retry_initial_s: 0.4, retry_max_s: 300, batch_interval_s: 0 }));
    up = made.uploader;
    await up.start();
    const stored = await storeWhile(() => attempts.length >= 4, 30_000);
    // Before the fix each of these stores (a fifth of them hits) started a new attempt. How many
    // are stored meanwhile depends on the machine's load; any more than a few shows the point.
    expect(stored).toBeGreaterThan(10);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    gaps.slice(0, 3).forEach((gap, k) => expect(gap, `gap before retry ${k + 1}`).toBeGreaterThanOrEqual(0.4 * 2 ** k * 1000 * 0.5 * 0.95));
    expect(made.registry.get('upload')!.counters.failures).toBeLessThanOrEqual(attempts.length);
  });

  it('waits out a Retry-After however many detections are stored meanwhile', async () => {
    rx = await startReceiver();
    proxy = new FaultProxy(rx.url);
    proxy.faults.push('http429', 'http429');
    await proxy.start();
    t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
    let registry: StatusRegistry;
    ({ uploader: up, registry } = makeUploader(t.store, uploadConfig({ endpoint: proxy.url, batch_interval_s: 0 })));
    t.store.insertDetection(detection({ text: 'RA1' }), null, [hit()]);
    await up.start();
    const batches = (): number => proxy!.seen.filter((s) => s.url === '/v1/batches').length;
    const stored = await storeWhile(() => batches() >= 3, 30_000);
    // Detections kept arriving through both waits (one every ~10 ms on a quiet machine, far fewer
    // under load: the count is not a rate target, only that the waits were not cut short by them).
    expect(stored).toBeGreaterThan(10);
    const seen = proxy.seen.filter((s) => s.url === '/v1/batches');
    // The fault proxy answers 429 with Retry-After: 1.
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(950);
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the backlog to drain');
    expect(registry.get('upload')!.state).toBe('ok');
  });

  it('still wakes at once for a hit stored while idle (the batch interval is not waited out)', async () => {
    rx = await startReceiver();
    t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
    ({ uploader: up } = makeUploader(t.store, uploadConfig({ endpoint: rx.url, batch_interval_s: 3600, batch_size: 1000 })));
    await up.start();
    const [ref] = t.store.insertDetections([{ detection: detection({ text: 'IDLE1' }), position: null, hits: [hit()] }]);
    // With a one-hour batch interval only the wake-up can send it.
    await waitFor(() => t!.store.detections.get(ref!.id)!.uploaded, 'the hit to upload', { timeoutMs: 20_000 });
  });
});
