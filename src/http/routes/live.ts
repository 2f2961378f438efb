/**
 * Live view by snapshots: the JPEG of the latest frame a camera already decoded, polled by the
 * page only while it is open. Measured against an RTSP → MPEG-1 relay (one more ffmpeg per viewed
 * camera) in bench/live-view.ts; the numbers and the choice are in docs/operator.md.
 * Live images are not stored data, so polling is not audited frame by frame; opening the view is.
 */
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { cameraIdOf } from '../pages/status-page.js';
import { actorOf, fail } from './reply.js';

export const liveRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { registry, snapshots } = ctx.deps;
  const cameraIds = (): string[] =>
    registry
      .list()
      .filter((u) => u.kind === 'camera')
      .map(cameraIdOf);

  app.get('/api/cameras', { config: { access: { kind: 'session', roles: STATION } } }, (_req, reply) =>
    reply.send({
    // The unit's clock: the Live page dates each camera's last picture against it, not the tablet's.
    time: ctx.deps.clock.now(),
    cameras: registry
      .list()
      .filter((u) => u.kind === 'camera')
        .map((u) => ({ id: cameraIdOf(u), unit: u.name, state: u.state, message: u.message, details: u.details })),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/cameras/:id/snapshot.jpg',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' } }, required: ['id'] } }, config: { access: { kind: 'session', roles: STATION } } },
    async (req, reply) => {
      // Only ids of configured cameras reach the camera units.
      if (!cameraIds().includes(req.params.id)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'camera' });
      const jpeg = await snapshots.snapshot(req.params.id);
      if (!jpeg) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'frame' });
      ctx.reporter.count('snapshots_served');
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
    },
  );

  app.post<{ Params: { id: string } }>('/api/cameras/:id/view', { config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    if (!cameraIds().includes(req.params.id)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'camera' });
    ctx.audit.record({ user: actorOf(req), action: 'live.view', object: req.params.id, ip: req.ip });
    return reply.send({ ok: true });
  });
  done();
};
