/**
 * The two routes of images in resumable pieces (feature `image_pieces`), for both receivers:
 *
 *   GET /v1/images/{detectionId}/{kind}/upload?sha256=&bytes=   where the receiver stands
 *   PUT /v1/images/{detectionId}/{kind}/upload                   one piece (X-Piece-Offset)
 *
 * The receiver supplies who the device is (its own authentication) and where a finished image
 * goes (`PieceBackend`); evidence stays write-once: a different image already stored under the
 * name is refused (409 write_once), the same one answers complete at once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WirePieceState } from '../upload/wire.js';
import type { ImagePieces, PieceKey } from './image-pieces.js';

export interface PieceBackend {
  /**
   * Whether an image is already stored under this name: the same one, another one (evidence is
   * write-once), or none (a receiver that cannot tell 'same' cheaply may say null: the image is
   * then taken again and stored idempotently).
   */
  stored(key: PieceKey): Promise<'same' | 'other' | null>;
  /** Makes a verified image durable; throws when it cannot (answered 503, the device retries). */
  store(key: PieceKey, image: Buffer): Promise<void>;
  /** The device the request acts as, or null after answering it (401/403/400). */
  device(req: FastifyRequest, reply: FastifyReply): Promise<string | null> | string | null;
  /** A problem with the detection id (format, time window), or null. */
  idProblem(id: string): string | null;
}

interface Params {
  id: string;
  kind: string;
}

export function registerPieceRoutes(app: FastifyInstance, pieces: ImagePieces, backend: PieceBackend): void {
  /** The image a request is about, or null after answering the problem. */
  const keyOf = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply, sha: string | undefined, bytes: string | undefined): Promise<PieceKey | null> => {
    const device = await backend.device(req, reply);
    if (device === null) return null;
    const { id, kind } = req.params;
    if (kind !== 'plate' && kind !== 'overview') {
      await reply.code(404).send({ error: 'bad_piece', message: 'kind must be plate or overview' });
      return null;
    }
    const idProblem = backend.idProblem(id);
    if (idProblem) {
      await reply.code(400).send({ error: 'bad_piece', message: idProblem });
      return null;
    }
    const key: PieceKey = { device, detectionId: id.toLowerCase(), kind, sha256: (sha ?? '').toLowerCase(), bytes: Number(bytes) };
    const problem = pieces.keyProblem(key);
    if (problem) {
      await reply.code(problem.status).send({ error: problem.status === 413 ? 'too_large' : 'bad_piece', message: problem.message });
      return null;
    }
    return key;
  };

  /** Already stored: complete (same image) or write-once conflict (another one). Null when not stored. */
  const settled = async (key: PieceKey, reply: FastifyReply): Promise<FastifyReply | null> => {
    const stored = await backend.stored(key);
    if (stored === null) return null;
    if (stored === 'same') {
      pieces.discard(key);
      return reply.code(200).send(complete(key));
    }
    return reply.code(409).send({ error: 'write_once', message: 'a different image is already stored for this detection; evidence is write-once' });
  };

  const finish = async (key: PieceKey, image: Buffer, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      await backend.store(key, image);
    } catch (err) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: 'unavailable', message: `the image could not be stored yet: ${err instanceof Error ? err.message : String(err)}` });
    }
    pieces.discard(key);
    return reply.code(200).send(complete(key));
  };

  app.get<{ Params: Params; Querystring: { sha256?: string; bytes?: string } }>('/v1/images/:id/:kind/upload', async (req, reply) => {
    const key = await keyOf(req, reply, req.query.sha256, req.query.bytes);
    if (!key) return reply;
    const done = await settled(key, reply);
    if (done) return done;
    const state = pieces.state(key);
    if (state.offset === key.bytes) {
      // Every byte arrived but storing failed last time: verify and store now.
      const a = pieces.assemble(key);
      if (a.status !== 200 || !a.image) return reply.code(a.status).send(a);
      return finish(key, a.image, reply);
    }
    return reply.code(200).send(state);
  });

  app.put<{ Params: Params }>('/v1/images/:id/:kind/upload', { bodyLimit: pieces.limits.maxPieceBytes }, async (req, reply) => {
    const key = await keyOf(req, reply, header(req.headers['x-image-sha256']), header(req.headers['x-image-bytes']));
    if (!key) return reply;
    const done = await settled(key, reply);
    if (done) return done;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const offsetText = header(req.headers['x-piece-offset']);
    const offset = offsetText !== undefined && /^\d{1,15}$/.test(offsetText) ? Number(offsetText) : -1;
    const a = pieces.append(key, offset, header(req.headers['x-content-sha256'])?.toLowerCase(), body);
    if (a.status !== 200) return reply.code(a.status).send(a);
    if (a.image) return finish(key, a.image, reply);
    return reply.code(200).send(a.state);
  });
}

function complete(key: PieceKey): WirePieceState {
  return { offset: key.bytes, bytes: key.bytes, complete: true };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
