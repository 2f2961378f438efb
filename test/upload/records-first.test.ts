/**
 * Records before images, images in resumable pieces, and misread corrections as their own
 * stream (issues 17 and 20), against the reference receiver on loopback: through a throttled
 * link, a link cut mid-image, an uploader restarted mid-image, and a receiver of version 1.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ReceiverDb } from '../../src/receiver/receiver-db.js';
import { systemClock } from '../../src/shared/clock.js';
import { spawnCli } from '../helpers/cli.js';
import type { Uploader } from '../../src/upload/uploader.js';
import { detection, hit, jpeg, openTestStore, position, type TestStore } from '../store/helpers/fixtures.js';
import { CutProxy } from './helpers/cut-proxy.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { makeUploader, startReceiver, uploadConfig, type TestReceiver } from './helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
import { ThrottleProxy } from './helpers/throttle-proxy.js';
import { testTempDir } from '../helpers/temp-dir.js';

const DEVICE = 'unit-7';
let t: TestStore | undefined;
let rx: TestReceiver | undefined;
let up: Uploader | undefined;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await up?.stop();
  for (const s of stops.splice(0).reverse()) await s();
  await t?.cleanup();
  await rx?.close();
  up = t = rx = undefined;
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** What the receiver was asked, in order: `batch`, `status` (GET of a piece state), `piece@offset`, `image` (whole PUT). */
function requestLog(): { seen: string[]; setup: (app: FastifyInstance) => void } {
  const seen: string[] = [];
  const setup = (app: FastifyInstance): void => {
    app.addHook('onRequest', (req, _reply, done) => {
      const url = req.url.split('?')[0]!;
      if (url === '/v1/batches') seen.push('batch');
      else if (url.endsWith('/upload') && req.method === 'GET') seen.push('status');
      else if (url.endsWith('/upload')) seen.push(`piece@${String(req.headers['x-piece-offset'])}`);
      else if (url.startsWith('/v1/images/')) seen.push('image');
      done();
    });
  };
  return { seen, setup };
}

async function openStore(): Promise<TestStore> {
  t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
  return t;
}

function heldImages(ids: readonly string[]): number {
  let n = 0;
  for (const id of ids) {
    const d = rx!.db.detection(DEVICE, id);
    if (d?.imagesHeld.plate) n++;
    if (d?.imagesHeld.overview) n++;
  }
  return n;
}

describe('records before images (upload.images: deferred)', () => {
  it('on a 256 kbit/s link every record is at the server before the images, which follow and attach to their records once each', async () => {
    const { seen, setup } = requestLog();
    rx = await startReceiver({ setup });
    const link = new ThrottleProxy(rx.port, { bitsPerS: 256_000, delayMs: 40 });
    await link.start();
    stops.push(() => link.stop());
    await openStore();
    const ids = t!.store
      .insertDetections(Array.from({ length: 6 }, (_, i) => ({ detection: detection({ text: `REC${i}`, overviewJpeg: jpeg(40 * 1024) }), position: position(), hits: [] })))
      .map((r) => r.id);
    up = makeUploader(t!.store, uploadConfig({ endpoint: link.url, images: 'deferred', timeout_s: 30 })).uploader;
    await up.start();

    await waitFor(() => rx!.db.detectionIds(DEVICE).length === 6, 'every record at the receiver', { timeoutMs: 20_000 });
    // 6 records are ~6 KB, their images ~260 KB (8 s at 256 kbit/s): the records did not wait for them.
    expect(heldImages(ids)).toBeLessThan(12);
    const rec = rx.db.detection(DEVICE, ids[5]!)!;
    expect(rec.detection.text).toBe('REC5');
    expect(rec.detection.position).not.toBeNull();
    expect(rec.detection.images.overview!.sha256).toBe(sha256(t!.store.detections.image(ids[5]!, 'overview')!));

    await waitFor(() => heldImages(ids) === 12, 'every image at the receiver', { timeoutMs: 60_000 });
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the outbox to empty');
    for (const id of ids) {
      expect(rx.db.image(DEVICE, id, 'overview')!.data.equals(t!.store.detections.image(id, 'overview')!)).toBe(true);
      expect(t!.store.detections.get(id)!.uploaded).toBe(true);
    }
    // Small images go many to a request, inline with their records again: stored once each.
    expect(seen.filter((s) => s === 'batch').length).toBeGreaterThanOrEqual(2);
    expect(rx.db.stats()).toMatchObject({ detections: 6, images: 12 });
  }, 90_000);

  it("a hit's record overtakes a backlog of images, and its images go before the backlog's", async () => {
    rx = await startReceiver();
    const link = new ThrottleProxy(rx.port, { bitsPerS: 256_000, delayMs: 40 });
    await link.start();
    stops.push(() => link.stop());
    await openStore();
    const backlog = t!.store
      .insertDetections(Array.from({ length: 8 }, (_, i) => ({ detection: detection({ text: `OLD${i}`, overviewJpeg: jpeg(40 * 1024) }), position: position(), hits: [] })))
      .map((r) => r.id);
    up = makeUploader(t!.store, uploadConfig({ endpoint: link.url, images: 'deferred', timeout_s: 30 })).uploader;
    await up.start();
    await waitFor(() => heldImages(backlog) >= 1, 'the backlog images to start', { timeoutMs: 30_000 });
    const [hitId] = t!.store.insertDetections([{ detection: detection({ text: 'HOT1', overviewJpeg: jpeg(40 * 1024) }), position: position(), hits: [hit({ readText: 'HOT1' })] }]).map((r) => r.id);
    await waitFor(() => rx!.db.detection(DEVICE, hitId!) !== null, "the hit's record at the receiver", { timeoutMs: 30_000 });
    expect(heldImages(backlog)).toBeLessThan(16);
    await waitFor(() => heldImages([hitId!]) === 2, "the hit's images at the receiver", { timeoutMs: 30_000 });
    // The hit's images went ahead of what was still queued of the backlog.
    expect(heldImages(backlog)).toBeLessThan(16);
    await waitFor(() => heldImages(backlog) === 16, 'the backlog images', { timeoutMs: 90_000 });
  }, 150_000);
});

describe('images in resumable pieces', () => {
  it('a link cut mid-image resumes at the last acknowledged offset: no restart from 0, stored once, SHA-256 verified', async () => {
    const { seen, setup } = requestLog();
    rx = await startReceiver({ setup });
    // Cut once, 250 KB into the image uploads: inside the third 100 KB piece.
    const cut = new CutProxy(rx.port, 'PUT /v1/images/', 250_000);
    await cut.start();
    stops.push(() => cut.stop());
    await openStore();
    const overview = jpeg(600 * 1024);
    const [id] = t!.store.insertDetections([{ detection: detection({ text: 'CUT1', overviewJpeg: overview }), position: position(), hits: [] }]).map((r) => r.id);
    up = makeUploader(t!.store, uploadConfig({ endpoint: cut.url, images: 'deferred', batch_max_mb: 0.1 })).uploader;
    await up.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the image to arrive despite the cut', { timeoutMs: 30_000 });

    expect(cut.cuts).toBe(1);
    const stored = rx.db.image(DEVICE, id!, 'overview')!;
    expect(stored.data.equals(overview)).toBe(true);
    expect(stored.sha256).toBe(sha256(overview));
    const offsets = seen.filter((s) => s.startsWith('piece@')).map((s) => Number(s.slice(6)));
    // The plate in one piece, the overview in 100 KB pieces (batch_max_mb); after the cut, inside
    // the overview's third piece, its upload went on from the offset the receiver had
    // acknowledged: that piece once more, never from 0 again.
    const piece = Math.floor(0.1 * 1024 * 1024);
    expect(offsets.filter((o) => o === 0)).toHaveLength(2);
    expect(offsets.filter((o, i) => o > 0 && offsets.indexOf(o) !== i)).toEqual([2 * piece]);
    expect(offsets.length).toBe(2 + Math.ceil(overview.length / piece));
    expect(rx.db.stats()).toMatchObject({ detections: 1, duplicates: 0, images: 2 });
  }, 60_000);

  it('against the alpr-edge receiver process: a cut mid-image resumes, the image is stored once and matches', async () => {
    // Removed when the test finishes, after afterEach has stopped the receiver process.
    const dir = testTempDir('alpr-rx-proc-');
    const child = spawnCli(['receiver', '--port', '0', '--db', join(dir, 'rx.db'), '--insecure-no-auth']);
    const exited = once(child, 'exit');
    stops.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.test(out), 'the receiver process to listen');
    const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const cut = new CutProxy(port, 'PUT /v1/images/', 250_000);
    await cut.start();
    stops.push(() => cut.stop());
    await openStore();
    const overview = jpeg(600 * 1024);
    const [id] = t!.store.insertDetections([{ detection: detection({ text: 'PRC1', overviewJpeg: overview }), position: position(), hits: [] }]).map((r) => r.id);
    up = makeUploader(t!.store, uploadConfig({ endpoint: cut.url, images: 'deferred', batch_max_mb: 0.1 })).uploader;
    await up.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the image to arrive despite the cut', { timeoutMs: 30_000 });
    expect(cut.cuts).toBe(1);
    const held = (await (await fetch(`http://127.0.0.1:${port}/v1/devices/${DEVICE}/detections/${id}`)).json()) as { imagesHeld: unknown };
    expect(held.imagesHeld).toEqual({ plate: true, overview: true });
    expect(await (await fetch(`http://127.0.0.1:${port}/v1/stats`)).json()).toMatchObject({ detections: 1, duplicates: 0, images: 2 });
    child.kill('SIGTERM');
    await exited;
    const db = new ReceiverDb(join(dir, 'rx.db'));
    try {
      expect(db.image(DEVICE, id!, 'overview')!.data.equals(overview)).toBe(true);
    } finally {
      db.close();
    }
  }, 60_000);

  it('an uploader restarted mid-image asks the receiver where it stands and resumes there', async () => {
    const { seen, setup } = requestLog();
    rx = await startReceiver({ setup });
    const link = new ThrottleProxy(rx.port, { bitsPerS: 1_000_000, delayMs: 20 });
    await link.start();
    stops.push(() => link.stop());
    await openStore();
    const overview = jpeg(700 * 1024);
    const [id] = t!.store.insertDetections([{ detection: detection({ text: 'RST1', overviewJpeg: overview }), position: position(), hits: [] }]).map((r) => r.id);
    const config = uploadConfig({ endpoint: link.url, images: 'deferred', batch_max_mb: 0.1, timeout_s: 30 });
    up = makeUploader(t!.store, config).uploader;
    await up.start();
    await waitFor(() => seen.filter((s) => s.startsWith('piece@') && s !== 'piece@0').length >= 2, 'two pieces of the overview', { timeoutMs: 30_000 });
    await up.stop();
    const before = seen.length;
    const second = makeUploader(t!.store, config);
    up = second.uploader;
    await up.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the image to arrive after the restart', { timeoutMs: 60_000 });

    const after = seen.slice(before);
    expect(after[0]).toBe('status');
    const firstPiece = after.find((s) => s.startsWith('piece@'));
    expect(Number(firstPiece!.slice(6))).toBeGreaterThan(0);
    await up.stop();
    expect(second.registry.get('upload')!.counters.images_resumed).toBe(1);
    expect(rx.db.image(DEVICE, id!, 'overview')!.data.equals(overview)).toBe(true);
    expect(rx.db.stats()).toMatchObject({ detections: 1, duplicates: 0, images: 2 });
  }, 90_000);

  it('a small image the receiver already holds part of (a try cut before a restart) goes on from the offset the receiver names (409)', async () => {
    const { seen, setup } = requestLog();
    rx = await startReceiver({ setup });
    await openStore();
    const plate = jpeg(6000);
    // With a 200 KB overview the detection goes in pieces (100 KB each), the plate first.
    const [id] = t!.store.insertDetections([{ detection: detection({ text: 'PRT1', plateJpeg: plate, overviewJpeg: jpeg(200 * 1024) }), position: position(), hits: [] }]).map((r) => r.id);
    const head = plate.subarray(0, 2500);
    const seeded = await fetch(`${rx.url}/v1/images/${id}/plate/upload`, {
      method: 'PUT',
      headers: { 'x-device-id': DEVICE, 'x-image-sha256': sha256(plate), 'x-image-bytes': String(plate.length), 'x-piece-offset': '0', 'x-content-sha256': sha256(head), 'content-type': 'application/octet-stream' },
      body: head,
    });
    expect(await seeded.json()).toEqual({ offset: 2500, bytes: 6000, complete: false });
    seen.length = 0;
    up = makeUploader(t!.store, uploadConfig({ endpoint: rx.url, images: 'deferred', batch_max_mb: 0.1 })).uploader;
    await up.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the images to arrive');
    // Plate: 409 at 0, then the rest from 2,500; overview: two pieces.
    expect(seen.filter((s) => s.startsWith('piece@'))).toEqual(['piece@0', 'piece@2500', 'piece@0', `piece@${Math.floor(0.1 * 1024 * 1024)}`]);
    expect(rx.db.image(DEVICE, id!, 'plate')!.data.equals(plate)).toBe(true);
  });

  it('names a garbled piece, a piece at the wrong offset and an image that does not match its SHA-256, each with a clear error', async () => {
    rx = await startReceiver();
    const id = '0190f3a0-0000-7000-8000-000000000001';
    const image = jpeg(3000);
    const put = (offset: number, piece: Buffer, pieceSha = sha256(piece), imageSha = sha256(image)) =>
      fetch(`${rx!.url}/v1/images/${id}/plate/upload`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'x-device-id': DEVICE, 'x-image-sha256': imageSha, 'x-image-bytes': String(image.length), 'x-piece-offset': String(offset), 'x-content-sha256': pieceSha },
        body: piece,
      });
    const garbled = await put(0, image.subarray(0, 1000), sha256(Buffer.from('other')));
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ error: 'piece_sha256', message: expect.stringMatching(/does not match its X-Content-SHA256/) });
    expect((await put(0, image.subarray(0, 1000))).status).toBe(200);
    const skipped = await put(2000, image.subarray(2000));
    expect(skipped.status).toBe(409);
    expect(await skipped.json()).toMatchObject({ error: 'offset_mismatch', state: { offset: 1000 } });
    const state = await fetch(`${rx.url}/v1/images/${id}/plate/upload?sha256=${sha256(image)}&bytes=${image.length}`, { headers: { 'x-device-id': DEVICE } });
    expect(await state.json()).toEqual({ offset: 1000, bytes: 3000, complete: false });
    // Pieces that each match themselves but not the image announced: nothing is stored.
    const other = jpeg(3000);
    const wrong = await put(1000, other.subarray(1000));
    expect(wrong.status).toBe(422);
    expect(await wrong.json()).toMatchObject({ error: 'image_sha256', message: expect.stringMatching(/does not match its X-Image-SHA256/) });
    expect(rx.db.image(DEVICE, id, 'plate')).toBeNull();
    const tooBig = await fetch(`${rx.url}/v1/images/${id}/plate/upload?sha256=${sha256(image)}&bytes=${64 * 1024 * 1024}`, { headers: { 'x-device-id': DEVICE } });
    expect(tooBig.status).toBe(413);
  });
});

describe('misread corrections as their own upload stream', () => {
  it('arrive once, beside their detection, even when the answer to the batch is lost', async () => {
    rx = await startReceiver();
    const proxy = new FaultProxy(rx.url);
    await proxy.start();
    stops.push(() => proxy.stop());
    await openStore();
    const [id] = t!.store.insertDetections([{ detection: detection({ text: '8FJK392' }), position: position(), hits: [] }]).map((r) => r.id);
    const records = t!.store.users.records;
    records.addCorrection({ detectionId: id!, hitId: null, originalText: '8FJK392', correctedText: '8FJK393', note: 'last digit is 3', reportedBy: 'ofc.lee' });
    // The first batch is stored and its answer cut: the corrections go again under the same key.
    proxy.faults.push('reset');
    up = makeUploader(t!.store, uploadConfig({ endpoint: proxy.url })).uploader;
    await up.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the outbox to empty');
    // Reported through the store (as the station does), a correction wakes the idle uploader like a
    // new detection: without that it waited for the 30 s idle look, past this wait's 25 s.
    t!.store.addCorrection({ detectionId: id!, hitId: null, originalText: '8FJK392', correctedText: '8FJK398', note: 'second look', reportedBy: 'sgt.ray' });
    await waitFor(() => rx!.db.correctionRows(DEVICE).length === 2, 'the second correction, without waiting for the idle look', { timeoutMs: 25_000 });

    const rows = rx.db.correctionRows(DEVICE);
    expect(rows.map((c) => [c.detection_id, c.original_text, c.corrected_text, c.reported_by])).toEqual([
      [id, '8FJK392', '8FJK393', 'ofc.lee'],
      [id, '8FJK392', '8FJK398', 'sgt.ray'],
    ]);
    expect(rx.db.stats().corrections).toBe(2);
    // The original read is untouched at the receiver as on the device.
    expect(rx.db.detection(DEVICE, id!)!.detection.text).toBe('8FJK392');
    expect(proxy.seen.filter((s) => s.fault === 'reset')).toHaveLength(1);
  });

  it('to a receiver of version 1 (no capabilities): big images go whole after their records, corrections only in the audit stream', async () => {
    const log = requestLog();
    const seen = log.seen;
    rx = await startReceiver({
      setup: (app) => {
        log.setup(app);
        app.addHook('onRequest', async (req, reply) => {
          if (req.url.startsWith('/v1/capabilities') || req.url.split('?')[0]!.endsWith('/upload')) await reply.code(404).send({ message: 'Not Found' });
        });
      },
    });
    await openStore();
    const ids = t!.store
      .insertDetections(Array.from({ length: 3 }, (_, i) => ({ detection: detection({ text: `OLD${i}`, overviewJpeg: jpeg(200 * 1024) }), position: position(), hits: [] })))
      .map((r) => r.id);
    t!.store.users.records.addCorrection({ detectionId: ids[0]!, hitId: null, originalText: 'OLD0', correctedText: 'OLD8', note: '', reportedBy: 'ofc.lee' });
    const made = makeUploader(t!.store, uploadConfig({ endpoint: rx.url, images: 'deferred', batch_max_mb: 0.1 }));
    up = made.uploader;
    await up.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the outbox to empty');
    expect(heldImages(ids)).toBe(6);
    expect(seen.filter((s) => s === 'image')).toHaveLength(6);
    expect(seen.some((s) => s.startsWith('piece'))).toBe(false);
    expect(rx.db.stats().corrections).toBe(0);
    expect(made.registry.get('upload')!.counters.corrections_audit_only).toBe(1);
  });
});
