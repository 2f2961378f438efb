/**
 * After "confirmed" (issue 15): what came of a hit — dispatch confirmed, stop made, vehicle
 * recovered, arrest, no action — recorded with who and when from the session and the clock, audited
 * (`hit.outcome`), and shown in the hit's history beside its verification. The history is kept
 * like the audit log: purging the detection leaves it (store migration 7, `hit_history`).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { HIT_FOLLOW_UPS } from '../ports.js';
import { NullableString } from '../schema.js';
import { hitHistoryBody, historyList } from '../pages/hit-history.js';
import { layout } from '../pages/layout.js';
import { statusStrip } from '../pages/status-strip.js';
import { fail, sessionOf } from './reply.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const OutcomeBody = Type.Object({
  outcome: Type.Union(HIT_FOLLOW_UPS.map((o) => Type.Literal(o))),
  note: Type.Optional(NullableString(1000)),
});

export const hitOutcomeRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { hits, clock } = ctx.deps;

  app.get<{ Params: Static<typeof IdParams> }>('/api/hits/:id/history', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const history = hits.history(req.params.id);
    const hit = hits.get(req.params.id);
    if (!hit && history.length === 0) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hit' });
    ctx.audit.record({ user: sessionOf(req).username, action: 'hit.history', object: String(req.params.id), ip: req.ip, details: { entries: history.length, detectionPurged: hit === null } });
    return reply.send({ hitId: req.params.id, detectionPurged: hit === null, history });
  });

  app.get<{ Params: Static<typeof IdParams> }>('/hits/:id/history', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: STATION }, page: true } }, (req, reply) => {
    const history = hits.history(req.params.id);
    const hit = hits.get(req.params.id);
    if (!hit && history.length === 0) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hit' });
    ctx.audit.record({ user: sessionOf(req).username, action: 'hit.history', object: String(req.params.id), ip: req.ip, details: { entries: history.length, detectionPurged: hit === null } });
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'Hit history', page: 'hit-history', session: sessionOf(req), device: ctx.deps.device, body: hitHistoryBody(req.params.id, hit, history), strip: statusStrip(ctx.deps.registry.snapshot()) }));
  });

  /** The history list alone, for the page to refresh after recording an outcome. */
  app.get<{ Params: Static<typeof IdParams> }>('/fragments/hits/:id/history', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const history = hits.history(req.params.id);
    ctx.audit.record({ user: sessionOf(req).username, action: 'hit.history', object: String(req.params.id), ip: req.ip, details: { entries: history.length } });
    return reply.type('text/html; charset=utf-8').send(historyList(history).value);
  });

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof OutcomeBody> }>(
    '/api/hits/:id/outcome',
    { schema: { params: IdParams, body: OutcomeBody }, config: { access: { kind: 'session', roles: STATION } } },
    (req, reply) => {
      const user = sessionOf(req).username;
      const note = req.body.note?.trim() || null;
      const hit = hits.get(req.params.id);
      if (!hit) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hit' });
      if (hit.outcome !== 'confirmed') {
        ctx.audit.record({ user, action: 'hit.outcome.refused', object: String(hit.id), ip: req.ip, details: { outcome: req.body.outcome, reason: 'not confirmed', verification: hit.outcome } });
        return fail(reply, 409, 'HTTP_HIT_NOT_CONFIRMED', { id: hit.id, outcome: hit.outcome ?? 'not verified' });
      }
      // Audit first, as the verification does: a recorded outcome always has its audit row.
      ctx.audit.record({ user, action: 'hit.outcome', object: String(hit.id), ip: req.ip, details: { outcome: req.body.outcome, note, detectionId: hit.detectionId } });
      const r = hits.annotate(hit.id, { outcome: req.body.outcome, user, note, at: clock.now() });
      if (r === 'not_found') return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hit' });
      if (r === 'not_confirmed') return fail(reply, 409, 'HTTP_HIT_NOT_CONFIRMED', { id: hit.id, outcome: 'not confirmed' });
      return reply.code(201).send({ entry: r, history: hits.history(hit.id) });
    },
  );
  done();
};
