/**
 * The administrator's oversight of the account policies (issue 20), as API and the Oversight page:
 * training and certification per account, access review, supervisor right and approved uses, data
 * errors reported on reads, unusual-use alerts. Every change is an audit row written before it
 * takes effect. Served only when the composition root passes `deps.accounts`.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN, AUDITORS, STATION } from '../auth/access.js';
import { DAY_MS, itemLabel, reviewDueAt, unmetItems } from '../../accounts/account-policy.js';
import { ALERT_ACTION, type UnusualUseAlert } from '../auth/account-watch.js';
import { APPROVAL_DECLINED, APPROVAL_GRANTED, APPROVAL_REQUESTED, APPROVED_USES, approvalRequest, recentApprovals } from '../auth/approvals.js';
import { USERNAME_PATTERN } from '../../accounts/password.js';
import type { HttpContext } from '../context.js';
import { oversightBody, type OversightView } from '../pages/oversight.js';
import { layout } from '../pages/layout.js';
import { statusStrip } from '../pages/status-strip.js';
import { NullableNumber } from '../schema.js';
import { justification, searchPolicy } from '../search-criteria.js';
import { misreadReleases, misreadStates, waitingForRelease } from '../export/misread-release.js';
import { DETECTION_ID, fail, sessionOf } from './reply.js';

const NameParams = Type.Object({ username: Type.String({ pattern: USERNAME_PATTERN.source }) });
const ItemName = Type.String({ pattern: '^[a-z0-9_]{2,40}$' });
const QualificationBody = Type.Object({
  item: ItemName,
  completedAt: Type.Integer({ minimum: 0 }),
  /** null = does not expire (a Type.Union with null would be coerced to 0). */
  expiresAt: NullableNumber(),
  course: Type.String({ maxLength: 200 }),
  trainer: Type.String({ maxLength: 200 }),
  certificate: Type.String({ maxLength: 100 }),
});
const ApprovalBody = Type.Object({
  /** What the approval is for: a search (default) or an export (a release request). */
  use: Type.Optional(Type.Union(APPROVED_USES.map((u) => Type.Literal(u)))),
  caseNumber: Type.String({ maxLength: 64 }),
  purposeCategory: Type.String({ minLength: 3, maxLength: 80 }),
  purpose: Type.String({ maxLength: 500 }),
});
const CorrectionBody = Type.Object({
  correctedText: Type.String({ minLength: 1, maxLength: 32 }),
  note: Type.String({ minLength: 1, maxLength: 1000 }),
  hitId: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** Corrected plate text as it is searched: upper case, letters and digits only. */
export function normaliseCorrection(t: string): string | null {
  const s = t.toUpperCase().replace(/[\s.\-·]/g, '');
  return /^[A-Z0-9]{1,16}$/.test(s) ? s : null;
}

export const oversightRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const accounts = ctx.deps.accounts;
  if (!accounts) return done();
  const { users, audit: log, clock, detections, hits, config } = ctx.deps;
  const { records } = accounts;
  const admin = { kind: 'session', roles: ADMIN } as const;
  const validMs = accounts.config.approval_valid_h * 3600_000;
  const misreadView = (): OversightView['misreads'] => {
    const all = misreadStates(log, records.corrections({ limit: 1000 }));
    return { reports: all.slice(0, 100), releasable: all.filter(waitingForRelease).length, releases: misreadReleases(log) };
  };

  const view = (): OversightView => {
    const now = clock.now();
    const c = accounts.config;
    const list = users.list();
    const accountsView = list.map((u) => {
      const s = records.standing(u.username);
      const due = s ? reviewDueAt(s, c) : null;
      return { username: u.username, role: u.role, disabled: u.disabled, supervisor: s?.supervisor ?? false, reviewedAt: s?.reviewedAt ?? null, reviewedBy: s?.reviewedBy ?? null, reviewDueAt: due, unmet: unmetItems(u.role, s, c.required_items, now), qualifications: s?.qualifications ?? [] };
    });
    return {
      now,
      expiryNoticeDays: c.expiry_notice_days,
      reviewNoticeDays: c.review_notice_days,
      required: Object.entries(c.required_items).map(([item, roles]) => ({ item, label: itemLabel(item), roles })),
      accounts: accountsView,
      expiring: records.expiring(now + c.expiry_notice_days * DAY_MS).map((q) => ({ username: q.username, item: q.item, label: itemLabel(q.item), expiresAt: q.expiresAt! })),
      reviewsDue: accountsView.filter((a) => !a.disabled && a.reviewDueAt !== null && a.reviewDueAt <= now + c.review_notice_days * DAY_MS).sort((a, b) => a.reviewDueAt! - b.reviewDueAt!),
      alerts: log.query({ action: ALERT_ACTION, from: now - 30 * DAY_MS, limit: 200 }).map((r) => ({ ...(r.details as unknown as UnusualUseAlert), alertId: r.id, at: r.at })),
      approvals: recentApprovals(log, now, 7 * DAY_MS, validMs),
      misreads: misreadView(),
    };
  };

  app.get('/oversight', { config: { access: admin, page: true } }, (req, reply) =>
    reply.type('text/html; charset=utf-8').send(layout({ title: 'Oversight', page: 'oversight', session: sessionOf(req), device: ctx.deps.device, body: oversightBody(view()), strip: statusStrip(ctx.deps.registry.snapshot()) })),
  );
  app.get('/api/oversight', { config: { access: admin } }, (_req, reply) => reply.send(view()));

  app.get<{ Params: Static<typeof NameParams> }>('/api/users/:username/standing', { schema: { params: NameParams }, config: { access: admin } }, (req, reply) => {
    const s = records.standing(req.params.username);
    return s ? reply.send({ standing: s }) : fail(reply, 404, 'USER_NOT_FOUND', { username: req.params.username });
  });

  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof QualificationBody> }>(
    '/api/users/:username/qualifications',
    { schema: { params: NameParams, body: QualificationBody }, config: { access: admin } },
    (req, reply) => {
      const { username } = req.params;
      if (!users.get(username)) return fail(reply, 404, 'USER_NOT_FOUND', { username });
      const b = req.body;
      if (b.expiresAt !== null && b.expiresAt <= b.completedAt) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'expiresAt: must be after completedAt' }, [{ field: 'expiresAt', message: 'must be after the completion date' }]);
      const actor = sessionOf(req).username;
      const q = { item: b.item, completedAt: b.completedAt, expiresAt: b.expiresAt, course: b.course.trim(), trainer: b.trainer.trim(), certificate: b.certificate.trim(), recordedBy: actor };
      ctx.audit.record({ user: actor, action: 'user.qualification.set', object: username, ip: req.ip, details: { ...q, completedAt: new Date(q.completedAt).toISOString(), expiresAt: q.expiresAt === null ? null : new Date(q.expiresAt).toISOString() } });
      records.setQualification(username, q);
      return reply.send({ standing: records.standing(username) });
    },
  );

  app.delete<{ Params: Static<typeof NameParams> & { item: string } }>(
    '/api/users/:username/qualifications/:item',
    { schema: { params: Type.Object({ username: NameParams.properties.username, item: ItemName }) }, config: { access: admin } },
    (req, reply) => {
      const { username, item } = req.params;
      if (!records.standing(username)?.qualifications.some((q) => q.item === item)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: `${item} of ${username}` });
      ctx.audit.record({ user: sessionOf(req).username, action: 'user.qualification.removed', object: username, ip: req.ip, details: { item } });
      records.removeQualification(username, item);
      return reply.send({ standing: records.standing(username) });
    },
  );

  app.post<{ Params: Static<typeof NameParams> }>('/api/users/:username/review', { schema: { params: NameParams }, config: { access: admin } }, (req, reply) => {
    const { username } = req.params;
    const u = users.get(username);
    if (!u) return fail(reply, 404, 'USER_NOT_FOUND', { username });
    const actor = sessionOf(req).username;
    // Re-confirming oneself is allowed only to the one enabled administrator (nobody else can).
    const otherAdmins = users.list().filter((x) => x.role === 'administrator' && !x.disabled && x.username !== actor).length;
    if (username === actor && otherAdmins > 0) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'another administrator re-confirms your account' });
    ctx.audit.record({ user: actor, action: 'user.review.confirmed', object: username, ip: req.ip, details: { role: u.role, disabled: u.disabled } });
    records.markReviewed(username, actor);
    return reply.send({ standing: records.standing(username) });
  });

  app.post<{ Params: Static<typeof NameParams>; Body: { supervisor: boolean } }>(
    '/api/users/:username/supervisor',
    { schema: { params: NameParams, body: Type.Object({ supervisor: Type.Boolean() }) }, config: { access: admin } },
    (req, reply) => {
      const { username } = req.params;
      if (!users.get(username)) return fail(reply, 404, 'USER_NOT_FOUND', { username });
      ctx.audit.record({ user: sessionOf(req).username, action: 'user.change', object: username, ip: req.ip, details: { changes: [req.body.supervisor ? 'supervisor right granted' : 'supervisor right withdrawn'] } });
      records.setSupervisor(username, req.body.supervisor);
      return reply.send({ standing: records.standing(username) });
    },
  );

  // Supervisor-approved uses: ask, approve (a second account with the supervisor right), list.
  const policy = searchPolicy(config);
  app.post<{ Body: Static<typeof ApprovalBody> }>('/api/approvals', { schema: { body: ApprovalBody }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const category = req.body.purposeCategory.trim();
    if (policy.purposes.includes(category)) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'purposeCategory: this purpose is on the list and needs no approval' });
    const why = justification(req.body, { ...policy, purposes: [category] });
    if (Array.isArray(why)) return fail(reply, 400, 'HTTP_PURPOSE_REQUIRED', {}, why);
    const use = req.body.use ?? 'search';
    const rec = ctx.audit.record({ user: sessionOf(req).username, action: APPROVAL_REQUESTED, ip: req.ip, caseNumber: why.caseNumber, purpose: why.purpose, details: { purposeCategory: category, use } });
    return reply.code(201).send({ approval: approvalRequest(log, rec.id, clock.now(), validMs) });
  });

  app.get('/api/approvals', { config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const s = sessionOf(req);
    const all = recentApprovals(log, clock.now(), 7 * DAY_MS, validMs);
    const mayApprove = records.standing(s.username)?.supervisor === true;
    return reply.send({ supervisor: mayApprove, approvals: mayApprove || s.role === 'administrator' ? all : all.filter((a) => a.requester === s.username) });
  });

  /** The checks both answers share: the request exists, the actor is a supervisor and not the requester, it is still open. */
  const answerable = (req: { ip: string; params: { id: number } }, reply: Parameters<typeof fail>[0], actor: string) => {
    const a = approvalRequest(log, req.params.id, clock.now(), validMs);
    if (!a) return void fail(reply, 404, 'HTTP_NOT_FOUND', { what: `approval request ${req.params.id}` });
    if (records.standing(actor)?.supervisor !== true) {
      ctx.audit.record({ user: actor, action: 'use.approval.refused', object: String(a.id), ip: req.ip, details: { reason: 'not a supervisor' } });
      return void fail(reply, 403, 'HTTP_NOT_SUPERVISOR');
    }
    if (a.requester === actor) return void fail(reply, 403, 'HTTP_APPROVAL_SELF');
    return a;
  };
  const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

  app.post<{ Params: { id: number } }>('/api/approvals/:id/approve', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const actor = sessionOf(req).username;
    const a = answerable(req, reply, actor);
    if (!a) return reply;
    if (a.approvedBy !== null) return reply.send({ approval: a });
    if (a.state !== 'waiting') return fail(reply, 409, 'HTTP_APPROVAL_CLOSED', { id: a.id, state: a.state });
    ctx.audit.record({ user: actor, action: APPROVAL_GRANTED, object: String(a.id), ip: req.ip, caseNumber: a.caseNumber, purpose: a.purpose, details: { requester: a.requester, use: a.use } });
    return reply.send({ approval: approvalRequest(log, a.id, clock.now(), validMs) });
  });

  app.post<{ Params: { id: number }; Body: { reason: string } }>(
    '/api/approvals/:id/decline',
    { schema: { params: IdParams, body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }) }, config: { access: { kind: 'session', roles: STATION } } },
    (req, reply) => {
      const actor = sessionOf(req).username;
      const reason = req.body.reason.trim();
      if (!reason) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'reason: say why the use is refused' }, [{ field: 'reason', message: 'say why the use is refused' }]);
      const a = answerable(req, reply, actor);
      if (!a) return reply;
      if (a.state === 'declined') return reply.send({ approval: a });
      if (a.state !== 'waiting') return fail(reply, 409, 'HTTP_APPROVAL_CLOSED', { id: a.id, state: a.state });
      ctx.audit.record({ user: actor, action: APPROVAL_DECLINED, object: String(a.id), ip: req.ip, caseNumber: a.caseNumber, purpose: a.purpose, details: { requester: a.requester, use: a.use, reason } });
      return reply.send({ approval: approvalRequest(log, a.id, clock.now(), validMs) });
    },
  );

  // Data errors: the read stays as it was; the correction is stored beside it.
  app.post<{ Params: { id: string }; Body: Static<typeof CorrectionBody> }>(
    '/api/detections/:id/corrections',
    { schema: { params: Type.Object({ id: Type.String({ pattern: DETECTION_ID }) }), body: CorrectionBody }, config: { access: { kind: 'session', roles: STATION } } },
    (req, reply) => {
      const d = detections.get(req.params.id);
      if (!d) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'detection' });
      const corrected = normaliseCorrection(req.body.correctedText);
      if (!corrected) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'correctedText: letters and digits only, at most 16' }, [{ field: 'correctedText', message: 'letters and digits only' }]);
      const hitId = req.body.hitId ?? null;
      if (hitId !== null && hits.get(hitId)?.detectionId !== d.id) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'hitId: not a hit of this detection' });
      const actor = sessionOf(req).username;
      const rec = ctx.audit.record({ user: actor, action: 'read.error.reported', object: d.id, ip: req.ip, details: { hitId, originalText: d.text, correctedText: corrected, note: req.body.note.trim() } });
      const c = records.addCorrection({ detectionId: d.id, hitId, originalText: d.text, correctedText: corrected, note: req.body.note.trim(), reportedBy: actor });
      return reply.code(201).send({ correction: c, auditId: rec.id });
    },
  );

  app.get<{ Querystring: { text?: string; detectionId?: string } }>(
    '/api/corrections',
    { schema: { querystring: Type.Object({ text: Type.Optional(Type.String({ maxLength: 32 })), detectionId: Type.Optional(Type.String({ pattern: DETECTION_ID })) }) }, config: { access: { kind: 'session', roles: AUDITORS } } },
    (req, reply) => {
      const text = req.query.text === undefined ? undefined : (normaliseCorrection(req.query.text) ?? undefined);
      if (req.query.text !== undefined && text === undefined) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'text: letters and digits only' });
      ctx.audit.record({ user: sessionOf(req).username, action: 'corrections.view', ip: req.ip, details: { text: text ?? null, detectionId: req.query.detectionId ?? null } });
      return reply.send({ corrections: records.corrections({ ...(text ? { text } : {}), ...(req.query.detectionId ? { detectionId: req.query.detectionId } : {}) }) });
    },
  );
  done();
};
