/**
 * The central HTTP receiver: the upload API (docs/upload-api.yaml) in front of a sink that makes
 * items durable, either PostgreSQL directly (direct mode) or a JetStream stream (nats mode).
 * A device is answered only after the sink says which items are durable, and the answer is
 * built by the same code either way, so a device cannot tell which back end it talks to.
 *
 * Receivers hold no state of their own: run as many as the load needs behind a balancer.
 * A repeated Idempotency-Key is processed again rather than looked up; the store (and
 * JetStream's de-duplication) make that a no-op with the same answer as the first time.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../shared/logger.js';
import type { ImageKind, WireBatch } from '../upload/wire.js';
import type { CentralStore } from './central-store.js';
import type { DeviceTokens } from './device-tokens.js';
import { finishAck, prepareBatch, uuidv7Time, type AuditVerdict, type ImageItem, type IngestItem, type TimeWindow } from './items.js';
import { readBatchRequest, validateAudit } from '../receiver/validate.js';
import { DEFAULT_PIECE_LIMITS, ImagePieces } from '../receiver/image-pieces.js';
import { registerPieceRoutes } from '../receiver/piece-routes.js';
import { FEATURES, type WireCapabilities } from '../upload/wire.js';

/** Makes items durable. Returns, per item, whether it is; throws when nothing could be made durable. */
export interface IngestSink {
  deliver(items: readonly IngestItem[]): Promise<boolean[]>;
}

export interface CentralReceiverOptions {
  sink: IngestSink;
  /** Audit rows (appended synchronously, in chain order) and write-once image checks. */
  store: Pick<CentralStore, 'appendAudit' | 'imageConflicts'>;
  /** null = no authentication (loopback development). */
  tokens: DeviceTokens | null;
  logger: Logger;
  bodyLimit: number;
  retentionDays: number;
  futureDays: number;
  tls?: { key: Buffer; cert: Buffer };
  /** Largest decompressed gzip body (bytes). */
  maxDecodedBytes?: number;
  /**
   * Where images sent in pieces wait until complete (default: under the OS temp directory).
   * Several receivers behind a balancer should share it, or keep a device on one receiver: a
   * receiver without a device's partial image answers offset 0 and the image starts again.
   */
  piecesDir?: string;
  now?: () => number;
}

/** As the reference receiver: a batch is never near this once inflated. */
const DEFAULT_MAX_DECODED = 64 * 1024 * 1024;

const DAY_MS = 86_400_000;
/** Asked of a device after a sink failure, so a fleet does not retry in lockstep at full rate. */
const RETRY_AFTER_S = 5;

declare module 'fastify' {
  interface FastifyRequest {
    deviceId?: string;
  }
}

export function buildCentralReceiver(opts: CentralReceiverOptions): FastifyInstance {
  const now = opts.now ?? Date.now;
  const base = { logger: false, bodyLimit: opts.bodyLimit };
  const app: FastifyInstance = opts.tls ? Fastify({ ...base, https: { key: opts.tls.key, cert: opts.tls.cert } }) : Fastify(base);
  const log = opts.logger;
  const maxDecoded = opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED;
  const counters = { batches: 0, detections: 0, rejected: 0, failures: 0, refused: 0 };
  const window = (): TimeWindow => {
    const t = now();
    return { now: t, oldestMs: t - opts.retentionDays * DAY_MS, newestMs: t + opts.futureDays * DAY_MS };
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    if (opts.tokens === null || req.url === '/v1/health' || req.routeOptions.config.staff === true) return;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const device = m ? await opts.tokens.deviceOf(m[1]!) : null;
    if (!device) {
      counters.refused++;
      await reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'missing, wrong or revoked bearer token' });
      return;
    }
    req.deviceId = device;
  });

  app.get('/v1/health', () => ({ ok: true }));

  // Beyond version 1 (docs/upload-api.yaml): corrections in batches, images in resumable pieces.
  const pieces = new ImagePieces(opts.piecesDir ?? join(tmpdir(), 'alpr-central-pieces'), DEFAULT_PIECE_LIMITS, now);
  app.get('/v1/capabilities', (): WireCapabilities => ({ api: 1, features: [...FEATURES], max_piece_bytes: pieces.limits.maxPieceBytes, max_image_bytes: pieces.limits.maxImageBytes }));
  registerPieceRoutes(app, pieces, {
    stored: async (k) => ((await opts.store.imageConflicts(k.device, [{ detectionId: k.detectionId, kind: k.kind, sha256: k.sha256, capturedAt: uuidv7Time(k.detectionId)! }])).size > 0 ? 'other' : null),
    store: async (k, data) => {
      const [ok] = await opts.sink.deliver([{ kind: 'image', device: k.device, detectionId: k.detectionId, capturedAt: uuidv7Time(k.detectionId)!, imageKind: k.kind, sha256: k.sha256, data }]);
      if (!ok) throw new Error('image not made durable');
    },
    device: async (req, reply) => {
      const device = headerString(req.headers['x-device-id']) ?? req.deviceId;
      if (!device) await reply.code(400).send({ error: 'bad_piece', message: 'X-Device-Id is required' });
      else if (!sameDevice(req, device)) await foreign(reply);
      else return device;
      return null;
    },
    idProblem: (id) => {
      const at = uuidv7Time(id);
      const w = window();
      return at === null ? 'detection id must be a UUIDv7' : at < w.oldestMs || at > w.newestMs ? 'detection id is outside the accepted time window' : null;
    },
  });

  app.put<{ Params: { id: string; kind: string } }>('/v1/images/:id/:kind', async (req, reply) => {
    const device = headerString(req.headers['x-device-id']) ?? req.deviceId;
    if (!device) return reply.code(400).send({ message: 'X-Device-Id is required' });
    if (!sameDevice(req, device)) return foreign(reply);
    const kind = req.params.kind;
    if (kind !== 'plate' && kind !== 'overview') return reply.code(404).send({ message: 'kind must be plate or overview' });
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return reply.code(400).send({ message: 'empty image' });
    const sha = createHash('sha256').update(body).digest('hex');
    const claimed = headerString(req.headers['x-content-sha256']);
    if (claimed && claimed !== sha) return reply.code(400).send({ message: 'X-Content-SHA256 does not match the body' });
    const at = uuidv7Time(req.params.id);
    const w = window();
    if (at === null) return reply.code(400).send({ message: 'detection id must be a UUIDv7' });
    if (at < w.oldestMs || at > w.newestMs) return reply.code(400).send({ message: 'detection id is outside the accepted time window' });
    const item: ImageItem = { kind: 'image', device, detectionId: req.params.id.toLowerCase(), capturedAt: at, imageKind: kind, sha256: sha, data: body };
    try {
      if ((await opts.store.imageConflicts(device, [{ detectionId: item.detectionId, kind, sha256: sha, capturedAt: at }])).size > 0) {
        return reply.code(409).send({ message: 'a different image is already stored for this detection; evidence is write-once' });
      }
      const [ok] = await opts.sink.deliver([item]);
      if (!ok) throw new Error('image not made durable');
    } catch (err) {
      return unavailable(reply, err);
    }
    return reply.code(200).send({ ok: true, sha256: sha });
  });

  app.post('/v1/batches', async (req, reply) => {
    const read = readBatchRequest(req.body as Buffer, { contentType: req.headers['content-type'], contentEncoding: headerString(req.headers['content-encoding']) }, maxDecoded);
    if (!('batch' in read)) return reply.code(read.status).send({ message: read.message });
    const { batch } = read;
    if (!sameDevice(req, batch.device_id)) return foreign(reply);
    const w = window();
    let durable: boolean[];
    let verdicts: AuditVerdict[];
    let prepared: ReturnType<typeof prepareBatch>;
    try {
      prepared = prepareBatch(batch, w, await opts.store.imageConflicts(batch.device_id, inlineImages(batch)));
      const valid = prepared.audit.filter((a) => validateAudit(a) === null);
      const byRow = new Map<WireBatch['audit'][number], AuditVerdict>();
      // The batch's audit_head (optional, shape checked by readBatchRequest) goes with the rows: same transaction.
      const head = batch.audit_head ? { id: batch.audit_head.id, hash: batch.audit_head.hash, sentAt: Number.isFinite(batch.sent_at) ? batch.sent_at : w.now } : null;
      (await opts.store.appendAudit(batch.device_id, valid, head)).forEach((v, i) => byRow.set(valid[i]!, v));
      verdicts = prepared.audit.map((a) => byRow.get(a) ?? 'ahead');
      durable = prepared.items.length > 0 ? await opts.sink.deliver(prepared.items.map((i) => i.item)) : [];
    } catch (err) {
      return unavailable(reply, err);
    }
    const { status, ack } = finishAck(prepared, durable, verdicts);
    counters.batches++;
    counters.detections += ack.acknowledged.detections.length;
    counters.rejected += ack.rejected.length;
    if (status === 503) return unavailable(reply, new Error('no item of the batch was made durable'));
    if (ack.rejected.length > 0) log.info({ device: batch.device_id, rejected: ack.rejected.length }, 'items rejected');
    return reply.code(status).send(ack);
  });

  app.get('/v1/receiver/stats', () => ({ ...counters }));

  function unavailable(reply: FastifyReply, err: unknown): FastifyReply {
    counters.failures++;
    // The first failure of a run of them is worth a warning; the device retries either way.
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not make items durable; answered 503');
    return reply.code(503).header('retry-after', String(RETRY_AFTER_S)).send({ message: 'storage unavailable, retry later' });
  }

  function foreign(reply: FastifyReply): FastifyReply {
    counters.refused++;
    return reply.code(403).send({ message: 'this token belongs to another device' });
  }

  return app;
}

/** The inline images of the batch's well-formed detections, for the write-once check. */
function inlineImages(batch: WireBatch): { detectionId: string; kind: ImageKind; sha256: string; capturedAt: number }[] {
  const out: { detectionId: string; kind: ImageKind; sha256: string; capturedAt: number }[] = [];
  for (const d of batch.detections) {
    const at = typeof d?.id === 'string' ? uuidv7Time(d.id) : null;
    if (at === null || !d.images || typeof d.images !== 'object') continue;
    for (const kind of ['plate', 'overview'] as const) {
      const img = d.images[kind];
      if (img && img.data !== undefined && typeof img.sha256 === 'string') out.push({ detectionId: d.id, kind, sha256: img.sha256, capturedAt: at });
    }
  }
  return out;
}

function sameDevice(req: FastifyRequest, device: string): boolean {
  return req.deviceId === undefined || req.deviceId === device;
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
