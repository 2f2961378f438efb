/**
 * The reference receiver of the upload API (docs/upload-api.yaml): what a central server must
 * do, runnable (`alpr-edge receiver`) for tests, the demo and as the contract.
 *
 * - Answers 2xx only after the batch is committed, naming every item it stored or already had.
 * - Dedupes by (device, detection id); a later revision replaces an earlier one.
 * - A repeated Idempotency-Key gets the first answer again.
 * - Items that fail validation are named in `rejected` with a reason; the rest are stored.
 * - Every request but the health check needs a device's bearer token; with per-device tokens a
 *   device reads and writes only its own data.
 * - Evidence images are write-once: a different image under a stored name is refused.
 * - Audit rows are taken only in chain order: the next id, chained to the stored head, hashing
 *   to what it claims. A row ahead of a gap is left unacknowledged (the device sends it again);
 *   a row contradicting a stored one is refused and kept aside as a conflict (a rewritten log).
 * - A gzip body inflates to at most `maxDecodedBytes`.
 * - Beyond version 1 (announced at GET /v1/capabilities): misread corrections stored once beside
 *   the detections, and images in resumable pieces kept in `piecesDir` until complete and verified.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { auditHash, GENESIS_HASH, isKeyedHash } from '../store/audit-repo.js';
import { imageBytes } from '../upload/codec.js';
import { FEATURES, type WireAck, type WireAudit, type WireBatch, type WireCapabilities } from '../upload/wire.js';
import { DEFAULT_PIECE_LIMITS, ImagePieces, type PieceLimits } from './image-pieces.js';
import { registerPieceRoutes } from './piece-routes.js';
import type { ReceiverDb } from './receiver-db.js';
import { readBatchRequest, validateAudit, validateCorrection, validateDetection, validateHit } from './validate.js';

export interface ReceiverOptions {
  db: ReceiverDb;
  /**
   * One bearer token any device may use, or null for no authentication (loopback tests only;
   * `alpr-edge receiver` refuses to start without tokens unless told `--insecure-no-auth`).
   */
  token: string | null;
  /** Per-device tokens (device id → token): each device may only upload and read as itself. */
  deviceTokens?: Record<string, string>;
  /** Largest accepted body (bytes). */
  bodyLimit?: number;
  /** Largest decompressed gzip body (bytes). */
  maxDecodedBytes?: number;
  now?: () => number;
  logger?: boolean;
  /** Where partial images sent in pieces wait (default: `<database file>.pieces`). */
  piecesDir?: string;
  pieceLimits?: PieceLimits;
  /** Serve HTTPS; with `clientCa`, devices must present a certificate signed by it (mutual TLS). */
  tls?: { key: Buffer; cert: Buffer; clientCa?: Buffer };
}

const DEFAULT_BODY_LIMIT = 512 * 1024 * 1024;
/** 1.5 MB of gzip once inflated to 3.2 GB here; a batch is never near this. */
const DEFAULT_MAX_DECODED = 64 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The device the bearer token belongs to (per-device tokens), else null. */
    authDevice: string | null;
  }
}

export function buildReceiver(opts: ReceiverOptions): Promise<FastifyInstance> {
  const now = opts.now ?? Date.now;
  const app = createApp(opts);
  const db = opts.db;
  acceptRawBodies(app);
  installAuth(app, opts.token, Object.entries(opts.deviceTokens ?? {}));
  app.get('/v1/health', () => ({ ok: true }));
  app.get('/v1/stats', () => db.stats());
  registerPieces(app, db, new ImagePieces(opts.piecesDir ?? `${db.file}.pieces`, opts.pieceLimits ?? DEFAULT_PIECE_LIMITS, now));
  registerDetectionRoute(app, db);
  registerImageRoute(app, db);
  registerBatchRoute(app, db, now, opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED);
  return Promise.resolve(app);
}

function createApp(opts: ReceiverOptions): FastifyInstance {
  const base = { logger: opts.logger ?? false, bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT };
  const tls = opts.tls;
  return tls
    ? Fastify({
        ...base,
        https: { key: tls.key, cert: tls.cert, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) },
      })
    : Fastify(base);
}

/** Bodies arrive as msgpack, JSON or JPEG, maybe gzipped: take them raw and decode in the handler. */
function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

/** Every request but the health check needs the shared token or a device's own (then `req.authDevice`). */
function installAuth(app: FastifyInstance, sharedToken: string | null, deviceTokens: [string, string][]): void {
  const open = sharedToken === null && deviceTokens.length === 0;
  app.decorateRequest('authDevice', null);
  app.addHook('onRequest', async (req, reply) => {
    if (open || req.url === '/v1/health') return;
    // Every token is compared (constant time each), so the time taken does not say which matched.
    let device: string | null = null;
    for (const [id, token] of deviceTokens) if (tokenMatches(req.headers.authorization, token)) device = id;
    if (device !== null) req.authDevice = device;
    else if (sharedToken === null || !tokenMatches(req.headers.authorization, sharedToken)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'missing or wrong bearer token' });
    }
  });
}

/** With per-device tokens a device is only itself. */
function mayActAs(req: FastifyRequest, device: string): boolean {
  return req.authDevice === null || req.authDevice === device;
}

/** The capabilities announcement and the routes of images sent in resumable pieces. */
function registerPieces(app: FastifyInstance, db: ReceiverDb, pieces: ImagePieces): void {
  app.get('/v1/capabilities', (): WireCapabilities => ({ api: 1, features: [...FEATURES], max_piece_bytes: pieces.limits.maxPieceBytes, max_image_bytes: pieces.limits.maxImageBytes }));
  registerPieceRoutes(app, pieces, {
    stored: (key) => {
      const sha = db.imageSha(key.device, key.detectionId, key.kind);
      return Promise.resolve(sha === null ? null : sha === key.sha256 ? 'same' : 'other');
    },
    store: (key, image) => {
      // Checked against a store that raced this one: write-once still holds.
      if (db.putImage(key.device, key.detectionId, key.kind, key.sha256, image) === 'conflict') return Promise.reject(new Error('a different image was stored meanwhile'));
      return Promise.resolve();
    },
    device: async (req, reply) => {
      const device = headerString(req.headers['x-device-id']) ?? req.authDevice ?? undefined;
      if (!device) {
        await reply.code(400).send({ error: 'bad_piece', message: 'X-Device-Id is required' });
        return null;
      }
      if (!mayActAs(req, device)) {
        await reply.code(403).send({ message: 'this token belongs to another device' });
        return null;
      }
      return device;
    },
    idProblem: (id) => (UUID.test(id) ? null : 'detection id must be a UUID'),
  });
}

function registerDetectionRoute(app: FastifyInstance, db: ReceiverDb): void {
  app.get<{ Params: { device: string; id: string } }>('/v1/devices/:device/detections/:id', async (req, reply) => {
    if (!mayActAs(req, req.params.device)) return reply.code(403).send({ message: 'this token belongs to another device' });
    const d = db.detection(req.params.device, req.params.id);
    return d ? d : reply.code(404).send({ message: 'no such detection' });
  });
}

/** One whole evidence image, write-once. */
function registerImageRoute(app: FastifyInstance, db: ReceiverDb): void {
  app.put<{ Params: { id: string; kind: string } }>('/v1/images/:id/:kind', async (req, reply) => {
    const device = headerString(req.headers['x-device-id']) ?? req.authDevice ?? undefined;
    if (!device) return reply.code(400).send({ message: 'X-Device-Id is required' });
    if (!mayActAs(req, device)) return reply.code(403).send({ message: 'this token belongs to another device' });
    if (req.params.kind !== 'plate' && req.params.kind !== 'overview') return reply.code(404).send({ message: 'kind must be plate or overview' });
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return reply.code(400).send({ message: 'empty image' });
    const sha = createHash('sha256').update(body).digest('hex');
    const claimed = headerString(req.headers['x-content-sha256']);
    if (claimed && claimed !== sha) return reply.code(400).send({ message: 'X-Content-SHA256 does not match the body' });
    if (db.putImage(device, req.params.id, req.params.kind, sha, body) === 'conflict') {
      return reply.code(409).send({ message: 'a different image is already stored for this detection; evidence is write-once' });
    }
    return reply.code(200).send({ ok: true, sha256: sha });
  });
}

/** A batch: decoded, answered again for a repeated key, else stored in one transaction stream by stream. */
function registerBatchRoute(app: FastifyInstance, db: ReceiverDb, now: () => number, maxDecoded: number): void {
  app.post('/v1/batches', async (req, reply) => {
    const read = readBatchRequest(req.body as Buffer, { contentType: req.headers['content-type'], contentEncoding: headerString(req.headers['content-encoding']) }, maxDecoded);
    if (!('batch' in read)) return reply.code(read.status).send({ message: read.message });
    const { batch } = read;
    const device = batch.device_id;
    if (!mayActAs(req, device)) return reply.code(403).send({ message: 'this token belongs to another device' });
    const key = headerString(req.headers['idempotency-key']) ?? batch.batch_id;
    const previous = db.batchResponse(device, key);
    if (previous) return reply.code(previous.status).send(previous.response);

    const t = now();
    const ack: WireAck = { batch_id: batch.batch_id, acknowledged: { detections: [], hits: [], audit: [], corrections: [] }, rejected: [] };
    let status = 200;
    db.transaction(() => {
      const into: BatchInto = { db, device, t, ack };
      storeDetections(into, batch.detections);
      storeHits(into, batch.hits);
      storeAudit(into, batch.audit);
      storeCorrections(into, batch.corrections ?? []);
      // Kept for the administrator; continuity against it is the central's (src/central/audit-chains.ts).
      if (batch.audit_head) db.putReportedHead(device, batch.audit_head, Number.isFinite(batch.sent_at) ? batch.sent_at : t, t);
      const acked = ack.acknowledged.detections.length + ack.acknowledged.hits.length + ack.acknowledged.audit.length + ack.acknowledged.corrections!.length;
      // Nothing storable at all: a 4xx naming the bad items; otherwise 200 with the rejects listed.
      status = acked === 0 && ack.rejected.length > 0 ? 422 : 200;
      db.saveBatch(device, key, status, ack, t);
    });
    return reply.code(status).send(ack);
  });
}

/** A numbered item's id as the rejection names it: the number, or whatever was sent in its place as text. */
function rejectedId(item: { id?: unknown } | null | undefined): number | string {
  return typeof item?.id === 'number' ? item.id : String(item?.id);
}

/** Where one batch's items go, inside its transaction: the device, the receive time and the answer being built. */
interface BatchInto {
  db: ReceiverDb;
  device: string;
  t: number;
  ack: WireAck;
}

function storeDetections({ db, device, t, ack }: BatchInto, detections: WireBatch['detections']): void {
  for (const d of detections) {
    const problem = validateDetection(d);
    if (problem) {
      ack.rejected.push({ stream: 'detection', id: String(d?.id), reason: problem });
      continue;
    }
    const conflict = (['plate', 'overview'] as const).find((kind) => {
      const img = d.images[kind];
      return img && imageBytes(img) && db.imageConflict(device, d.id, kind, img.sha256);
    });
    if (conflict) {
      ack.rejected.push({ stream: 'detection', id: d.id, reason: `a different ${conflict} image is already stored; evidence is write-once` });
      continue;
    }
    db.putDetection(device, d, t);
    for (const kind of ['plate', 'overview'] as const) {
      const bytes = imageBytes(d.images[kind]);
      if (bytes) db.putImage(device, d.id, kind, d.images[kind]!.sha256, bytes);
    }
    ack.acknowledged.detections.push(d.id);
  }
}

function storeHits({ db, device, t, ack }: BatchInto, hits: WireBatch['hits']): void {
  for (const h of hits) {
    const problem = validateHit(h);
    if (problem) {
      ack.rejected.push({ stream: 'hit', id: rejectedId(h), reason: problem });
      continue;
    }
    db.putHit(device, h, t);
    ack.acknowledged.hits.push(h.id);
  }
}

/** Audit rows in id order, each placed against the stored chain (see `chainVerdict`). */
function storeAudit({ db, device, t, ack }: BatchInto, rows: WireBatch['audit']): void {
  const audit = [...rows].sort((a, b) => (typeof a?.id === 'number' && typeof b?.id === 'number' ? a.id - b.id : 0));
  for (const a of audit) {
    const problem = validateAudit(a);
    if (problem) {
      ack.rejected.push({ stream: 'audit', id: rejectedId(a), reason: problem });
      continue;
    }
    const verdict = chainVerdict(db, device, a);
    if (verdict === 'append') {
      db.putAudit(device, a, t);
      ack.acknowledged.audit.push(a.id);
    } else if (verdict === 'duplicate') ack.acknowledged.audit.push(a.id);
    else if (verdict === 'ahead') continue; // not acknowledged: sent again after the rows before it
    else {
      if (verdict.storedHash !== null) db.putAuditConflict(device, a, verdict.storedHash, t);
      ack.rejected.push({ stream: 'audit', id: a.id, reason: verdict.reason });
    }
  }
}

function storeCorrections({ db, device, t, ack }: BatchInto, corrections: NonNullable<WireBatch['corrections']>): void {
  for (const c of corrections) {
    const problem = validateCorrection(c);
    const id = rejectedId(c);
    if (problem) ack.rejected.push({ stream: 'correction', id, reason: problem });
    else if (db.putCorrection(device, c, t) === 'conflict') ack.rejected.push({ stream: 'correction', id, reason: `contradicts correction ${c.id} already stored (the device's database was replaced?)` });
    else ack.acknowledged.corrections!.push(c.id);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ChainVerdict = 'append' | 'duplicate' | 'ahead' | { reason: string; storedHash: string | null };

/** Where an audit row stands against the device's stored chain. */
function chainVerdict(db: ReceiverDb, device: string, a: WireAudit): ChainVerdict {
  const fields = { id: a.id, at: a.at, user: a.user, action: a.action, object: a.object, purpose: a.purpose, caseNumber: a.case_number, details: a.details, ip: a.ip };
  // A keyed row (HMAC with the device's audit key) cannot be recomputed here; its place in the chain still is checked.
  if (!isKeyedHash(a.hash) && auditHash(a.prev_hash, fields) !== a.hash) return { reason: 'the row does not hash to its hash field', storedHash: null };
  const stored = db.auditHash(device, a.id);
  if (stored !== null) return stored === a.hash ? 'duplicate' : { reason: `contradicts audit row ${a.id} already stored (the device's log was rewritten?)`, storedHash: stored };
  const head = db.auditHead(device);
  const expected = head ? head.id + 1 : 1;
  if (a.id > expected) return 'ahead';
  if (a.id < expected) return { reason: `row ${a.id} comes after row ${expected - 1} was stored without it`, storedHash: null };
  const prev = head?.hash ?? GENESIS_HASH;
  if (a.prev_hash !== prev) return { reason: `does not chain to audit row ${a.id - 1} as stored (prev_hash differs)`, storedHash: head?.hash ?? GENESIS_HASH };
  return 'append';
}


function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
