/**
 * Issue 17 item 1 against the real daemon: `alpr-edge run` (test/helpers/daemon.ts) with the
 * upload defaults, through a 1 Mbit/s link (ThrottleProxy) to the reference receiver, with a
 * backlog of 50 KB images already stored and a live RTSP camera looping the demo clip whose
 * stolen plate is on the hot list. Before link shaping, nothing got through such a link and hits
 * waited behind the backlog. Here: every backlog record arrives before any backlog image
 * (records before images), and the hit the daemon raises from the camera reaches the receiver,
 * record and image, while backlog images are still waiting (hits first). The hit's latency is
 * printed (issue bound 10 s), not asserted: speed is measured by bench:uplink.
 */
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';
import { demoClipCamera } from '../peers/demo-camera.js';
import type { RtspPeer } from '../peers/rtsp-peer.js';
import { arrivalsReceiver, seedBacklog, type Arrivals } from './helpers/daemon-upload.js';
import { ThrottleProxy } from './helpers/throttle-proxy.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DEVICE = 'test-link';
const BACKLOG = 150;

let daemon: TestDaemon | undefined;
let camera: RtspPeer | undefined;
let link: ThrottleProxy | undefined;
let arrivals: Arrivals | undefined;
afterAll(async () => {
  await daemon?.stop();
  await camera?.stop('SIGKILL');
  await link?.stop();
  await arrivals?.rx.close();
  await daemon?.dispose();
});

describe('the real daemon on a 1 Mbit/s uplink with a backlog of 50 KB images', () => {
  it('sends every record before the images, and a hit from the camera ahead of the waiting images', async () => {
    arrivals = await arrivalsReceiver(DEVICE);
    link = new ThrottleProxy(arrivals.rx.port, { bitsPerS: 1_000_000, delayMs: 20 });
    await link.start();
    daemon = await createDaemon({ name: 'link' });
    // The demo clip's frames, served looped as a live H.264 RTSP camera.
    camera = await demoClipCamera(daemon.dir);
    await camera.start();
    daemon.writeConfig({
      ...daemon.config,
      cameras: [{ id: 'front', kind: 'rtsp', url: camera.url('/cam'), retry_initial_s: 0.2, retry_max_s: 1 }],
      hotlist: { files: [join(ROOT, 'fixtures', 'hotlist', 'demo-hotlist.csv')] },
      // The defaults but for the endpoint: 200-item batches, 30 s time limit, records first.
      upload: { enabled: true, endpoint: link.url },
    });
    const backlog = await seedBacklog(daemon, DEVICE, BACKLOG, 50_000);
    await daemon.start();

    await waitFor(() => arrivals!.hits.size > 0, 'a hit raised from the camera to reach the receiver', { timeoutMs: 45_000, intervalMs: 50 });
    const [hitId, hit] = [...arrivals.hits][0]!;
    await waitFor(() => arrivals!.images.has(hit.detectionId), "the hit's image to reach the receiver", { timeoutMs: 20_000, intervalMs: 50 });
    const heldAtHitImage = backlog.filter((id) => arrivals!.images.has(id)).length;
    console.info(`measured: hit ${hitId} reached the receiver ${hit.at - hit.raisedAt} ms after it was raised (bound 10,000 ms) and its image ${arrivals.images.get(hit.detectionId)! - hit.raisedAt} ms after; ${heldAtHitImage} of ${BACKLOG} backlog images held then; ${Math.round(link.upBytes / 1024)} KiB carried`);

    // Records before images: the whole backlog's records were in before its first image.
    expect(backlog.every((id) => arrivals!.records.has(id))).toBe(true);
    const firstImage = Math.min(...backlog.filter((id) => arrivals!.images.has(id)).map((id) => arrivals!.images.get(id)!));
    expect(Math.max(...backlog.map((id) => arrivals!.records.get(id)!))).toBeLessThanOrEqual(firstImage);
    // Hits first: the hit and its image went ahead of backlog images still waiting.
    expect(heldAtHitImage).toBeLessThan(BACKLOG);
    expect(arrivals.posts.every((p) => p.status === 200)).toBe(true);
    const upload = await daemon.unit('upload');
    expect(upload.counters.link_kbit_s).toBeGreaterThan(0);
    expect(upload.counters.link_kbit_s).toBeLessThanOrEqual(1000 * 1.1);
    expect(await daemon.stop()).toBe(0);
  }, 120_000);
});
