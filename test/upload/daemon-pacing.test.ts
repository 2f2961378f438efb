/**
 * Issue 17 item 2 against the real daemon: `alpr-edge run` reading the demo clip from an RTSP
 * camera (detections and hits keep being stored) uploads through a proxy that first cuts every
 * batch request (an outage: 3 or 4 cuts, until two detections were stored meanwhile), then
 * answers `429 Retry-After: 2` twice, then lets them through. Every
 * stored detection used to wake the uploader and cut its wait short (398 connection attempts in
 * an 8-minute outage where the backoff allows ~10). The attempts are counted at the proxy and
 * held to the rule: the k-th retry after a cut waits at least retry_initial_s * 2^k / 2 (backoff
 * with jitter 0.5), a 429 at least its Retry-After. Only lower bounds: load makes gaps longer.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';
import { demoClipCamera } from '../peers/demo-camera.js';
import type { RtspPeer } from '../peers/rtsp-peer.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { startReceiver, type TestReceiver } from './helpers/peers.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DEVICE = 'test-pacing';
/** Cuts at least this many batch requests, and more (up to MAX_CUTS) until the camera stored two detections meanwhile. */
const MIN_CUTS = 3;
const MAX_CUTS = 4;
const RETRY_AFTER_S = 2;
const INITIAL_S = 1;

let daemon: TestDaemon | undefined;
let camera: RtspPeer | undefined;
let proxy: FaultProxy | undefined;
let rx: TestReceiver | undefined;
afterAll(async () => {
  await daemon?.stop();
  await camera?.stop('SIGKILL');
  await proxy?.stop();
  await rx?.close();
  await daemon?.dispose();
});

describe('the real daemon pacing its uploads while the camera keeps storing detections', () => {
  it('keeps the backoff through an outage and the Retry-After of a 429, then delivers everything stored meanwhile', async () => {
    rx = await startReceiver();
    proxy = new FaultProxy(rx.url);
    proxy.retryAfterS = RETRY_AFTER_S;
    // The faults are for batches (the daemon's heartbeats pass), chosen as each one comes: cuts
    // until the camera has stored two detections since the first (a loaded machine reads slower).
    let cuts = 0;
    let refusals = 0;
    let storedAtFirstCut: number | null = null;
    let storedNow = 0;
    proxy.faultsFor = (method, url) => {
      if (method !== 'POST' || url !== '/v1/batches') return false;
      storedAtFirstCut ??= storedNow;
      if (cuts < MIN_CUTS || (cuts < MAX_CUTS && storedNow - storedAtFirstCut < 2)) {
        cuts++;
        proxy!.faults.push('drop');
      } else if (refusals < 2) {
        refusals++;
        proxy!.faults.push('http429');
      }
      return true;
    };
    await proxy.start();
    daemon = await createDaemon({ name: 'pacing' });
    camera = await demoClipCamera(daemon.dir);
    await camera.start();
    daemon.writeConfig({
      ...daemon.config,
      device: { id: DEVICE, data_dir: daemon.dataDir },
      cameras: [{ id: 'front', kind: 'rtsp', url: camera.url('/cam'), retry_initial_s: 0.2, retry_max_s: 1 }],
      hotlist: { files: [join(ROOT, 'fixtures', 'hotlist', 'demo-hotlist.csv')] },
      upload: { enabled: true, endpoint: proxy.url, retry_initial_s: INITIAL_S, retry_max_s: 300 },
    });
    await daemon.start();
    // Detections the daemon has stored, read from its database as it runs (WAL: readers welcome).
    const live = new BetterSqlite3(join(daemon.dataDir, 'alpr.db'), { readonly: true, fileMustExist: true });
    const counting = (async () => {
      while (!proxy.seen.some((s) => s.fault === 'pass') && daemon.running) {
        storedNow = (live.prepare('SELECT count(*) AS n FROM detections').get() as { n: number }).n;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const batches = (): FaultProxy['seen'] => proxy!.seen.filter((s) => s.method === 'POST' && s.url === '/v1/batches');
    await waitFor(() => batches().some((s) => s.fault === 'pass'), 'the batches to get through after the outage and the 429s', { timeoutMs: 50_000, intervalMs: 50 });
    await counting;
    live.close();
    const seen = batches();
    const CUTS = cuts;
    expect(seen.slice(0, CUTS + 3).map((s) => s.fault)).toEqual([...Array.from({ length: CUTS }, () => 'drop'), 'http429', 'http429', 'pass']);
    // Nothing but these batch requests reached the proxy in between (no extra connection attempts).
    const first = seen[0]!.at;
    const through = seen[CUTS + 2]!.at;
    const others = proxy.seen.filter((s) => s.at >= first && s.at <= through && !(s.method === 'POST' && s.url === '/v1/batches'));
    expect(others.filter((s) => s.url !== '/v1/heartbeats')).toEqual([]);
    const gaps = seen.slice(1, CUTS + 3).map((s, i) => s.at - seen[i]!.at);
    // After the k-th cut, the backoff's k-th wait: at least INITIAL_S * 2^k * (1 - 0.5) (1 ms of rounding).
    for (let k = 0; k < CUTS; k++) expect(gaps[k], `gap after cut ${k + 1}`).toBeGreaterThanOrEqual(INITIAL_S * 1000 * 2 ** k * 0.5 - 1);
    // After each 429, its Retry-After.
    expect(gaps[CUTS], 'gap after the first 429').toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 1);
    expect(gaps[CUTS + 1], 'gap after the second 429').toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 1);

    // Detections kept being stored during those waits, and every one of them arrived afterwards
    // (the camera stops so that the outbox can empty).
    await camera.stop('SIGKILL');
    // The tracker closes the last vehicles' tracks a while after the last frame and stores their
    // detections then: wait for that, then for every stored detection to be at the receiver
    // (waiting only for an empty backlog raced a track closed after it, stored and not uploaded).
    await daemon.waitForUnit('tracker', (u) => (u.counters.open_tracks ?? 0) === 0, 'the last tracks closed');
    const storedIds = (): string[] => {
      const db = new BetterSqlite3(join(daemon!.dataDir, 'alpr.db'), { readonly: true });
      try {
        return (db.prepare('SELECT id FROM detections ORDER BY id').all() as { id: string }[]).map((r) => r.id);
      } finally {
        db.close();
      }
    };
    await waitFor(
      async () => (await daemon!.unit('upload')).counters.backlog_detections === 0 && rx!.db.detectionIds(DEVICE).join() === storedIds().join(),
      'every stored detection at the receiver',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const during = rx.db.detectionIds(DEVICE).filter((id) => {
      const d = rx!.db.detection(DEVICE, id)!.detection;
      return d.stored_at > first && d.stored_at < through;
    });
    console.info(`measured: ${seen.length} batch requests; ${CUTS + 2} paced over ${Math.round((through - first) / 100) / 10} s (gaps ${gaps.map((g) => Math.round(g)).join(', ')} ms) while ${during.length} detections were stored`);
    expect(during.length).toBeGreaterThanOrEqual(2);
    expect(await daemon.stop()).toBe(0);
    // Every detection the daemon stored is at the receiver (once: its key).
    const stored = storedIds();
    expect(stored.length).toBeGreaterThanOrEqual(during.length);
    expect(rx.db.detectionIds(DEVICE)).toEqual(stored);
  }, 110_000);
});
