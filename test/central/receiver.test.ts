/**
 * The central receiver in direct mode against the device's own uploader (src/upload), and
 * side by side with the reference receiver: a device cannot tell which one it talks to.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CentralApp } from '../../src/central/central-app.js';
import { DeviceTokens } from '../../src/central/device-tokens.js';
import { ReceiverDb } from '../../src/receiver/receiver-db.js';
import { buildReceiver } from '../../src/receiver/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { encodeBatch } from '../../src/upload/codec.js';
import type { Uploader } from '../../src/upload/uploader.js';
import type { WireBatch } from '../../src/upload/wire.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { detection, hit, openTestStore, position, type TestStore } from '../store/helpers/fixtures.js';
import { makeUploader, uploadConfig } from '../upload/helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { auditChain, centralConfig, freshDatabase, jpegBytes, wireBatch, wireDetection } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const SAME_ID = uuidv7(Date.now() - 60_000);

const pg = new PostgresPeer({ fsync: false });
let open: CentralApp | undefined;
let authed: CentralApp | undefined;
let t: TestStore | undefined;
let up: Uploader | undefined;

beforeAll(async () => {
  await pg.start();
  open = new CentralApp(centralConfig({ postgres: { url: await freshDatabase(pg) } }), 'all', silentLogger());
  await open.start();
  authed = new CentralApp(centralConfig({ postgres: { url: await freshDatabase(pg) }, auth: { mode: 'tokens', cache_s: 0 } }), 'all', silentLogger());
  await authed.start();
});
afterEach(async () => {
  await up?.stop();
  await t?.cleanup();
  up = t = undefined;
});
afterAll(async () => {
  await open?.stop();
  await authed?.stop();
  await pg.cleanup();
});

const q = async <T>(app: CentralApp, sql: string, params: unknown[] = []): Promise<T[]> => {
  const store = (app as unknown as { store: { pool: { query: (s: string, p: unknown[]) => Promise<{ rows: T[] }> } } }).store;
  return (await store.pool.query(sql, params)).rows;
};

async function device(endpoint: string, over: Partial<Parameters<typeof uploadConfig>[0]> = {}, deviceId = 'unit-7'): Promise<void> {
  t = await openTestStore({ config: { synchronous: 'normal' }, deviceId });
  up = makeUploader(t.store, uploadConfig({ endpoint, ...over }), { deviceId }).uploader;
}

function storeSome(n: number, withHits = false): string[] {
  return t!.store
    .insertDetections(Array.from({ length: n }, (_, i) => ({ detection: detection({ text: `AB${i}` }, Date.now() - 3_600_000), position: position(), hits: withHits ? [hit()] : [] })))
    .map((r) => r.id);
}

describe('central receiver, direct mode, with the device uploader', () => {
  it('takes detections with images, hits and the audit log from the real uploader, each stored once', async () => {
    await device(open!.address!, { batch_size: 7 });
    const ids = storeSome(20);
    const [withHit] = storeSome(1, true);
    t!.store.audit.append({ user: 'ofc.lee', action: 'search', object: null, purpose: 'patrol', caseNumber: '26-1', details: { plate: 'AB*' }, ip: '127.0.0.1' });
    await up!.start();
    await waitFor(() => t!.store.outbox.backlog().pending + t!.store.outbox.backlog().claimed === 0, 'the backlog to drain');
    const stored = await q<{ id: string }>(open!, "SELECT id FROM detections WHERE device_id = 'unit-7' ORDER BY id");
    expect(stored.map((r) => r.id)).toEqual([...ids, withHit!].sort());
    const [counts] = await q<Record<string, string>>(
      open!,
      "SELECT (SELECT count(*) FROM images WHERE device_id = 'unit-7') AS images, (SELECT count(*) FROM hits WHERE device_id = 'unit-7') AS hits, (SELECT count(*) FROM audit WHERE device_id = 'unit-7') AS audit",
    );
    expect(counts).toEqual({ images: '42', hits: '1', audit: '1' });
    const [img] = await q<{ data: Buffer }>(open!, "SELECT data FROM images WHERE device_id = 'unit-7' AND detection_id = $1 AND kind = 'overview'", [ids[0]]);
    expect(img!.data.equals(t!.store.detections.image(ids[0]!, 'overview')!)).toBe(true);
    const [chain] = await q<{ head_id: string }>(open!, "SELECT head_id FROM audit_chains WHERE device_id = 'unit-7'");
    expect(chain!.head_id).toBe('1');
    expect(t!.store.detections.get(ids[0]!)!.uploaded).toBe(true);
  });

  it.each([
    ['JSON with gzip', { format: 'json', gzip: true, images: 'inline' }, 2],
    ['images as separate PUTs', { format: 'msgpack', images: 'separate' }, 2],
  ] as const)('takes uploads in %s', async (_name, over, perDetection) => {
    await device(open!.address!, { ...over, batch_size: 3 }, `unit-${over.format}-${over.images}`);
    const ids = storeSome(4);
    await up!.start();
    await waitFor(() => ids.every((id) => t!.store.detections.get(id)!.uploaded), 'all to upload');
    const [n] = await q<{ n: string }>(open!, 'SELECT count(*) AS n FROM images WHERE detection_id = ANY($1::uuid[])', [ids]);
    expect(Number(n!.n)).toBe(4 * perDetection);
  });
});

describe('central receiver answers exactly as the reference receiver', () => {
  // Removed after this block's afterAll below (registered later, so run first) has closed the reference receiver.
  const dir = tempDir('alpr-ref-');
  let refDb: ReceiverDb;
  let ref: FastifyInstance;
  beforeAll(async () => {
    refDb = new ReceiverDb(join(dir, 'ref.db'));
    ref = await buildReceiver({ db: refDb, token: null });
  });
  afterAll(async () => {
    await ref.close();
    refDb.close();
  });

  async function both(body: Buffer, headers: Record<string, string>): Promise<[{ status: number; body: unknown }, { status: number; body: unknown }]> {
    const r = await ref.inject({ method: 'POST', url: '/v1/batches', payload: body, headers });
    const c = await fetch(`${open!.address}/v1/batches`, { method: 'POST', body, headers });
    return [
      { status: r.statusCode, body: r.json() },
      { status: c.status, body: await c.json() },
    ];
  }
  const send = (b: WireBatch) => {
    const e = encodeBatch(b, 'msgpack', false);
    return both(e.body, { 'content-type': e.contentType, 'idempotency-key': b.batch_id });
  };

  it.each([
    ['a good batch', () => wireBatch('unit-r', { detections: [wireDetection({ id: SAME_ID, image: jpegBytes(300, 3) }), wireDetection()] })],
    [
      'a batch with some bad items',
      () => wireBatch('unit-r', { detections: [wireDetection(), wireDetection({ confidence: 1.5 }), wireDetection({ text: 'TOO-LONG' })], hits: [{ id: 'x' } as never], audit: [{ id: 4 } as never] }),
    ],
    ['a batch of only bad items (422)', () => wireBatch('unit-r', { detections: [wireDetection({ confidence: -1 })] })],
    ['an empty batch', () => wireBatch('unit-r', {})],
    ['audit rows in chain order', () => wireBatch('unit-r', { audit: auditChain(3) })],
    ['audit rows ahead of a gap (left unacknowledged)', () => wireBatch('unit-r', { audit: auditChain(6).slice(4) })],
    ['a rewritten audit row', () => wireBatch('unit-r', { audit: [{ ...auditChain(2, 2, '3'.repeat(64))[1]!, id: 2 }, auditChain(6)[3]!] })],
    ['a detection re-sent with a different image (write-once)', () => wireBatch('unit-r', { detections: [{ ...wireDetection({ id: SAME_ID, image: jpegBytes(300, 99) }), revision: 1 }] })],
    ['an image whose bytes do not match its sha256', () => wireBatch('unit-r', { detections: [(() => { const d = wireDetection({ image: jpegBytes(100, 9) }); d.images.plate!.sha256 = '0'.repeat(64); return d; })()] })],
  ])('%s', async (_name, make) => {
    const b = make();
    const [r, c] = await send(b);
    expect(c).toEqual(r);
    // The same batch again (a retry) gets the same answer from both.
    const [r2, c2] = await send(b);
    expect(c2).toEqual(r2);
    expect(c2).toEqual(c);
  });

  it.each([
    ['an unreadable body', Buffer.from('not msgpack'), { 'content-type': 'application/json' }],
    ['an unknown content type', Buffer.from('{}'), { 'content-type': 'text/plain' }],
    ['a batch without device_id', Buffer.from(JSON.stringify({ batch_id: 'x', detections: [], hits: [], audit: [] })), { 'content-type': 'application/json' }],
  ])('%s (400)', async (_name, body, headers) => {
    const [r, c] = await both(body, headers);
    expect(c.status).toBe(400);
    expect(c).toEqual(r);
  });
});

describe('per-device tokens', () => {
  it('accepts a device with its own token, refuses a wrong one (401), another device\'s (403), and a revoked one (401)', async () => {
    const tokens = new DeviceTokens((authed as unknown as { store: { pool: ConstructorParameters<typeof DeviceTokens>[0] } }).store.pool, 0);
    const token = await tokens.issue('unit-9');
    const other = await tokens.issue('unit-10');
    const post = (tok: string, device = 'unit-9') => {
      const e = encodeBatch(wireBatch(device, { detections: [wireDetection()] }), 'json', false);
      return fetch(`${authed!.address}/v1/batches`, { method: 'POST', body: e.body, headers: { 'content-type': e.contentType, authorization: `Bearer ${tok}` } });
    };
    expect((await post(token)).status).toBe(200);
    expect((await post('alpr_wrong')).status).toBe(401);
    expect((await post(other)).status).toBe(403);
    expect((await fetch(`${authed!.address}/v1/batches`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect(await tokens.revoke('unit-9')).toBe(1);
    expect((await post(token)).status).toBe(401);
    expect((await post(other, 'unit-10')).status).toBe(200);
    expect((await fetch(`${authed!.address}/v1/health`)).status).toBe(200);
  });

  it('the device uploader delivers with its issued token and turns red once the token is revoked', async () => {
    const tokens = new DeviceTokens((authed as unknown as { store: { pool: ConstructorParameters<typeof DeviceTokens>[0] } }).store.pool, 0);
    const token = await tokens.issue('unit-tok');
    t = await openTestStore({ config: { synchronous: 'normal' }, deviceId: 'unit-tok' });
    const { uploader, registry } = makeUploader(t.store, uploadConfig({ endpoint: authed!.address!, tokenValue: token }), { deviceId: 'unit-tok' });
    up = uploader;
    const first = storeSome(3);
    await up.start();
    await waitFor(() => first.every((id) => t!.store.detections.get(id)!.uploaded), 'the first detections to upload');
    await tokens.revoke('unit-tok');
    const later = storeSome(2);
    await waitFor(() => registry.get('upload')!.state === 'down', 'the upload to turn red', { timeoutMs: 30_000 });
    expect(registry.get('upload')!.message).toMatch(/401/);
    expect(later.every((id) => !t!.store.detections.get(id)!.uploaded)).toBe(true);
  });
});
