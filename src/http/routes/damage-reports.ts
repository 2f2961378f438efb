/**
 * Damage and malfunction reports from the station (issue 18; roseville 426.6.2, sacramento-pd
 * B.2): an operator reports a camera, the GPS or the unit with when it was noticed, their words
 * and, for a camera, optionally its current picture. The audit row is written first and carries
 * the whole report in its details, so the report travels to the central server with the next
 * upload batch on the audit stream (docs/upload-api.yaml) without a new stream; the picture stays
 * on the device, named in that row by its sha256. Administrators see the list on /damage.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { snapshotSha256 } from '../../store/damage-reports-repo.js';
import { ADMIN, STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { damageBody, damageList } from '../pages/damage-reports.js';
import { layout } from '../pages/layout.js';
import { cameraIdOf } from '../pages/status-page.js';
import { statusStrip } from '../pages/status-strip.js';
import { actorOf, fail, sessionOf } from './reply.js';

export const DAMAGE_ACTION = 'damage.report';

const ReportBody = Type.Object(
  {
    what: Type.String({ pattern: '^(camera:[a-z0-9][a-z0-9_-]{0,31}|gps|unit)$' }),
    noticedAt: Type.Integer({ minimum: 0 }),
    text: Type.String({ maxLength: 2000 }),
    snapshot: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
type ReportBody = Static<typeof ReportBody>;
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) });

/** A report "noticed" later than this ahead of the unit's clock is a typing or clock error. */
const FUTURE_SLACK_MS = 10 * 60_000;
/** Older than this is not a report from this shift's equipment check; refuse rather than guess. */
const MAX_AGE_MS = 90 * 24 * 3600_000;

export const damageReportRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const port = ctx.deps.damageReports;
  if (!port) return done();
  const { registry, clock, snapshots, device } = ctx.deps;
  const cameras = (): string[] =>
    registry
      .list()
      .filter((u) => u.kind === 'camera')
      .map(cameraIdOf);

  app.get('/damage', { config: { access: { kind: 'session', roles: STATION }, page: true } }, (req, reply) => {
    const session = sessionOf(req);
    const isAdmin = ADMIN.includes(session.role);
    if (isAdmin) ctx.audit.record({ user: session.username, action: 'damage.list', ip: req.ip });
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'Report damage', page: 'damage', session, device, body: damageBody(cameras(), isAdmin ? port.list(100) : null), strip: statusStrip(registry.snapshot()) }));
  });

  app.post<{ Body: ReportBody }>('/api/damage-reports', { schema: { body: ReportBody }, config: { access: { kind: 'session', roles: STATION } } }, async (req, reply) => {
    const b = req.body;
    const now = clock.now();
    const fields: { field: string; message: string }[] = [];
    const text = b.text.trim();
    if (text.length < 3) fields.push({ field: 'text', message: 'say what is wrong (at least 3 characters)' });
    if (b.noticedAt > now + FUTURE_SLACK_MS) fields.push({ field: 'noticedAt', message: 'the time noticed is in the future' });
    else if (b.noticedAt < now - MAX_AGE_MS) fields.push({ field: 'noticedAt', message: 'the time noticed is more than 90 days ago' });
    const cameraId = b.what.startsWith('camera:') ? b.what.slice('camera:'.length) : null;
    if (cameraId !== null && !cameras().includes(cameraId)) fields.push({ field: 'what', message: `there is no camera ${cameraId} on this unit` });
    if (b.snapshot && cameraId === null) fields.push({ field: 'snapshot', message: 'a picture can be attached only to a camera report' });
    if (fields.length > 0) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: fields.map((f) => `${f.field}: ${f.message}`).join('; ') }, fields);

    // A dead camera has no current picture, and that is often why it is reported: the report is
    // filed without one and the answer says so.
    const jpeg = b.snapshot && cameraId !== null ? await snapshots.snapshot(cameraId) : null;
    const subject = cameraId !== null ? 'camera' : (b.what as 'gps' | 'unit');
    const reportedBy = actorOf(req);
    const details = {
      subject,
      camera_id: cameraId,
      noticed_at: b.noticedAt,
      text,
      snapshot_sha256: jpeg ? snapshotSha256(jpeg) : null,
      snapshot_bytes: jpeg ? jpeg.length : null,
    };
    // Audited before it is stored: the audit row is what reaches the central server.
    const row = ctx.audit.record({ user: reportedBy, action: DAMAGE_ACTION, object: cameraId ?? subject, details, ip: req.ip });
    const report = port.add({ subject, cameraId, noticedAt: b.noticedAt, text, reportedBy, reportedAt: row.at, snapshot: jpeg, auditId: row.id });
    req.log.info({ report: report.id, subject, camera: cameraId }, 'damage report filed');
    ctx.reporter.count('damage_reports');
    return reply.code(201).send({ report, snapshotAttached: jpeg !== null, snapshotWanted: b.snapshot === true });
  });

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/damage-reports', { schema: { querystring: ListQuery }, config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    ctx.audit.record({ user: actorOf(req), action: 'damage.list', ip: req.ip });
    return reply.send({ reports: port.list(req.query.limit ?? 100, req.query.offset ?? 0) });
  });

  app.get('/fragments/damage-reports', { config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    ctx.audit.record({ user: actorOf(req), action: 'damage.list', ip: req.ip });
    return reply.type('text/html; charset=utf-8').send(damageList(port.list(100)).value);
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/damage-reports/:id/snapshot.jpg', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    if (!port.get(req.params.id)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'damage report' });
    const jpeg = port.snapshot(req.params.id);
    if (!jpeg) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'picture' });
    // A camera picture can show plates and people: viewing it is recorded like any stored image.
    ctx.audit.record({ user: actorOf(req), action: 'damage.snapshot.view', object: String(req.params.id), ip: req.ip });
    return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
  });
  done();
};
