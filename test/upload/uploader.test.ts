import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import { batchDueIn } from '../../src/upload/uploader.js';
import type { Uploader } from '../../src/upload/uploader.js';
import { detection, hit, openTestStore, position, type TestStore } from '../store/helpers/fixtures.js';
import { makeUploader, startReceiver, uploadConfig, type TestReceiver } from './helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
import { testTempDir } from '../helpers/temp-dir.js';

let t: TestStore | undefined;
let rx: TestReceiver | undefined;
let up: Uploader | undefined;
afterEach(async () => {
  await up?.stop();
  await t?.cleanup();
  await rx?.close();
  up = t = rx = undefined;
});

describe('batchDueIn', () => {
  const now = 1_000_000;
  it.each([
    ['nothing waits', { top: null, full: false }, 30_000],
    ['a hit waits', { top: { priority: 1, enqueuedAt: now }, full: false }, 0],
    ['a full batch waits', { top: { priority: 0, enqueuedAt: now }, full: true }, 0],
    ['the oldest waited the interval', { top: { priority: 0, enqueuedAt: now - 5000 }, full: false }, 0],
    ['the oldest waited 2 s of 5', { top: { priority: 0, enqueuedAt: now - 2000 }, full: false }, 3000],
  ])('%s', (_name, peek, due) => {
    expect(batchDueIn(peek, now, 5000, 30_000)).toBe(due);
  });
});

async function setup(over: Parameters<typeof uploadConfig>[0] extends infer C ? Partial<C> : never = {}): Promise<void> {
  rx ??= await startReceiver();
  t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
  up = makeUploader(t.store, uploadConfig({ endpoint: rx.url, ...over })).uploader;
}

function storeSome(n: number, withHits = false): string[] {
  return t!.store
    .insertDetections(Array.from({ length: n }, (_, i) => ({ detection: detection({ text: `AB${i}` }), position: position(), hits: withHits ? [hit()] : [] })))
    .map((r) => r.id);
}

describe('Uploader', () => {
  it('uploads detections with images, hits and the audit log, each exactly once, and marks them uploaded', async () => {
    await setup({ batch_size: 7 });
    const ids = storeSome(20);
    const [withHit] = storeSome(1, true);
    t!.store.audit.append({ user: 'ofc.lee', action: 'search', object: null, purpose: 'patrol', caseNumber: '26-1', details: { plate: 'AB*' }, ip: '127.0.0.1' });
    await up!.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the backlog to drain');
    expect(rx!.db.detectionIds('unit-7')).toEqual([...ids, withHit!].sort());
    expect(rx!.db.stats()).toMatchObject({ detections: 21, duplicates: 0, images: 42 });
    const got = rx!.db.detection('unit-7', withHit!)!.detection;
    expect(got.hits).toHaveLength(1);
    expect(got.hits[0]!.entry.list).toBe('stolen');
    expect(got.images.plate!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rx!.db.image('unit-7', ids[0]!, 'overview')!.data.equals(t!.store.detections.image(ids[0]!, 'overview')!)).toBe(true);
    expect(rx!.db.auditRows('unit-7').map((a) => a.action)).toEqual(['search']);
    // Every batch carries the audit-chain head (issue 19): the newest row's id and hash, no row content.
    const head = rx!.db.reportedHead('unit-7')!;
    expect({ id: head.id, hash: head.hash }).toEqual({ id: 1, hash: t!.store.audit.get(1)!.hash });
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(t!.store.detections.get(ids[0]!)!.uploaded).toBe(true);
    const status = t!.registry; // store status is its own registry; the uploader reports on its own
    expect(status.get('store')!.state).toBe('ok');
  });

  it('sends hits ahead of detections that waited longer', async () => {
    const order: string[][] = [];
    rx = await startReceiver({
      setup: (app) =>
        app.addHook('onSend', async (req, _reply, payload) => {
          if (req.url === '/v1/batches') order.push((JSON.parse(String(payload)) as { acknowledged: { detections: string[] } }).acknowledged.detections);
          return payload;
        }),
    });
    await setup({ batch_size: 3 });
    storeSome(6);
    const [h] = storeSome(1, true);
    await up!.start();
    await waitFor(() => t!.store.outbox.backlog().pending === 0 && t!.store.outbox.backlog().claimed === 0, 'the backlog to drain');
    expect(order[0]![0]).toBe(h);
  });

  it('quarantines the items a server rejects, with its reason, and uploads the rest', async () => {
    await setup();
    const good = storeSome(3);
    const [bad] = t!.store.insertDetections([{ detection: detection({ confidence: 1.5 }), position: null, hits: [] }]).map((r) => r.id);
    await up!.start();
    await waitFor(() => t!.store.outbox.backlog().quarantined === 1 && t!.store.outbox.backlog().pending === 0, 'the bad item to be quarantined');
    expect(rx!.db.detectionIds('unit-7')).toEqual([...good].sort());
    expect(t!.store.outbox.listQuarantined()).toEqual([expect.objectContaining({ stream: 'detection', reason: 'confidence must be within 0..1' })]);
    expect(t!.store.detections.get(bad!)!.uploaded).toBe(false);
  });

  it('quarantines a batch whose every item is rejected (HTTP 422 naming them)', async () => {
    await setup();
    t!.store.insertDetections([{ detection: detection({ text: 'TOO-LONG-PLATE-TEXT-X' }), position: null, hits: [] }]);
    await up!.start();
    await waitFor(() => t!.store.outbox.backlog().quarantined === 1, 'the item to be quarantined');
    expect(t!.store.outbox.listQuarantined()[0]!.reason).toMatch(/text must be/);
    expect(rx!.db.stats().detections).toBe(0);
  });

  it('uploads a later revision of an uploaded detection again, replacing the earlier one', async () => {
    await setup();
    const d = detection({ text: 'AB12' });
    t!.store.insertDetection(d, null, []);
    await up!.start();
    await waitFor(() => t!.store.detections.get(d.id)!.uploaded, 'the first revision to upload');
    t!.store.insertDetection({ ...d, revision: 1, text: 'AB123' }, null, [hit({ readText: 'AB123' })]);
    expect(t!.store.detections.get(d.id)!.uploaded).toBe(false);
    await waitFor(() => t!.store.detections.get(d.id)!.uploaded, 'the second revision to upload');
    const got = rx!.db.detection('unit-7', d.id)!;
    // Received at least twice (each revision; with records first the revision's images travel
    // again with its record, the receiver already holding them), stored as the later one.
    expect(got.revision).toBe(1);
    expect(got.receipts).toBeGreaterThanOrEqual(2);
    expect(got.detection.text).toBe('AB123');
  });

  it.each([
    ['msgpack, images inline', { format: 'msgpack', images: 'inline', gzip: false }, 2],
    ['JSON with gzip, images inline', { format: 'json', images: 'inline', gzip: true }, 2],
    ['msgpack, images as separate PUTs', { format: 'msgpack', images: 'separate', gzip: false }, 2],
    ['JSON, images left on the device', { format: 'json', images: 'none', gzip: false }, 0],
  ] as const)('uploads in %s', async (_name, over, imagesPerDetection) => {
    await setup({ ...over, batch_size: 4 });
    const ids = storeSome(5);
    await up!.start();
    await waitFor(() => ids.every((id) => t!.store.detections.get(id)!.uploaded), 'all to upload');
    expect(rx!.db.stats()).toMatchObject({ detections: 5, images: 5 * imagesPerDetection });
    if (imagesPerDetection > 0) {
      const img = rx!.db.image('unit-7', ids[2]!, 'plate')!;
      expect(img.data.equals(t!.store.detections.image(ids[2]!, 'plate')!)).toBe(true);
    }
    expect(rx!.db.detection('unit-7', ids[2]!)!.detection.images.plate!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('turns red with the reason when the server refuses the token, and keeps every item', async () => {
    rx = await startReceiver({ token: 'right-token' });
    await setup({ tokenValue: 'wrong-token' });
    const ids = storeSome(2);
    const { uploader, registry } = makeUploader(t!.store, uploadConfig({ endpoint: rx.url, tokenValue: 'wrong-token' }));
    up = uploader;
    await up.start();
    await waitFor(() => registry.get('upload')!.state === 'down', 'the upload status to turn red');
    expect(registry.get('upload')!.message).toMatch(/401/);
    await up.stop();
    expect(t!.store.outbox.backlog()).toMatchObject({ pending: 2, claimed: 0 });
    expect(ids.every((id) => !t!.store.detections.get(id)!.uploaded)).toBe(true);
  });

  it('authenticates with the bearer token', async () => {
    rx = await startReceiver({ token: 's3cret' });
    await setup({ tokenValue: 's3cret' });
    const ids = storeSome(2);
    await up!.start();
    await waitFor(() => ids.every((id) => t!.store.detections.get(id)!.uploaded), 'all to upload');
  });

  it('returns items claimed but not acknowledged to pending when the store restarts', async () => {
    // openTestStore leaves a directory it was given; this one goes when the test finishes, after afterEach's cleanup.
    t = await openTestStore({ dir: testTempDir('alpr-restart-'), clock: systemClock });
    storeSome(5);
    expect(t.store.outbox.claim(3)).toHaveLength(3);
    expect(t.store.outbox.backlog()).toMatchObject({ pending: 2, claimed: 3 });
    await t.store.stop();
    await t.store.start();
    expect(t.store.outbox.backlog()).toMatchObject({ pending: 5, claimed: 0 });
  });

  it('reports backlog, oldest age, last success and throughput', async () => {
    await setup();
    const { uploader, registry } = makeUploader(t!.store, uploadConfig({ endpoint: rx!.url }));
    up = uploader;
    const ids = storeSome(10);
    await up.start();
    await waitFor(() => ids.every((id) => t!.store.detections.get(id)!.uploaded), 'all to upload');
    await up.stop();
    const s = registry.get('upload')!;
    expect(s.counters).toMatchObject({ uploaded_detections: 10, backlog: 0, oldest_age_s: 0 });
    expect(s.counters.items_per_s).toBeGreaterThan(0);
    expect(typeof s.details.last_success).toBe('string');
  });

  it('reports disabled and does nothing when upload is off', async () => {
    await setup();
    const { uploader, registry } = makeUploader(t!.store, { ...uploadConfig({ endpoint: rx!.url }), enabled: false });
    up = uploader;
    storeSome(1);
    await up.start();
    expect(registry.get('upload')!.state).toBe('disabled');
    expect(t!.store.outbox.backlog().pending).toBe(1);
  });
});
