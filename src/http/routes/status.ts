/**
 * Readiness and unit status. `/api/health` is open: it says only green/amber/red (no stored
 * data, nothing about people), for systemd and liveness probes. `/api/status` carries unit
 * details (GPS position among them), so it needs a session or the monitoring token, which is
 * how `alpr-edge doctor` and fleet monitoring read it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ANY_ROLE, STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { statusPanel } from '../pages/status-page.js';
import { statusStrip } from '../pages/status-strip.js';
import { NullableString } from '../schema.js';
import { fail, sessionOf } from './reply.js';

const AckBody = Type.Object({
  equipmentInspected: Type.Boolean(),
  note: Type.Optional(NullableString(500)),
});

export const statusRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { registry, version } = ctx.deps;

  app.get('/api/health', { config: { access: { kind: 'public' } } }, (_req, reply) => {
    const r = registry.readiness();
    return reply.code(r.verdict === 'red' ? 503 : 200).send({ verdict: r.verdict });
  });

  app.get('/api/status', { config: { access: { kind: 'monitor', roles: ANY_ROLE } } }, (_req, reply) =>
    reply.send({ version, ...registry.snapshot(), shift: ctx.shift.latest() }),
  );

  app.get('/fragments/status', { config: { access: { kind: 'session', roles: ANY_ROLE } } }, (req, reply) => {
    const s = sessionOf(req);
    const canAct = STATION.includes(s.role);
    return reply.type('text/html; charset=utf-8').send(statusPanel(registry.snapshot(), ctx.shift.latest(), canAct).value);
  });

  // The strip on every page refreshes from here; any role may see it (auditors too).
  app.get('/fragments/strip', { config: { access: { kind: 'session', roles: ANY_ROLE } } }, (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(statusStrip(registry.snapshot()).value),
  );

  app.post<{ Body: Static<typeof AckBody> }>('/api/shift/ack', { schema: { body: AckBody }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const r = ctx.shift.acknowledge(sessionOf(req).username, req.ip, { equipmentInspected: req.body.equipmentInspected, note: req.body.note ?? null });
    if (!r.ok) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: r.message }, [{ field: r.field, message: r.message }]);
    return reply.send(r.ack);
  });
  done();
};
