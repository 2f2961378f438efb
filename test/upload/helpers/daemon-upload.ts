/**
 * What the upload tests against the real daemon share (the daemon itself is test/helpers/daemon.ts):
 * a backlog written into the daemon's data dir before it starts, and a reference receiver that
 * notes when each record, hit and image arrived and how many connections reached it.
 */
import { systemClock } from '../../../src/shared/clock.js';
import { decodeBody } from '../../../src/upload/codec.js';
import type { WireAck, WireBatch } from '../../../src/upload/wire.js';
import type { TestDaemon } from '../../helpers/daemon.js';
import { detection, jpeg, openTestStore } from '../../store/helpers/fixtures.js';
import { startReceiver, type TestReceiver } from './peers.js';

/** Writes `n` stored, never-uploaded detections with a `imageBytes` overview each; returns their ids. */
export async function seedBacklog(daemon: TestDaemon, deviceId: string, n: number, imageBytes: number): Promise<string[]> {
  const made = await openTestStore({ dir: daemon.dataDir, deviceId, clock: systemClock, config: { synchronous: 'normal' } });
  try {
    const at = Date.now() - 10 * 60_000;
    return made.store
      .insertDetections(Array.from({ length: n }, (_, i) => ({ detection: detection({ text: `BKL${i}`, overviewJpeg: jpeg(imageBytes) }, at + i * 1000), position: null, hits: [] })))
      .map((r) => r.id);
  } finally {
    await made.cleanup();
  }
}

export interface Arrivals {
  rx: TestReceiver;
  /** Detection id → when its record was first acknowledged (ms, wall clock). */
  records: Map<string, number>;
  /** Detection id → when the receiver first held its overview image. */
  images: Map<string, number>;
  /** Hit id → when acknowledged, and when the device raised it (its created_at). */
  hits: Map<number, { at: number; raisedAt: number; detectionId: string }>;
  /** Every POST /v1/batches answered: when, with which status. */
  posts: { at: number; status: number }[];
}

/** A reference receiver (no token) on loopback that notes arrivals. */
export async function arrivalsReceiver(device: string): Promise<Arrivals> {
  const records = new Map<string, number>();
  const images = new Map<string, number>();
  const hits = new Map<number, { at: number; raisedAt: number; detectionId: string }>();
  const posts: { at: number; status: number }[] = [];
  const pendingHits = new Map<number, { raisedAt: number; detectionId: string }>();
  let rx: TestReceiver | null = null;
  rx = await startReceiver({
    setup: (app) => {
      app.addHook('preHandler', (req, _reply, done) => {
        if (req.url !== '/v1/batches' || !Buffer.isBuffer(req.body)) return done();
        // The hits' raise times, from the batch itself (read again by the route: this is a copy).
        try {
          const b = decodeBody(req.body, req.headers['content-type'], req.headers['content-encoding']) as WireBatch;
          for (const d of b.detections) for (const h of d.hits) pendingHits.set(h.id, { raisedAt: h.created_at, detectionId: d.id });
          for (const h of b.hits) pendingHits.set(h.id, { raisedAt: h.created_at, detectionId: h.detection_id });
        } catch {
          // A body the route will refuse: nothing to note.
        }
        done();
      });
      app.addHook('onSend', async (req, reply, payload) => {
        if (req.url === '/v1/batches') {
          const now = Date.now();
          posts.push({ at: now, status: reply.statusCode });
          if (reply.statusCode === 200 && typeof payload === 'string') {
            const ack = JSON.parse(payload) as WireAck;
            for (const id of ack.acknowledged.detections) if (!records.has(id)) records.set(id, now);
            const acked = new Set(ack.acknowledged.hits);
            // A hit travels inside its detection's record, or on its own (retroactive, verified).
            for (const [id, p] of pendingHits) if (!hits.has(id) && (acked.has(id) || records.has(p.detectionId))) hits.set(id, { at: now, ...p });
          }
        }
        return payload;
      });
      app.addHook('onResponse', (req, _reply, done) => {
        if (req.url.startsWith('/v1/images/') || req.url === '/v1/batches') {
          const now = Date.now();
          for (const id of records.keys()) if (!images.has(id) && rx?.db.image(device, id, 'overview')) images.set(id, now);
        }
        done();
      });
    },
  });
  return { rx, records, images, hits, posts };
}
