/**
 * Composition root: builds every unit from its config slice, wires the stages together with
 * bounded queues and callbacks, starts them in data-flow order and stops them in reverse.
 *
 *   cameras ──frames──▶ recognizer pool ──reads──▶ tracker (one detection per vehicle)
 *                                                    │
 *   GPS ──position at capture time──────────────────▶ detection ──▶ hot-list match ──▶ store ──▶ uploader
 *                                                                      │
 *                                                            hits ──▶ operator page (alert, verify)
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { buildServer } from './http/server.js';
import type { Clock } from './shared/clock.js';
import { Lifecycle, type Unit } from './shared/lifecycle.js';
import type { Logger } from './shared/logger.js';
import { StatusRegistry } from './status/registry.js';

export interface AppDeps {
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  version: string;
}

export interface App {
  registry: StatusRegistry;
  http: FastifyInstance;
  units: readonly Unit[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const registry = new StatusRegistry(deps.clock);
  const units: Unit[] = [];

  const http = await buildServer({ registry, logger: deps.logger.child({ unit: 'http' }), version: deps.version });

  const lifecycle = new Lifecycle(units);
  return {
    registry,
    http,
    units,
    start: () => lifecycle.start(),
    stop: async () => {
      const reports = await lifecycle.stop();
      for (const r of reports) {
        if (r.error) deps.logger.error({ unit: r.unit, ms: r.ms }, `stop failed: ${r.error}`);
        else deps.logger.debug({ unit: r.unit, ms: r.ms }, 'stopped');
      }
    },
  };
}
