/**
 * The reference receiver of the upload API (docs/upload-api.yaml): what a central server must
 * do, runnable (`alpr-edge receiver`) for tests, the demo and as the contract.
 *
 * - Answers 2xx only after the batch is committed, naming every item it stored or already had.
 * - Dedupes by (device, detection id); a later revision replaces an earlier one.
 * - A repeated Idempotency-Key gets the first answer again.
 * - Items that fail validation are named in `rejected` with a reason; the rest are stored.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeBody, imageBytes } from '../upload/codec.js';
import type { WireAck, WireBatch, WireRejection } from '../upload/wire.js';
import type { ReceiverDb } from './receiver-db.js';
import { validateAudit, validateDetection, validateHit } from './validate.js';

export interface ReceiverOptions {
  db: ReceiverDb;
  /** Bearer token required from devices; null = no authentication (loopback tests). */
  token: string | null;
  /** Largest accepted body (bytes). */
  bodyLimit?: number;
  now?: () => number;
  logger?: boolean;
  /** Serve HTTPS; with `clientCa`, devices must present a certificate signed by it (mutual TLS). */
  tls?: { key: Buffer; cert: Buffer; clientCa?: Buffer };
}

const DEFAULT_BODY_LIMIT = 512 * 1024 * 1024;

export function buildReceiver(opts: ReceiverOptions): Promise<FastifyInstance> {
  const now = opts.now ?? Date.now;
  const base = { logger: opts.logger ?? false, bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT };
  const tls = opts.tls;
  const app: FastifyInstance = tls
    ? Fastify({
        ...base,
        https: { key: tls.key, cert: tls.cert, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) },
      })
    : Fastify(base);
  const db = opts.db;

  // Bodies arrive as msgpack, JSON or JPEG, maybe gzipped: take them raw and decode in the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    if (opts.token === null || req.url === '/v1/health') return;
    if (!tokenMatches(req.headers.authorization, opts.token)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'missing or wrong bearer token' });
    }
  });

  app.get('/v1/health', () => ({ ok: true }));
  app.get('/v1/stats', () => db.stats());

  app.get<{ Params: { device: string; id: string } }>('/v1/devices/:device/detections/:id', async (req, reply) => {
    const d = db.detection(req.params.device, req.params.id);
    return d ? d : reply.code(404).send({ message: 'no such detection' });
  });

  app.put<{ Params: { id: string; kind: string } }>('/v1/images/:id/:kind', async (req, reply) => {
    const device = headerString(req.headers['x-device-id']);
    if (!device) return reply.code(400).send({ message: 'X-Device-Id is required' });
    if (req.params.kind !== 'plate' && req.params.kind !== 'overview') return reply.code(404).send({ message: 'kind must be plate or overview' });
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return reply.code(400).send({ message: 'empty image' });
    const sha = createHash('sha256').update(body).digest('hex');
    const claimed = headerString(req.headers['x-content-sha256']);
    if (claimed && claimed !== sha) return reply.code(400).send({ message: 'X-Content-SHA256 does not match the body' });
    db.putImage(device, req.params.id, req.params.kind, sha, body);
    return reply.code(200).send({ ok: true, sha256: sha });
  });

  app.post('/v1/batches', async (req, reply) => {
    let batch: WireBatch;
    try {
      batch = decodeBody(req.body as Buffer, req.headers['content-type'], headerString(req.headers['content-encoding'])) as WireBatch;
    } catch (err) {
      return reply.code(400).send({ message: `unreadable body: ${err instanceof Error ? err.message : String(err)}` });
    }
    const shape = batchShapeProblem(batch);
    if (shape) return reply.code(400).send({ message: shape });
    const device = batch.device_id;
    const key = headerString(req.headers['idempotency-key']) ?? batch.batch_id;
    const previous = db.batchResponse(device, key);
    if (previous) return reply.code(previous.status).send(previous.response);

    const t = now();
    const ack: WireAck = { batch_id: batch.batch_id, acknowledged: { detections: [], hits: [], audit: [] }, rejected: [] };
    const reject = (r: WireRejection): void => void ack.rejected.push(r);
    let status = 200;
    db.transaction(() => {
      for (const d of batch.detections) {
        const problem = validateDetection(d);
        if (problem) {
          reject({ stream: 'detection', id: typeof d?.id === 'string' ? d.id : String(d?.id), reason: problem });
          continue;
        }
        db.putDetection(device, d, t);
        for (const kind of ['plate', 'overview'] as const) {
          const bytes = imageBytes(d.images[kind]);
          if (bytes) db.putImage(device, d.id, kind, d.images[kind]!.sha256, bytes);
        }
        ack.acknowledged.detections.push(d.id);
      }
      for (const h of batch.hits) {
        const problem = validateHit(h);
        if (problem) {
          reject({ stream: 'hit', id: typeof h?.id === 'number' ? h.id : String(h?.id), reason: problem });
          continue;
        }
        db.putHit(device, h, t);
        ack.acknowledged.hits.push(h.id);
      }
      for (const a of batch.audit) {
        const problem = validateAudit(a);
        if (problem) {
          reject({ stream: 'audit', id: typeof a?.id === 'number' ? a.id : String(a?.id), reason: problem });
          continue;
        }
        db.putAudit(device, a, t);
        ack.acknowledged.audit.push(a.id);
      }
      const acked = ack.acknowledged.detections.length + ack.acknowledged.hits.length + ack.acknowledged.audit.length;
      // Nothing storable at all: a 4xx naming the bad items; otherwise 200 with the rejects listed.
      status = acked === 0 && ack.rejected.length > 0 ? 422 : 200;
      db.saveBatch(device, key, status, ack, t);
    });
    return reply.code(status).send(ack);
  });

  return Promise.resolve(app);
}

function batchShapeProblem(b: unknown): string | null {
  const x = b as Partial<WireBatch> | null;
  if (!x || typeof x !== 'object') return 'body must be a batch object';
  if (typeof x.device_id !== 'string' || x.device_id === '') return 'device_id is required';
  if (typeof x.batch_id !== 'string' || x.batch_id === '') return 'batch_id is required';
  for (const k of ['detections', 'hits', 'audit'] as const) if (!Array.isArray(x[k])) return `${k} must be an array`;
  return null;
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
