import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReceiverDb } from '../../src/receiver/receiver-db.js';
import { buildReceiver } from '../../src/receiver/server.js';
import { gzipSync } from 'node:zlib';
import { auditHash, GENESIS_HASH } from '../../src/store/audit-repo.js';
import { encodeBatch } from '../../src/upload/codec.js';
import type { WireAudit, WireBatch, WireDetection } from '../../src/upload/wire.js';
import { testTempDir } from '../helpers/temp-dir.js';

let dir: string;
let db: ReceiverDb;
let app: FastifyInstance;

beforeEach(async () => {
  // Removed when the test finishes, after the afterEach below has closed the app and its database.
  dir = testTempDir('alpr-rx-');
  db = new ReceiverDb(join(dir, 'rx.db'));
  app = await buildReceiver({ db, token: 'tok' });
});
afterEach(async () => {
  await app.close();
  db.close();
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

  it('names a rejected numbered item by the id it was sent with, a number or else as text', async () => {
    const hits = [{ id: 4 }, { id: 'seven' }] as unknown as WireBatch['hits'];
    const audit = { hash: 'x' } as unknown as WireAudit;
    const res = await post({ ...batch([det()]), hits, audit: [audit] });
    const rejected = res.json<{ rejected: { stream: string; id: unknown }[] }>().rejected;
    expect(rejected.map((r) => [r.stream, r.id])).toEqual([
      ['hit', 4],
      ['hit', 'seven'],
      ['audit', 'undefined'],
    ]);
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

/** A device's audit rows as its AuditRepo chains them (sha256 over the canonical fields). */
function auditChain(n: number, from = 1, prev = GENESIS_HASH): WireAudit[] {
  const rows: WireAudit[] = [];
  for (let id = from; id < from + n; id++) {
    const fields = { id, at: 1000 + id, user: 'olive', action: 'search', object: null, purpose: 'stolen vehicle: follow-up', caseNumber: 'C-26-1', details: { n: id }, ip: '127.0.0.1' };
    const hash = auditHash(prev, fields);
    rows.push({ id, at: fields.at, user: fields.user, action: fields.action, object: null, purpose: fields.purpose, case_number: fields.caseNumber, details: fields.details, ip: fields.ip, prev_hash: prev, hash });
    prev = hash;
  }
  return rows;
}

const withAudit = (audit: WireAudit[], device = 'unit-7'): WireBatch => ({ ...batch([]), device_id: device, audit });

describe('hardening (issue 16 items 10 and 13)', () => {
  it('a gzip bomb is refused at the inflate bound, not inflated (bug: 1.5 MB of gzip took the receiver to 3.2 GB)', async () => {
    const bombApp = await buildReceiver({ db, token: 'tok', maxDecodedBytes: 1024 * 1024 });
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(128 * 1024);
    const res = await bombApp.inject({ method: 'POST', url: '/v1/batches', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: 'Bearer tok' }, payload: bomb });
    expect(res.statusCode).toBe(413);
    await bombApp.close();
  });

  it('per-device tokens: a device may only upload and read as itself', async () => {
    const a = 'a'.repeat(8) + '-token-for-unit-7-0123456789abcdef';
    const b = 'b'.repeat(8) + '-token-for-unit-9-0123456789abcdef';
    const multi = await buildReceiver({ db, token: null, deviceTokens: { 'unit-7': a, 'unit-9': b } });
    const send = (bt: WireBatch, token: string) => {
      const body = encodeBatch(bt, 'msgpack', false);
      return multi.inject({ method: 'POST', url: '/v1/batches', headers: { 'content-type': body.contentType, authorization: `Bearer ${token}` }, payload: body.body });
    };
    const d = det();
    expect((await send(batch([d]), b)).statusCode).toBe(403);
    expect((await send(batch([d]), a)).statusCode).toBe(200);
    expect((await multi.inject({ url: `/v1/devices/unit-7/detections/${d.id}`, headers: { authorization: `Bearer ${b}` } })).statusCode).toBe(403);
    expect((await multi.inject({ url: `/v1/devices/unit-7/detections/${d.id}`, headers: { authorization: `Bearer ${a}` } })).statusCode).toBe(200);
    expect((await multi.inject({ url: `/v1/devices/unit-7/detections/${d.id}` })).statusCode).toBe(401);
    await multi.close();
  });

  it('evidence images are write-once (bug: anyone could overwrite them)', async () => {
    const d = det();
    await post(batch([d]));
    const other = Buffer.from([0xff, 0xd8, 9, 9, 9, 0xff, 0xd9]);
    const put = (img: Buffer) =>
      app.inject({ method: 'PUT', url: `/v1/images/${d.id}/plate`, headers: { 'content-type': 'image/jpeg', authorization: 'Bearer tok', 'x-device-id': 'unit-7' }, payload: img });
    expect((await put(other)).statusCode).toBe(409);
    expect((await put(PLATE)).statusCode).toBe(200);
    const forged = { ...d, revision: 1, images: { plate: { sha256: sha(other), bytes: other.length, content_type: 'image/jpeg' as const, data: other }, overview: null } };
    const res = await post(batch([forged]));
    expect(res.json().rejected[0].reason).toMatch(/write-once/);
    expect(db.image('unit-7', d.id, 'plate')!.data.equals(PLATE)).toBe(true);
  });

  it('audit rows are taken only in chain order; forged rows stored first do not displace the real ones (bug: pre-inserted forgeries were kept)', async () => {
    const real = auditChain(4);
    // Rows ahead of a gap are not acknowledged (the device sends them again later) ...
    const ahead = await post(withAudit([real[2]!, real[3]!]));
    expect(ahead.json().acknowledged.audit).toEqual([]);
    expect(db.auditRows('unit-7')).toEqual([]);
    // ... a row that does not hash to its own hash is refused ...
    const tampered = await post(withAudit([{ ...real[0]!, user: 'mallory' }]));
    expect(tampered.json().rejected[0]).toMatchObject({ stream: 'audit', id: 1 });
    // ... in order they are stored, and again is a duplicate.
    const ok = await post(withAudit(real));
    expect(ok.json().acknowledged.audit).toEqual([1, 2, 3, 4]);
    expect((await post(withAudit(real.slice(0, 2)))).json().acknowledged.audit).toEqual([1, 2]);
    // A rewritten log (same ids, new hashes) is refused and flagged, the stored chain kept.
    const f = { ...real[0]!, details: { n: 99 } };
    f.hash = auditHash(f.prev_hash, { id: f.id, at: f.at, user: f.user, action: f.action, object: f.object, purpose: f.purpose, caseNumber: f.case_number, details: f.details, ip: f.ip });
    const conflict = await post(withAudit([f]));
    expect(conflict.json().rejected[0].reason).toMatch(/contradicts audit row 1/);
    expect(db.auditConflicts('unit-7')).toHaveLength(1);
    expect(db.auditRows('unit-7').map((r) => r.hash)).toEqual(real.map((r) => r.hash));
  });

  it('keyed rows (HMAC with the device key) are taken in chain order without recomputing their hash', async () => {
    const keyed = auditChain(2).map((r) => ({ ...r }));
    keyed[0]!.hash = `k1:${'a'.repeat(64)}`;
    keyed[1]!.prev_hash = keyed[0]!.hash;
    keyed[1]!.hash = `k1:${'b'.repeat(64)}`;
    expect((await post(withAudit(keyed))).json().acknowledged.audit).toEqual([1, 2]);
    const stray = { ...keyed[1]!, id: 3, prev_hash: `k1:${'c'.repeat(64)}`, hash: `k1:${'d'.repeat(64)}` };
    expect((await post(withAudit([stray]))).json().rejected[0].reason).toMatch(/does not chain/);
  });

  it('takes the audit_head a batch carries, keeps the newest by sent_at, and works without one (issue 19)', async () => {
    const rows = auditChain(3);
    const b = { ...withAudit(rows), sent_at: 2000, audit_head: { id: 3, hash: rows[2]!.hash } };
    expect((await post(b)).json().acknowledged.audit).toEqual([1, 2, 3]);
    expect(db.reportedHead('unit-7')).toEqual({ id: 3, hash: rows[2]!.hash, sentAt: 2000 });
    // A late retry of an older batch does not move it back; a batch without one leaves it alone.
    expect((await post({ ...batch([det()]), sent_at: 1000, audit_head: { id: 1, hash: rows[0]!.hash } })).statusCode).toBe(200);
    expect((await post(batch([det()]))).statusCode).toBe(200);
    expect(db.reportedHead('unit-7')).toMatchObject({ id: 3, sentAt: 2000 });
    // Ids and a chain hash only: text in it makes the batch malformed.
    const bad = (await post({ ...batch([det()]), audit_head: { id: 4, hash: 'ABC123' } })).json<{ message: string }>();
    expect(bad.message).toBe('audit_head.hash must be 64 hex digits (k1: before them for a keyed row)');
  });

  it('alpr-edge receiver will not start without device tokens unless told --insecure-no-auth', async () => {
    const { command } = await import('../../src/cli/receiver.js');
    await expect(command.run(['--port', '0', '--db', join(dir, 'x.db')], { out: () => undefined, err: () => undefined, env: {} })).rejects.toThrow(/--device-tokens/);
  });
});
