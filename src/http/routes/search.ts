/**
 * Search of stored reads: refused without a real criterion, a case number in the agency's format
 * and a purpose from the agency's list; capped and paged. Every query is an audit row, written
 * before the results leave.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import { checkApproval, offListJustification, type ApprovalRequest } from '../auth/approvals.js';
import type { HttpContext } from '../context.js';
import { criteria, justification, PLATE_MIN_KNOWN, SearchBody, searchPolicy } from '../search-criteria.js';
import { fail, sessionOf } from './reply.js';

export const searchRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { detections, config } = ctx.deps;
  const policy = searchPolicy(config);

  /** What the search form needs to offer: the purposes, and the limits it will meet. */
  app.get('/api/search/options', { config: { access: { kind: 'session', roles: STATION } } }, (_req, reply) =>
    reply.send({
      purposes: config.search_purposes,
      caseNumberPattern: config.case_number_pattern,
      maxWindowH: config.search_max_window_h,
      plateMinKnown: PLATE_MIN_KNOWN,
      pageSize: config.search_max_rows,
      maxTotal: config.search_max_total,
    }),
  );

  app.post<{ Body: Static<typeof SearchBody> }>('/api/search', { schema: { body: SearchBody }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const user = sessionOf(req).username;
    let why = justification(req.body, policy);
    // A purpose off the agency's list is allowed only with a supervisor's approval (issue 20).
    let approval: ApprovalRequest | null = null;
    const offList = ctx.deps.accounts ? offListJustification(req.body, policy) : null;
    if (offList && ctx.deps.accounts) {
      const refused = (details: Record<string, unknown>) =>
        ctx.audit.record({ user, action: 'search.refused', ip: req.ip, caseNumber: offList.caseNumber, purpose: offList.purpose, details });
      if (req.body.approvalId === undefined) {
        refused({ errors: [{ field: 'purposeCategory', message: 'off the list, no approval' }] });
        return fail(reply, 403, 'HTTP_APPROVAL_REQUIRED', { purpose: offList.purposeCategory, use: 'search' });
      }
      const want = { use: 'search' as const, requester: user, caseNumber: offList.caseNumber, purposeCategory: offList.purposeCategory };
      const c = checkApproval(ctx.deps.audit, req.body.approvalId, want, ctx.deps.clock.now(), ctx.deps.accounts.config.approval_valid_h * 3600_000);
      if (!c.ok) {
        refused({ approvalId: req.body.approvalId, reason: c.reason });
        return fail(reply, 403, 'HTTP_APPROVAL_INVALID', { id: req.body.approvalId, reason: c.reason, use: 'search' });
      }
      approval = c.approval;
      why = offList;
    }
    if (Array.isArray(why)) {
      ctx.audit.record({ user, action: 'search.refused', ip: req.ip, details: { errors: why } });
      return fail(reply, 400, 'HTTP_PURPOSE_REQUIRED', {}, why);
    }
    const q = criteria(req.body, policy);
    if (Array.isArray(q)) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: q.map((e) => `${e.field}: ${e.message}`).join('; ') }, q);
    const limit = Math.min(req.body.limit ?? config.search_max_rows, config.search_max_rows);
    const offset = req.body.offset ?? 0;
    if (offset >= config.search_max_total) {
      return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: `offset: a search reaches at most ${config.search_max_total} detections; narrow it` });
    }
    const take = Math.min(limit, config.search_max_total - offset);
    // One more than the page tells whether there is a next page.
    const rows = detections.search({ ...q, limit: take + 1, offset });
    const more = rows.length > take && offset + take < config.search_max_total;
    // The row goes in before anything is sent: a query that returns data must be on record
    // (sacramento-da IV.C.b). It counts what was returned: the quarterly audit lists searches
    // that found nothing.
    const rec = ctx.audit.record({
      user,
      action: 'search',
      ip: req.ip,
      caseNumber: why.caseNumber,
      purpose: why.purpose,
      details: { query: q, purposeCategory: why.purposeCategory, limit: take, offset, returned: Math.min(rows.length, take), ...(approval ? { approvalId: approval.id, approvedBy: approval.approvedBy } : {}) },
    });
    return reply.send({ results: rows.slice(0, take), limit: take, offset, hasMore: more, nextOffset: more ? offset + take : null, auditId: rec.id });
  });
  done();
};
