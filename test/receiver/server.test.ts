import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReceiverDb } from '../../src/receiver/receiver-db.js';
import { buildReceiver } from '../../src/receiver/server.js';
import { encodeBatch } from '../../src/upload/codec.js';
import type { WireBatch, WireDetection } from '../../src/upload/wire.js';

let dir: string;
let db: ReceiverDb;
let app: FastifyInstance;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alpr-rx-'));
  db = new ReceiverDb(join(dir, 'rx.db'));
  app = await buildReceiver({ db, token: 'tok' });
});
afterEach(async () => {
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PLATE = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
let n = 0;

function det(over: Partial<WireDetection> = {}): WireDetection {
  n++;
  return {
    id: `019b7c1e-0000-7000-8000-${String(n).padStart(12, '0')}`,
    revision: 0,
    camera_id: 'front',
    text: 'ABC123',
    confidence: 0.9,
    candidates: [{ text: 'ABC123', confidence: 0.9 }],
    region: 'us',
    first_seen: 1,
    last_seen: 2,
    best_at: 2,
    frame_count: 3,
    direction: 'approaching',
    box: { x: 1, y: 2, w: 3, h: 4 },
    position: null,
    stored_at: 3,
    evidence_hold: false,
    images: { plate: { sha256: sha(PLATE), bytes: PLATE.length, content_type: 'image/jpeg', data: PLATE }, overview: null },
    hits: [],
    ...over,
  };
}

function batch(detections: WireDetection[], id = `b-${++n}`): WireBatch {
  return { api: 1, device_id: 'unit-7', batch_id: id, sent_at: 5, detections, hits: [], audit: [] };
}

async function post(b: WireBatch, opts: { format?: 'msgpack' | 'json'; gzip?: boolean; token?: string | null; key?: string } = {}) {
  const body = encodeBatch(b, opts.format ?? 'msgpack', opts.gzip ?? false);
  const headers: Record<string, string> = { 'content-type': body.contentType, 'idempotency-key': opts.key ?? b.batch_id };
  if (body.contentEncoding) headers['content-encoding'] = body.contentEncoding;
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? 'tok'}`;
  return app.inject({ method: 'POST', url: '/v1/batches', headers, payload: body.body });
}

describe('reference receiver', () => {
  it('stores a batch and acknowledges each item by id', async () => {
    const d = det();
    const res = await post(batch([d]));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ acknowledged: { detections: [d.id], hits: [], audit: [] }, rejected: [] });
    expect(db.image('unit-7', d.id, 'plate')!.data.equals(PLATE)).toBe(true);
  });

  it('stores a detection sent again in another batch once, and acknowledges it again', async () => {
    const d = det();
    await post(batch([d]));
    const res = await post(batch([d]));
    expect(res.json().acknowledged.detections).toEqual([d.id]);
    expect(db.stats()).toMatchObject({ detections: 1, duplicates: 1 });
  });

  it('answers a repeated idempotency key with the first answer', async () => {
    const d = det();
    const b = batch([d]);
    const first = await post(b);
    const again = await post({ ...b, detections: [det()] });
    expect(again.json()).toEqual(first.json());
    expect(db.stats().detections).toBe(1);
  });

  it('replaces a detection by a later revision and ignores an earlier one', async () => {
    const d = det({ text: 'AB12' });
    await post(batch([d]));
    await post(batch([{ ...d, revision: 2, text: 'AB123' }]));
    await post(batch([{ ...d, revision: 1, text: 'ZZZ' }]));
    expect(db.detection('unit-7', d.id)).toMatchObject({ revision: 2, detection: { text: 'AB123' } });
  });

  it.each([
    ['no token', null],
    ['a wrong token', 'nope'],
  ])('refuses a batch with %s (401)', async (_name, token) => {
    const res = await post(batch([det()]), { token });
    expect(res.statusCode).toBe(401);
    expect(db.stats().detections).toBe(0);
  });

  it('answers health without a token', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
  });

  it('reads gzipped JSON with base64 images', async () => {
    const d = det();
    const res = await post(batch([d]), { format: 'json', gzip: true });
    expect(res.statusCode).toBe(200);
    expect(db.image('unit-7', d.id, 'plate')!.sha256).toBe(sha(PLATE));
  });

  it('rejects bad items by id with a reason and stores the rest (200)', async () => {
    const good = det();
    const bad = det({ confidence: 3 });
    const wrongImage = det({ images: { plate: { sha256: '0'.repeat(64), bytes: 7, content_type: 'image/jpeg', data: PLATE }, overview: null } });
    const res = await post(batch([good, bad, wrongImage]));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      acknowledged: { detections: [good.id] },
      rejected: [
        { stream: 'detection', id: bad.id, reason: 'confidence must be within 0..1' },
        { stream: 'detection', id: wrongImage.id, reason: 'images.plate: data does not match its sha256' },
      ],
    });
  });

  it('answers 422 naming the items when none can be stored', async () => {
    const res = await post(batch([det({ text: 'lower' })]));
    expect(res.statusCode).toBe(422);
    expect(res.json().rejected[0].reason).toMatch(/text/);
  });

  it.each([
    ['not MessagePack', 'application/msgpack', Buffer.from('garbage!')],
    ['an unknown content type', 'text/plain', Buffer.from('x')],
    ['a batch without device_id', 'application/json', Buffer.from('{"batch_id":"x","detections":[],"hits":[],"audit":[]}')],
  ])('answers 400 to %s', async (_name, type, payload) => {
    const res = await app.inject({ method: 'POST', url: '/v1/batches', headers: { 'content-type': type, authorization: 'Bearer tok' }, payload });
    expect(res.statusCode).toBe(400);
  });

  it('takes images by PUT, checking their SHA-256', async () => {
    const put = (hash: string) =>
      app.inject({
        method: 'PUT',
        url: '/v1/images/019b7c1e-0000-7000-8000-000000000abc/overview',
        headers: { 'content-type': 'image/jpeg', authorization: 'Bearer tok', 'x-device-id': 'unit-7', 'x-content-sha256': hash },
        payload: PLATE,
      });
    expect((await put('f'.repeat(64))).statusCode).toBe(400);
    expect((await put(sha(PLATE))).statusCode).toBe(200);
    expect(db.image('unit-7', '019b7c1e-0000-7000-8000-000000000abc', 'overview')!.data.equals(PLATE)).toBe(true);
  });
});
