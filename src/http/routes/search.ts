/** Search of stored reads: refused without a case number and a purpose; every query is an audit row. */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { criteria, justification, SearchBody } from '../search-criteria.js';
import { fail, sessionOf } from './reply.js';

export const searchRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { detections, config } = ctx.deps;

  app.post<{ Body: Static<typeof SearchBody> }>('/api/search', { schema: { body: SearchBody }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const user = sessionOf(req).username;
    const why = justification(req.body);
    if (Array.isArray(why)) {
      ctx.audit.record({ user, action: 'search.refused', ip: req.ip, details: { errors: why } });
      return fail(reply, 400, 'HTTP_PURPOSE_REQUIRED', {}, why);
    }
    const q = criteria(req.body);
    if (Array.isArray(q)) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: q.map((e) => `${e.field}: ${e.message}`).join('; ') }, q);
    const limit = Math.min(req.body.limit ?? config.search_max_rows, config.search_max_rows);
    const offset = req.body.offset ?? 0;
    // The row goes in first: a query that returns data must be on record (sacramento-da IV.C.b).
    const rec = ctx.audit.record({ user, action: 'search', ip: req.ip, caseNumber: why.caseNumber, purpose: why.purpose, details: { query: q, limit, offset } });
    const results = detections.search({ ...q, limit, offset });
    return reply.send({ results, limit, offset, auditId: rec.id });
  });
  done();
};
