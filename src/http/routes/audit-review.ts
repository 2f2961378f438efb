/**
 * The quarterly audit of user queries (issue 15; roseville 426.4.1 (c), sacramento-pd D.2.b(2),
 * sacramento-da IV.B.a.ii) for administrators and auditors: a page (`/audit-review`), JSON
 * (`/api/audit-review`) and CSV per part (`/api/audit-review.csv?part=`). Building one is itself
 * an audit row (`audit.review`, `audit.review.export`), written before the report leaves.
 *
 * The period's rows are read in pages, newest first, with the event loop let go between pages:
 * a quarter of a busy unit is a few hundred thousand rows, and hit alerts must not wait behind it.
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { AuditReviewBuilder, type AuditReviewReport } from '../audit-review.js';
import { parsePeriod, recentQuarters, type ReviewPeriod } from '../audit-review-period.js';
import { AUDITORS } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { csvDocument, type Cell } from '../../shared/csv.js';
import { auditReviewBody, reviewRefusedBody } from '../pages/audit-review.js';
import { layout } from '../pages/layout.js';
import { statusStrip } from '../pages/status-strip.js';
import { fail, sessionOf } from './reply.js';

/** Most audit rows one report reads; more is reported as truncated. */
export const REVIEW_MAX_ROWS = 400_000;
/** Most rows walked, the period's and the newer ones before it. */
const REVIEW_MAX_SCANNED = 1_000_000;
const PAGE = 1000;

const PARTS = ['accounts', 'searches', 'criteria', 'releases', 'approvals'] as const;
type Part = (typeof PARTS)[number];

const PeriodQuery = Type.Object({
  quarter: Type.Optional(Type.String({ maxLength: 8 })),
  from: Type.Optional(Type.String({ maxLength: 10 })),
  to: Type.Optional(Type.String({ maxLength: 10 })),
  part: Type.Optional(Type.Union(PARTS.map((p) => Type.Literal(p)))),
});
type PeriodQueryT = Static<typeof PeriodQuery>;

function csvOf(r: AuditReviewReport, part: Part): { header: string[]; rows: Cell[][] } {
  switch (part) {
    case 'accounts':
      return {
        header: ['account', 'name', 'role', 'searches', 'cases', 'thin_purpose', 'no_results', 'refused', 'views', 'lookups', 'exports', 'releases', 'approvals_asked', 'approvals_given', 'unusual_use_alerts'],
        rows: r.accounts.map((t) => [t.account, t.fullName, t.role, t.searches, t.cases, t.thin, t.noResults, t.refused, t.views, t.lookups, t.exports, t.releases, t.approvalsAsked, t.approvalsGiven, t.unusual]),
      };
    case 'searches':
      return {
        header: ['audit_id', 'at', 'account', 'case_number', 'purpose_category', 'purpose_text', 'flags', 'criteria', 'results', 'approved_by'],
        rows: r.flagged.map((f) => [f.id, new Date(f.at).toISOString(), f.account, f.caseNumber, f.category, f.purpose, f.flags.join('; '), f.criteria, f.returned, f.approvedBy]),
      };
    case 'criteria':
      return { header: ['account', 'criteria', 'searches', 'latest_audit_id', 'latest_at'], rows: r.topCriteria.map((c) => [c.account, c.criteria, c.count, c.lastId, new Date(c.lastAt).toISOString()]) };
    case 'releases':
    case 'approvals':
      return {
        header: ['audit_id', 'at', 'account', 'action', 'object', 'case_number', 'purpose', 'details'],
        rows: (part === 'releases' ? r.releases : r.approvals).map((x) => [x.id, new Date(x.at).toISOString(), x.account, x.action, x.object, x.caseNumber, x.purpose, x.detail]),
      };
  }
}

export const auditReviewRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { deps } = ctx;
  const access = { kind: 'session', roles: AUDITORS } as const;

  const build = async (p: ReviewPeriod): Promise<{ report: AuditReviewReport; truncated: boolean }> => {
    const b = new AuditReviewBuilder(
      deps.config.search_purposes,
      deps.users.list().map((u) => ({ username: u.username, fullName: u.fullName, role: u.role })),
    );
    // Newest first, each page below the last id seen, the period applied here: an offset made
    // SQLite walk every row before it (100,000 rows: 17 s of CPU, the event loop held 1.5 s), and
    // a time range in the query made it sort the period's rows from the time index for every page
    // (150 ms a page against 8 ms by id; measured on 60,000 rows). Rows are written in time order,
    // so the walk ends at the first page wholly older than the period (a clock set back by more
    // than a page of rows could hide rows older than that page from the report).
    let below = Number.MAX_SAFE_INTEGER;
    let read = 0;
    let scanned = 0;
    for (;;) {
      const page = deps.audit.query({ beforeId: below, limit: PAGE });
      let older = 0;
      for (const r of page) {
        if (r.at < p.from) older++;
        else if (r.at < p.to) {
          b.add(r);
          read++;
        }
      }
      scanned += page.length;
      if (page.length < PAGE || older === page.length) return { report: b.result(), truncated: false };
      if (read >= REVIEW_MAX_ROWS || scanned >= REVIEW_MAX_SCANNED) break;
      below = page[page.length - 1]!.id;
      await yieldLoop();
    }
    return { report: b.result(), truncated: true };
  };

  /** Builds the report and its audit row; undefined after answering a refused period. */
  const prepare = async (req: FastifyRequest<{ Querystring: PeriodQueryT }>, reply: FastifyReply, action: string, page: boolean) => {
    const now = deps.clock.now();
    const period = parsePeriod(req.query, now);
    if (Array.isArray(period)) {
      if (page) {
        const body = reviewRefusedBody({ period: recentQuarters(now)[1]!, quarters: recentQuarters(now) }, period);
        await reply.code(400).type('text/html; charset=utf-8').send(layout({ title: 'Quarterly audit', page: 'audit-review', session: sessionOf(req), device: deps.device, body, strip: statusStrip(deps.registry.snapshot()) }));
      } else {
        await fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: period.map((e) => `${e.field}: ${e.message}`).join('; ') }, period);
      }
      return undefined;
    }
    const { report, truncated } = await build(period);
    const rec = ctx.audit.record({
      user: sessionOf(req).username,
      action,
      ip: req.ip,
      details: { period: period.quarter ?? period.label, from: period.from, to: period.to, rows: report.rows, truncated, accounts: report.accounts.length, flagged: report.flaggedTotal, ...(req.query.part ? { part: req.query.part } : {}) },
    });
    return { period, report, truncated, rec, now };
  };

  app.get<{ Querystring: PeriodQueryT }>('/audit-review', { schema: { querystring: PeriodQuery }, config: { access, page: true } }, async (req, reply) => {
    const r = await prepare(req, reply, 'audit.review', true);
    if (!r) return reply;
    const s = sessionOf(req);
    const body = auditReviewBody(r.report, { period: r.period, quarters: recentQuarters(r.now), generatedAt: r.now, generatedBy: s.fullName || s.username, device: deps.device.id, truncated: r.truncated, auditId: r.rec.id });
    return reply.type('text/html; charset=utf-8').send(layout({ title: 'Quarterly audit', page: 'audit-review', session: s, device: deps.device, body, strip: statusStrip(deps.registry.snapshot()) }));
  });

  app.get<{ Querystring: PeriodQueryT }>('/api/audit-review', { schema: { querystring: PeriodQuery }, config: { access } }, async (req, reply) => {
    const r = await prepare(req, reply, 'audit.review', false);
    if (!r) return reply;
    return reply.send({ period: r.period, truncated: r.truncated, auditId: r.rec.id, ...r.report });
  });

  app.get<{ Querystring: PeriodQueryT }>('/api/audit-review.csv', { schema: { querystring: PeriodQuery }, config: { access } }, async (req, reply) => {
    const r = await prepare(req, reply, 'audit.review.export', false);
    if (!r) return reply;
    const part = req.query.part ?? 'accounts';
    const { header, rows } = csvOf(r.report, part);
    const name = `alpr-audit-review-${deps.device.id}-${r.period.quarter ?? new Date(r.period.from).toISOString().slice(0, 10)}-${part}.csv`;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(csvDocument(header, rows));
  });
  done();
};
