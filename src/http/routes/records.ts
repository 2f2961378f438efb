/**
 * Administrator's records view (issue 15): retention settings, purge history, evidence holds,
 * as a page (`/records`) and as JSON (`/api/records`). Viewing is audited (`records.view`).
 */
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { AuditRecord } from '../../store/audit-repo.js';
import type { HeldDetection } from '../../store/detections-repo.js';
import { ADMIN } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { layout } from '../pages/layout.js';
import { recordsBody } from '../pages/records.js';
import { statusStrip } from '../pages/status-strip.js';
import { sessionOf } from './reply.js';

const PURGES_SHOWN = 100;
const HELD_SHOWN = 500;

export const recordsRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const port = ctx.deps.records;
  if (!port) return done();
  const gather = (req: FastifyRequest): { purges: AuditRecord[]; held: HeldDetection[] } => {
    const purges = ctx.deps.audit.query({ action: 'purge', limit: PURGES_SHOWN });
    const held = port.held(HELD_SHOWN);
    ctx.audit.record({ user: sessionOf(req).username, action: 'records.view', ip: req.ip, details: { purges: purges.length, held: held.length } });
    return { purges, held };
  };

  app.get('/records', { config: { access: { kind: 'session', roles: ADMIN }, page: true } }, (req, reply) => {
    const { purges, held } = gather(req);
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'Records', page: 'records', session: sessionOf(req), device: ctx.deps.device, body: recordsBody(port.settings, purges, held), strip: statusStrip(ctx.deps.registry.snapshot()) }));
  });

  app.get('/api/records', { config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    const { purges, held } = gather(req);
    return reply.send({ settings: port.settings, purges, held });
  });
  done();
};
