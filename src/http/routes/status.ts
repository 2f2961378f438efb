import type { FastifyPluginAsync } from 'fastify';
import type { HttpDeps } from '../server.js';

/** Readiness and unit status as JSON: what `doctor`, the status page and fleet monitoring read. */
export const statusRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  app.get('/api/status', async () => ({ version: deps.version, ...deps.registry.snapshot() }));
  app.get('/api/health', async (_req, reply) => {
    const r = deps.registry.readiness();
    return reply.code(r.verdict === 'red' ? 503 : 200).send(r);
  });
};
