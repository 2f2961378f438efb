/**
 * Stored detections and their images. Each view is an audit row written before the data leaves
 * (roseville 426.8 (a)); ids are checked against the UUID pattern before any lookup, so a path
 * such as `../../etc/passwd` never reaches the store.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN, STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { actorOf, DETECTION_ID, fail, sessionOf } from './reply.js';

const IdParams = Type.Object({ id: Type.String({ pattern: DETECTION_ID }) });
const HoldBody = Type.Object({ hold: Type.Boolean(), reason: Type.String({ minLength: 1, maxLength: 500 }) });

export const detectionRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { detections } = ctx.deps;

  // The Reads page shows this unit's reads of the current shift only (`http.reads_shift_h`);
  // older reads need a search with a case number and a purpose (issue 16 item 6). `since` (ms)
  // narrows further, never wider than the shift.
  const RecentQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), since: Type.Optional(Type.Integer({ minimum: 0 })) });
  app.get<{ Querystring: Static<typeof RecentQuery> }>(
    '/api/reads/recent',
    { schema: { querystring: RecentQuery }, config: { access: { kind: 'session', roles: STATION } } },
    (req, reply) => {
      const shiftStart = ctx.deps.clock.now() - ctx.deps.config.reads_shift_h * 3600_000;
      const since = Math.max(req.query.since ?? 0, shiftStart);
      const reads = detections.recent(req.query.limit).filter((d) => d.bestAt >= since);
      ctx.audit.record({ user: actorOf(req), action: 'reads.live', ip: req.ip, details: { count: reads.length, since } });
      return reply.send({ reads, since });
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>('/api/detections/:id', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const d = detections.get(req.params.id);
    if (!d) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'detection' });
    ctx.audit.record({ user: actorOf(req), action: 'detection.view', object: d.id, ip: req.ip });
    return reply.send(d);
  });

  for (const kind of ['plate', 'overview'] as const) {
    app.get<{ Params: Static<typeof IdParams> }>(`/api/detections/:id/${kind}.jpg`, { schema: { params: IdParams }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
      const jpeg = detections.image(req.params.id, kind);
      if (!jpeg) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'image' });
      ctx.audit.record({ user: actorOf(req), action: 'image.view', object: `${req.params.id}/${kind}`, ip: req.ip });
      // Private cache: the page shows the same crop again without a second fetch (and audit row).
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
    });
  }

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof HoldBody> }>(
    '/api/detections/:id/hold',
    { schema: { params: IdParams, body: HoldBody }, config: { access: { kind: 'session', roles: ADMIN } } },
    (req, reply) => {
      const user = sessionOf(req).username;
      ctx.audit.record({ user, action: req.body.hold ? 'evidence.hold' : 'evidence.release', object: req.params.id, ip: req.ip, purpose: req.body.reason });
      if (!detections.setEvidenceHold(req.params.id, req.body.hold, user, req.body.reason)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'detection' });
      return reply.send({ ok: true });
    },
  );
  done();
};
