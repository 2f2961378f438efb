/**
 * The audit log for auditors (and administrators): filter, page, export as CSV, verify the hash
 * chain. Reading the log is itself recorded, so an auditor's queries are on record too.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { AUDITORS } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { AUDIT_CSV_HEADER, auditCsvCells } from '../../accounts/audit-csv.js';
import { csvDocument } from '../../shared/csv.js';
import type { AuditQuery, AuditRecord, UsersPort } from '../ports.js';
import { sessionOf } from './reply.js';

const AuditFilter = Type.Object({
  user: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  // Bounded: a huge offset used to reach SQLite and answer 500 (issue 16 item 18).
  offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
});
type Filter = Static<typeof AuditFilter>;

/** Most rows in one CSV export. */
const EXPORT_MAX = 100_000;
const EXPORT_PAGE = 1000;

/** Most accounts one name filter stands for. */
const MAX_NAMED = 200;

/**
 * `user` is a login or a name (issue 15 item 10): the rows of that login, and of every account
 * whose full name contains the text (case-insensitive), so "smith" finds "Jane Smith" (jsmith2).
 */
function toQuery(f: Partial<Filter>, users: UsersPort): AuditQuery {
  const q: AuditQuery = {};
  const who = f.user?.trim();
  if (who) {
    const needle = who.toLocaleLowerCase();
    const named = users.list().filter((u) => u.fullName.toLocaleLowerCase().includes(needle) || u.username.toLocaleLowerCase() === needle).map((u) => u.username);
    q.users = [...new Set([who, ...named])].slice(0, MAX_NAMED);
  }
  if (f.action?.trim()) q.action = f.action.trim();
  if (f.from !== undefined) q.from = f.from;
  if (f.to !== undefined) q.to = f.to;
  return q;
}

export const auditRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const log = ctx.deps.audit;
  const access = { kind: 'session', roles: AUDITORS } as const;

  app.get<{ Querystring: Filter }>('/api/audit', { schema: { querystring: AuditFilter }, config: { access } }, (req, reply) => {
    const q = toQuery(req.query, ctx.deps.users);
    ctx.audit.record({ user: sessionOf(req).username, action: 'audit.view', ip: req.ip, details: { filter: q, offset: req.query.offset } });
    return reply.send({ records: log.query({ ...q, limit: req.query.limit, offset: req.query.offset }), limit: req.query.limit, offset: req.query.offset });
  });

  app.get<{ Querystring: Filter }>('/api/audit/export.csv', { schema: { querystring: AuditFilter }, config: { access } }, (req, reply) => {
    const q = toQuery(req.query, ctx.deps.users);
    ctx.audit.record({ user: sessionOf(req).username, action: 'audit.export', ip: req.ip, details: { filter: q } });
    const rows: AuditRecord[] = [];
    for (let offset = 0; rows.length < EXPORT_MAX; offset += EXPORT_PAGE) {
      const page = log.query({ ...q, limit: EXPORT_PAGE, offset });
      rows.push(...page);
      if (page.length < EXPORT_PAGE) break;
    }
    const stamp = new Date(ctx.deps.clock.now()).toISOString().replace(/[:.]/g, '-');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="alpr-audit-${ctx.deps.device.id}-${stamp}.csv"`)
      .send(csvDocument(AUDIT_CSV_HEADER, rows.map(auditCsvCells)));
  });

  app.post('/api/audit/verify', { config: { access } }, (req, reply) => {
    const result = log.verify();
    ctx.audit.record({ user: sessionOf(req).username, action: 'audit.verify', ip: req.ip, details: { ...result } });
    return reply.send(result);
  });
  done();
};
