/**
 * The 413 rule against the real daemon (issue 17: "a 413 halves the batch size for good, 20→5"):
 * `alpr-edge run` with a backlog of records uploads through a proxy that answers the first batch
 * `413 Payload Too Large`. The next batches carry at most half its bytes; after three successes
 * at the reduced size the limit doubles again, and the status shows the limit in force as it
 * grows. No camera: the backlog is stored before the daemon starts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RECORD_BYTES } from '../../src/store/outbox-repo.js';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';
import { seedBacklog } from './helpers/daemon-upload.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { startReceiver, type TestReceiver } from './helpers/peers.js';

const DEVICE = 'test-too-large';
const BACKLOG = 300;
const BATCH = 40;

let daemon: TestDaemon | undefined;
let proxy: FaultProxy | undefined;
let rx: TestReceiver | undefined;
afterAll(async () => {
  await daemon?.stop();
  await proxy?.stop();
  await rx?.close();
  await daemon?.dispose();
});

describe('the real daemon after a 413', () => {
  it('halves the batch, grows it back after successes, and the status follows the limit', async () => {
    rx = await startReceiver();
    proxy = new FaultProxy(rx.url);
    proxy.faultsFor = (method, url) => method === 'POST' && url === '/v1/batches';
    proxy.faults.push('http413');
    await proxy.start();
    daemon = await createDaemon({ name: 'too-large', config: { device: { id: DEVICE }, upload: { enabled: true, endpoint: proxy.url, batch_size: BATCH, images: 'none' } } });
    const ids = await seedBacklog(daemon, DEVICE, BACKLOG, 1000);
    await daemon.start();

    await waitFor(() => rx!.db.detectionIds(DEVICE).length === BACKLOG, 'the whole backlog to arrive', { timeoutMs: 40_000, intervalMs: 50 });
    const sizes = proxy.seen.filter((s) => s.method === 'POST' && s.url === '/v1/batches').map((s) => ({ fault: s.fault, items: s.items }));
    console.info(`measured: batches of ${sizes.map((s) => `${s.items}${s.fault === 'pass' ? '' : ` (${s.fault})`}`).join(', ')} items`);
    // The refused batch was a full one; the next three were cut to half its bytes or less.
    expect(sizes[0]).toEqual({ fault: 'http413', items: BATCH });
    const reduced = sizes.slice(1, 4);
    expect(reduced.map((s) => s.fault)).toEqual(['pass', 'pass', 'pass']);
    for (const s of reduced) expect(s.items).toBeLessThanOrEqual(BATCH / 2 + 1);
    // Then back to the full size (it used to stay halved for good).
    expect(sizes[4]!.items).toBeGreaterThan(Math.max(...reduced.map((s) => s.items)));
    expect(sizes[4]!.items).toBeGreaterThanOrEqual(BATCH - 1);
    expect(rx.db.detectionIds(DEVICE)).toEqual([...ids].sort());

    // The status follows the limit as it grows back (it kept showing the first halved size).
    const upload = await daemon.waitForUnit('upload', (u) => u.counters.backlog_detections === 0, 'the device to settle the last batch');
    const refused = upload.details.refused_batch_bytes as number | null;
    if (refused !== null) expect(refused).toBeGreaterThan((BATCH * RECORD_BYTES) / 2);
    expect(await daemon.stop()).toBe(0);
  }, 90_000);
});
