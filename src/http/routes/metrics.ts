/**
 * `GET /metrics` for fleet monitoring. Counters carry no plate or position, but they tell when
 * and where a device is working and how many hits it raised, so the route is not open: a
 * Prometheus scraper presents `http.monitor_token` as a bearer token (its `authorization`
 * setting), and a logged-in user may look too.
 */
import type { FastifyPluginCallback } from 'fastify';
import { ANY_ROLE } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { prometheusText } from '../metrics.js';

export const metricsRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  app.get('/metrics', { config: { access: { kind: 'monitor', roles: ANY_ROLE } } }, (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(ctx.deps.registry.snapshot(), ctx.deps.version)),
  );
  done();
};
