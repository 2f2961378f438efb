/**
 * `alpr-edge run`: loads the configuration and builds the daemon. Running it (signals,
 * sd_notify, the shutdown deadline, listen) is main.ts's part.
 */
import { parseArgs } from 'node:util';
import { loadConfigFile, packageVersion } from '../config/load.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';
import type { ServiceCommand } from './command.js';

export const command: ServiceCommand = {
  name: 'run',
  summary: 'run the daemon',
  usage: 'alpr-edge run [--config FILE]   (no --config and no ALPR_EDGE_CONFIG: the embedded demo)',
  async serve(args, io) {
    const { values } = parseArgs({ args, strict: true, options: { config: { type: 'string', short: 'c' } } });
    const file = values.config ?? io.env.ALPR_EDGE_CONFIG;
    const r = loadConfigFile(file, io.env);
    if (!r.config) {
      for (const e of r.errors) io.err(e);
      io.err(`${r.source}: configuration refused (${r.errors.length} problem(s))`);
      return 1;
    }
    const config = r.config;
    const logger = createLogger(config.log.level, undefined, config.log.format);
    // An older configuration runs migrated in memory; the log says what changed until the file is migrated.
    for (const note of r.notes ?? []) logger.warn({ unit: 'config', source: r.source }, note);
    // Loaded here, not at the top: `run --help` and a refused configuration need none of it.
    const { buildApp } = await import('../app.js');
    const app = await buildApp(config, { logger, clock: systemClock, env: io.env, version: packageVersion() });
    const { host, port } = config.http;
    return {
      logger,
      start: () => app.start(),
      listen: () => app.http.listen({ host, port }),
      stop: async () => {
        await app.http.close();
        await app.stop();
      },
      summary: () => ({ units: app.units.map((u) => u.name) }),
    };
  },
};
