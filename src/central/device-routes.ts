/**
 * The central's answers to devices beside the upload API: the signed hot list
 * (GET /v1/hotlist, ETag / If-None-Match → 304) and status heartbeats (POST /v1/heartbeats).
 * Both sit behind the receiver's device-token check; a token may only report for its own device.
 */
import type { FastifyPluginCallback } from 'fastify';
import { ISSUED_HEADER, SIGNATURE_HEADER } from '../hotlist/signed-list.js';
import type { CentralServices } from './central-services.js';
import { parseHeartbeat } from './fleet-health.js';
import { etagOf } from './hotlist-publisher.js';

const HEARTBEAT_MAX_BYTES = 64 * 1024;

export const deviceRoutes: FastifyPluginCallback<{ services: CentralServices }> = (app, { services }, done) => {
  app.get('/v1/hotlist', async (req, reply) => {
    if (!services.publisher.publishing) return reply.code(503).send({ message: 'this central publishes no hot list (hotlist.signing_key_file is not set)' });
    const v = (await services.publisher.current()) ?? (await services.publisher.cut());
    const etag = etagOf(v.sha256);
    reply.header('etag', etag).header('cache-control', 'no-cache');
    const inm = req.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return reply.code(304).send();
    return reply
      .code(200)
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header(ISSUED_HEADER, v.issued)
      .header(SIGNATURE_HEADER, v.signature)
      .send(v.body);
  });

  app.post('/v1/heartbeats', { bodyLimit: HEARTBEAT_MAX_BYTES }, async (req, reply) => {
    let body: unknown;
    try {
      body = JSON.parse((req.body as Buffer | undefined)?.toString('utf8') ?? '');
    } catch {
      return reply.code(400).send({ message: 'body: expected JSON' });
    }
    const p = parseHeartbeat(body);
    if ('errors' in p) return reply.code(400).send({ message: p.errors.join('; ') });
    if (req.deviceId !== undefined && req.deviceId !== p.hb.device_id) return reply.code(403).send({ message: 'this token belongs to another device' });
    await services.fleet.record(p.hb, services.now());
    return reply.code(204).send();
  });
  done();
};
