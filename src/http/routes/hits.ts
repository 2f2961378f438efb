/**
 * Hits and their verification. A hit is not probable cause: the officer confirms the characters
 * visually and records the outcome (sacramento-da III.D; sacramento-pd D.4; santa-clara
 * "ALPR Operation"). Who and when are taken from the session and the clock, never from the form.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { HIT_OUTCOMES } from '../ports.js';
import { NullableString } from '../schema.js';
import { fail, sessionOf } from './reply.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const VerifyBody = Type.Object({
  outcome: Type.Union(HIT_OUTCOMES.map((o) => Type.Literal(o))),
  note: Type.Optional(NullableString(1000)),
});
const ListQuery = Type.Object({
  unverified: Type.Boolean({ default: false }),
  since: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});

export const hitRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { hits, detections, clock } = ctx.deps;

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/hits', { schema: { querystring: ListQuery }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const q = req.query;
    const list = hits.list({ unverifiedOnly: q.unverified, limit: q.limit, ...(q.since !== undefined ? { since: q.since } : {}) });
    // Every page checks for missed hits when it opens; an empty answer shows no data, so only a
    // list that holds hits is an access to record.
    if (list.length > 0) ctx.audit.record({ user: sessionOf(req).username, action: 'hits.list', ip: req.ip, details: { count: list.length, unverifiedOnly: q.unverified } });
    return reply.send({
      hits: list.map((h) => {
        const d = detections.get(h.detectionId);
        return { hit: h, read: d ? { text: d.text, cameraId: d.cameraId, bestAt: d.bestAt, confidence: d.confidence } : null };
      }),
    });
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/hits/:id', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const hit = hits.get(req.params.id);
    if (!hit) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hit' });
    const detection = detections.get(hit.detectionId);
    ctx.audit.record({ user: sessionOf(req).username, action: 'hit.view', object: String(hit.id), ip: req.ip, details: { detectionId: hit.detectionId } });
    return reply.send({
      hit,
      detection,
      images: { plate: `/api/detections/${hit.detectionId}/plate.jpg`, overview: `/api/detections/${hit.detectionId}/overview.jpg` },
    });
  });

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof VerifyBody> }>(
    '/api/hits/:id/verify',
    { schema: { params: IdParams, body: VerifyBody }, config: { access: { kind: 'session', roles: STATION } } },
    (req, reply) => {
      const user = sessionOf(req).username;
      const note = req.body.note?.trim() || null;
      const hit = hits.get(req.params.id);
      if (!hit) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hit' });
      const at = clock.now();
      // The store keeps the first verification; a second one is refused, and recorded as refused
      // (it used to be written to the log as a verification, issue 16 item 17). Check, record
      // and update run without a break, so nothing can verify the hit in between.
      if (hit.outcome !== null) {
        ctx.audit.record({ user, action: 'hit.verify.refused', object: String(hit.id), ip: req.ip, details: { outcome: req.body.outcome, reason: 'already verified', existing: hit.outcome, verifiedBy: hit.verifiedBy } });
        return fail(reply, 409, 'HTTP_HIT_ALREADY_VERIFIED', { id: hit.id, outcome: hit.outcome, user: hit.verifiedBy ?? 'unknown' });
      }
      ctx.audit.record({ user, action: 'hit.verify', object: String(hit.id), ip: req.ip, details: { outcome: req.body.outcome, note, detectionId: hit.detectionId, previous: hit.outcome } });
      if (!hits.verify(hit.id, { outcome: req.body.outcome, user, note, at })) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hit' });
      return reply.send({ ok: true, outcome: req.body.outcome, verifiedBy: user, verifiedAt: at });
    },
  );
  done();
};
