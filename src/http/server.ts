/**
 * Builds the fastify server (routes registered, not listening). `main.ts` listens; tests use
 * `inject()`. http/ reads from the status registry and from store interfaces only.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../shared/logger.js';
import type { StatusRegistry } from '../status/registry.js';
import { statusRoutes } from './routes/status.js';

export interface HttpDeps {
  registry: StatusRegistry;
  logger: Logger;
  version: string;
}

export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Per-request lines would flood journald on a device polled every few seconds.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  await app.register(statusRoutes, deps);
  return app;
}
