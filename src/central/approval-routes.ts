/**
 * Asking for and answering supervisor approvals of off-list purposes at the central, as the
 * device's Oversight routes do (src/http/routes/oversight.ts): any staff member asks; a second
 * administrator approves or declines (never the one who asked); every step an audit row.
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { APPROVAL_DECLINED, APPROVAL_GRANTED, APPROVAL_REQUESTED, type ApprovalRequest } from '../http/auth/approvals.js';
import { justification, searchPolicy } from '../http/search-criteria.js';
import type { CentralServices } from './central-services.js';
import { ADMIN, jsonBody, markStaffRoutes, STAFF, staffGuard, staffOf } from './staff-routes.js';

export const approvalRoutes: FastifyPluginCallback<{ services: CentralServices }> = (app, { services }, done) => {
  const { config, audit, approvals } = services;
  const policy = searchPolicy({ case_number_pattern: config.search.case_number_pattern, search_purposes: config.search.purposes, search_max_window_h: config.search.max_window_h });
  markStaffRoutes(app);
  app.addHook('onRequest', staffGuard(services));

  app.post('/api/central/approvals', { config: { roles: STAFF }, bodyLimit: 8 * 1024 }, async (req, reply) => {
    const parsed = jsonBody(req);
    if ('error' in parsed) return reply.code(400).send({ message: parsed.error });
    const b = parsed.value as { caseNumber?: unknown; purposeCategory?: unknown; purpose?: unknown; use?: unknown } | null;
    const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length <= max ? v : null);
    const category = text(b?.purposeCategory, 80)?.trim() ?? '';
    const use = b?.use === undefined ? 'search' : b.use;
    if (use !== 'search' && use !== 'export') return reply.code(400).send({ message: 'use: search or export' });
    if (!category) return reply.code(400).send({ message: 'purposeCategory: name the purpose' });
    if (policy.purposes.includes(category)) return reply.code(400).send({ message: 'purposeCategory: this purpose is on the list and needs no approval' });
    const why = justification({ caseNumber: text(b?.caseNumber, 64), purposeCategory: category, purpose: text(b?.purpose, 500) }, { ...policy, purposes: [category] });
    if (Array.isArray(why)) return reply.code(400).send({ message: why.map((e) => `${e.field}: ${e.message}`).join('; '), fields: why });
    const rec = await audit.append({ staff: staffOf(req).name, action: APPROVAL_REQUESTED, ip: req.ip, caseNumber: why.caseNumber, purpose: why.purpose, details: { purposeCategory: category, use } });
    return reply.code(201).send({ approval: await approvals.get(rec.id) });
  });

  app.get('/api/central/approvals', { config: { roles: STAFF } }, async (req, reply) => {
    const s = staffOf(req);
    const all = await approvals.recent();
    return reply.send({ supervisor: s.role === 'admin', approvals: s.role === 'admin' ? all : all.filter((a) => a.requester === s.name) });
  });

  /** The request, answerable by this administrator, or null with the answer sent. */
  const answerable = async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<ApprovalRequest | null> => {
    const id = Number(req.params.id);
    const a = Number.isSafeInteger(id) && id > 0 ? await approvals.get(id) : null;
    if (!a) {
      await reply.code(404).send({ message: `no approval request ${req.params.id}` });
      return null;
    }
    if (a.requester === staffOf(req).name) {
      await reply.code(403).send({ message: 'an approval is given by a second person, not the one who asked' });
      return null;
    }
    return a;
  };

  app.post<{ Params: { id: string } }>('/api/central/approvals/:id/approve', { config: { roles: ADMIN } }, async (req, reply) => {
    const a = await answerable(req, reply);
    if (!a) return reply;
    if (a.approvedBy !== null) return reply.send({ approval: a });
    if (a.state !== 'waiting') return reply.code(409).send({ message: `approval ${a.id} is ${a.state}` });
    await audit.append({ staff: staffOf(req).name, action: APPROVAL_GRANTED, object: String(a.id), ip: req.ip, caseNumber: a.caseNumber, purpose: a.purpose, details: { requester: a.requester, use: a.use } });
    return reply.send({ approval: await approvals.get(a.id) });
  });

  app.post<{ Params: { id: string } }>('/api/central/approvals/:id/decline', { config: { roles: ADMIN }, bodyLimit: 4096 }, async (req, reply) => {
    const parsed = jsonBody(req);
    const reason = 'value' in parsed && typeof (parsed.value as { reason?: unknown } | null)?.reason === 'string' ? (parsed.value as { reason: string }).reason.trim().slice(0, 500) : '';
    if (!reason) return reply.code(400).send({ message: 'reason: say why the use is refused' });
    const a = await answerable(req, reply);
    if (!a) return reply;
    if (a.state === 'declined') return reply.send({ approval: a });
    if (a.state !== 'waiting') return reply.code(409).send({ message: `approval ${a.id} is ${a.state}` });
    await audit.append({ staff: staffOf(req).name, action: APPROVAL_DECLINED, object: String(a.id), ip: req.ip, caseNumber: a.caseNumber, purpose: a.purpose, details: { requester: a.requester, use: a.use, reason } });
    return reply.send({ approval: await approvals.get(a.id) });
  });
  done();
};
