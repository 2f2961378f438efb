/**
 * A camera's reference view (issue 18): the picture its moved/re-aimed check compares against,
 * taken at installation. The station shows it next to the live view; an administrator re-takes it
 * after re-aiming the camera, and that is audited before it happens (who, which camera, from where).
 * The picture-health states themselves are on the camera's status entry (/api/status, /api/cameras).
 */
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN, STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { actorOf, fail } from './reply.js';

const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' } }, required: ['id'] } as const;

export const cameraReferenceRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const port = ctx.deps.cameraReference;
  if (!port) {
    done();
    return;
  }
  const known = (id: string): boolean => ctx.deps.registry.get(`camera:${id}`)?.kind === 'camera';

  app.get<{ Params: { id: string } }>('/api/cameras/:id/reference.jpg', { schema: { params: ID_PARAMS }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    if (!known(req.params.id)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'camera' });
    const jpeg = port.referenceImage(req.params.id);
    if (!jpeg) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'reference view' });
    return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
  });

  app.post<{ Params: { id: string } }>('/api/cameras/:id/reference', { schema: { params: ID_PARAMS }, config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    if (!known(req.params.id)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'camera' });
    // Audited first: a re-aimed camera's new reference hides the move, so who asked must be on record.
    ctx.audit.record({ user: actorOf(req), action: 'camera.reference.retake', object: req.params.id, ip: req.ip });
    if (!port.retakeReference(req.params.id)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'camera' });
    return reply.code(202).send({ ok: true, camera: req.params.id, message: 'the reference view is taken from the next pictures' });
  });
  done();
};
